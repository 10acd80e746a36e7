"""Bounded input on the account pages: a text over its limit is a 422 that names the limit and keeps
what was typed (never cut silently), and a stale save is a 409 that keeps the user's input beside
what is saved now, who saved it and when."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from salesdesk.accounts.models import Activity, Department, Person

LONG_NAME = "長" * 5_000


async def test_a_5000_character_person_name_is_422_naming_the_limit_with_the_input_kept(login, rep, make_company, db):
    company = await make_company(rep)
    client = await login(rep)

    r = await client.post(f"/accounts/{company.id}/persons", data={"name": LONG_NAME, "title": "部長"})

    assert r.status_code == 422
    assert "100" in r.text and 'id="name-error"' in r.text  # "Use at most 100 characters" beside the field
    assert LONG_NAME in r.text and 'value="部長"' in r.text
    assert await db.scalar(select(func.count()).select_from(Person)) == 0


async def test_a_5000_character_department_name_is_422_on_the_company_page_with_the_input_kept(
    login, rep, make_company, db
):
    company = await make_company(rep)
    client = await login(rep)

    r = await client.post(f"/accounts/{company.id}/departments", data={"name": LONG_NAME})

    assert r.status_code == 422
    assert 'id="new-dept-error"' in r.text and "100" in r.text
    assert f'value="{LONG_NAME}"' in r.text
    assert await db.scalar(select(func.count()).select_from(Department)) == 0


async def test_a_5000_character_activity_subject_is_422_in_the_timeline_fragment_with_the_input_kept(
    login, rep, make_company, db
):
    company = await make_company(rep)
    client = await login(rep)

    r = await client.post(
        f"/accounts/{company.id}/activities",
        data={"kind": "call", "subject": LONG_NAME},
        headers={"HX-Request": "true"},
    )

    assert r.status_code == 422
    assert "<html" not in r.text and 'id="subject-error"' in r.text and "200" in r.text
    assert LONG_NAME in r.text
    assert await db.scalar(select(func.count()).select_from(Activity)) == 0


async def test_notes_of_1000001_characters_are_422_naming_the_limit_and_the_company_keeps_its_notes(
    login, rep, make_company, db
):
    company = await make_company(rep, notes="受付は2階")
    client = await login(rep)
    notes = "x" * 1_000_001

    r = await client.post(
        f"/accounts/{company.id}",
        data={"name": company.name, "owner_id": str(rep.id), "notes": notes, "version": str(company.version)},
    )

    assert r.status_code == 422
    assert 'id="notes-error"' in r.text and "10,000" in r.text
    assert notes in r.text  # kept in the textarea, to shorten
    await db.refresh(company)
    assert company.notes == "受付は2階"


async def test_rep_saving_a_company_the_manager_changed_meanwhile_sees_their_input_and_who_saved_when(
    login, rep, manager, make_company, db
):
    company = await make_company(rep, "株式会社青空商事")
    rep_tab, manager_tab = await login(rep), await login(manager)
    form = {"name": "株式会社青空商事", "owner_id": str(rep.id), "version": str(company.version)}
    await manager_tab.post(f"/accounts/{company.id}", data=form | {"industry": "製造業"})

    r = await rep_tab.post(f"/accounts/{company.id}", data=form | {"industry": "小売業", "address": "大阪市北区"})

    assert r.status_code == 409
    assert 'id="f-industry"' in r.text and 'value="小売業"' in r.text and 'value="大阪市北区"' in r.text
    assert manager.name in r.text and "製造業" in r.text  # who saved, and what is saved now
    await db.refresh(company)
    assert f'name="version" value="{company.version}"' in r.text  # saving again overwrites, on purpose
    again = await rep_tab.post(
        f"/accounts/{company.id}", data=form | {"industry": "小売業", "version": str(company.version)}
    )
    assert again.status_code == 303


async def test_renaming_a_department_someone_renamed_meanwhile_is_409_with_the_name_typed_kept(
    login, rep, manager, make_company, db
):
    company = await make_company(rep)
    client = await login(rep)
    await client.post(f"/accounts/{company.id}/departments", data={"name": "営業部"})
    dept = await db.scalar(select(Department))
    manager_tab = await login(manager)
    await manager_tab.post(f"/departments/{dept.id}", data={"name": "営業本部", "version": str(dept.version)})

    r = await client.post(f"/departments/{dept.id}", data={"name": "第一営業部", "version": str(dept.version)})

    assert r.status_code == 409
    assert 'value="第一営業部"' in r.text and "営業本部" in r.text and manager.name in r.text
    await db.refresh(dept)
    assert dept.name == "営業本部"
    assert re.search(rf'action="/departments/{dept.id}".*?name="version" value="{dept.version}"', r.text, re.S)

"""The account forms over HTTP as a user meets them: the parent company picked by name, every 422 keeping
every input (ticks included), and every 409 naming who saved meanwhile and when."""

from __future__ import annotations

from sqlalchemy import select

from salesdesk.accounts.models import Company
from tests.conftest import HTMX


async def test_rep_gets_the_parent_company_suggested_by_part_of_its_name(login, rep, make_company):
    await make_company(rep, "青葉ホールディングス株式会社", name_kana="アオバホールディングス")
    client = await login(rep)

    r = await client.get("/accounts/suggestions", params={"parent_name": "あおば"}, headers=HTMX)

    assert r.status_code == 200
    assert '<option value="青葉ホールディングス株式会社">' in r.text


async def test_a_parent_company_typed_by_name_is_saved_as_that_company(login, rep, make_company, db):
    parent = await make_company(rep, "青葉ホールディングス株式会社")
    client = await login(rep)

    r = await client.post("/accounts", data={"name": "青葉精機株式会社", "parent_name": "青葉ホールディングス"})

    assert r.status_code == 303
    child = await db.scalar(select(Company).where(Company.name == "青葉精機株式会社"))
    assert child.parent_id == parent.id


async def test_a_parent_company_nobody_can_resolve_is_refused_with_the_input_kept(login, rep, db):
    client = await login(rep)

    r = await client.post("/accounts", data={"name": "青葉精機株式会社", "parent_name": "存在しない親会社"})

    assert r.status_code == 422
    assert 'value="存在しない親会社"' in r.text and 'id="parent_name-error"' in r.text
    assert await db.scalar(select(Company).where(Company.name == "青葉精機株式会社")) is None


async def test_two_like_named_parents_are_told_apart_by_the_picked_suggestion(login, rep, make_company, db):
    await make_company(rep, "株式会社サンプル")
    second = await make_company(rep, "サンプル株式会社")
    client = await login(rep)

    ambiguous = await client.post("/accounts", data={"name": "サンプル販売株式会社", "parent_name": "サンプル"})
    suggested = await client.get("/accounts/suggestions", params={"parent_name": "サンプル"}, headers=HTMX)
    picked = await client.post(
        "/accounts", data={"name": "サンプル販売株式会社", "parent_name": f"サンプル株式会社 (#{second.id})"}
    )

    assert ambiguous.status_code == 422
    assert f'value="サンプル株式会社 (#{second.id})"' in suggested.text
    assert picked.status_code == 303


async def test_the_edit_form_shows_the_parent_by_name_and_emptying_it_removes_the_parent(login, rep, make_company, db):
    parent = await make_company(rep, "青葉ホールディングス株式会社")
    child = await make_company(rep, "青葉精機株式会社", parent_id=str(parent.id))
    client = await login(rep)

    form = await client.get(f"/accounts/{child.id}/edit")
    form_data = {"name": "青葉精機株式会社", "owner_id": str(rep.id), "version": str(child.version)}
    r = await client.post(f"/accounts/{child.id}", data=form_data)

    assert 'value="青葉ホールディングス株式会社"' in form.text
    assert r.status_code == 303
    await db.refresh(child)
    assert child.parent_id is None


async def test_a_failed_activity_save_keeps_the_ticked_persons_and_the_notes(login, rep, make_company, make_person):
    company = await make_company(rep, "青葉精機株式会社")
    ticked = await make_person(rep, company, "佐藤 一郎")
    other = await make_person(rep, company, "鈴木 花子")
    client = await login(rep)

    r = await client.post(
        f"/accounts/{company.id}/activities",
        headers=HTMX,
        data={"kind": "visit", "subject": "", "body": "設備更新の相談", "person_ids": str(ticked.id)},
    )

    assert r.status_code == 422
    assert f'value="{ticked.id}" checked' in r.text and f'value="{other.id}" checked' not in r.text
    assert "設備更新の相談" in r.text


async def test_a_failed_company_save_keeps_the_ticks(login, rep):
    client = await login(rep)

    r = await client.post(
        "/accounts", data={"name": "", "is_target": "1", "confirm_duplicate": "1", "website": "not a url"}
    )

    assert r.status_code == 422
    assert 'name="is_target" value="1" checked' in r.text
    assert 'value="not a url"' in r.text and 'id="website-error"' in r.text


async def test_a_failed_person_save_keeps_the_left_company_tick(login, rep, make_company):
    company = await make_company(rep, "青葉精機株式会社")
    client = await login(rep)

    r = await client.post(
        f"/accounts/{company.id}/persons", data={"name": "佐藤 一郎", "name_kana": "kana123", "left_company": "1"}
    )

    assert r.status_code == 422
    assert 'name="left_company" value="1" checked' in r.text and 'value="kana123"' in r.text


async def test_a_409_on_the_company_form_says_who_saved_meanwhile_and_when(login, rep, manager, make_company):
    company = await make_company(rep, "青葉精機株式会社")
    rep_tab, manager_tab = await login(rep), await login(manager)
    form = {"name": "青葉精機株式会社", "owner_id": str(rep.id), "version": str(company.version)}
    await manager_tab.post(f"/accounts/{company.id}", data=form | {"industry": "製造業"})

    r = await rep_tab.post(f"/accounts/{company.id}", data=form | {"industry": "小売"})

    assert r.status_code == 409
    assert f"最後に保存したのは{manager.name}さん(" in r.text


async def test_a_409_on_the_person_form_says_who_saved_meanwhile(login, rep, manager, make_company, make_person):
    company = await make_company(rep, "青葉精機株式会社")
    person = await make_person(rep, company, "佐藤 一郎")
    rep_tab, manager_tab = await login(rep), await login(manager)
    form = {"name": "佐藤 一郎", "stance": "neutral", "version": str(person.version)}
    await manager_tab.post(f"/persons/{person.id}", data=form | {"title": "部長"})

    r = await rep_tab.post(f"/persons/{person.id}", data=form | {"title": "課長"})

    assert r.status_code == 409 and manager.name in r.text and "部長" in r.text

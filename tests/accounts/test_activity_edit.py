"""A mistaken visit does not stay forever: its author and the account's editors correct or delete an activity
from the timeline, audited; anyone else may not; a 409 shows who saved it meanwhile."""

from __future__ import annotations

from sqlalchemy import select

from salesdesk.accounts.models import Activity
from salesdesk.accounts.timeline import add_activity
from salesdesk.audit.hook import set_actor
from salesdesk.audit.models import AuditEntry
from tests.accounts.conftest import activity


async def logged_visit(db, author, company, person=None) -> Activity:
    set_actor(db, author)
    ids = [str(person.id)] if person else []
    visit = await add_activity(
        db, author, company.id, activity(ids, kind="visit", subject="定例訪問", occurred_at="2026-11-20T10:00")
    )
    await db.commit()
    return visit


def edit_form(visit: Activity, **changes: str) -> dict[str, str]:
    return {
        "kind": "visit",
        "subject": "定例訪問",
        "occurred_at": "2026-11-20T10:00",
        "version": str(visit.version),
    } | (changes)


async def test_the_timeline_links_the_authors_activity_to_its_edit_page_but_not_for_another_teams_rep(
    db, login, rep, other_rep, make_company
):
    company = await make_company(rep, "青葉精機株式会社")
    visit = await logged_visit(db, rep, company)

    own = await (await login(rep)).get(f"/accounts/{company.id}")
    foreign = await (await login(other_rep)).get(f"/accounts/{company.id}")

    assert f'href="/activities/{visit.id}/edit"' in own.text
    assert f'href="/activities/{visit.id}/edit"' not in foreign.text


async def test_the_author_corrects_a_visit_into_a_call_with_another_person_and_it_is_audited(
    db, login, rep, make_company, make_person
):
    company = await make_company(rep, "青葉精機株式会社")
    wrong, right = await make_person(rep, company, "佐藤 一郎"), await make_person(rep, company, "鈴木 花子")
    visit = await logged_visit(db, rep, company, wrong)
    client = await login(rep)

    page = await client.get(f"/activities/{visit.id}/edit")
    r = await client.post(
        f"/activities/{visit.id}",
        data=edit_form(visit, kind="call", subject="電話で日程調整", person_ids=str(right.id)),
    )

    assert page.status_code == 200 and 'value="定例訪問"' in page.text and f'value="{wrong.id}" checked' in page.text
    assert r.status_code == 303
    await db.refresh(visit, ["kind", "subject", "persons"])
    assert (visit.kind, visit.subject, [p.name for p in visit.persons]) == ("call", "電話で日程調整", ["鈴木 花子"])
    audit = await db.scalar(select(AuditEntry).where(AuditEntry.entity == "activities", AuditEntry.action == "update"))
    assert audit.actor_id == rep.id and audit.changes["subject"] == ["定例訪問", "電話で日程調整"]


async def test_the_teams_manager_deletes_a_reps_mistaken_visit_from_its_edit_page_and_it_is_audited(
    db, login, rep, manager, make_company
):
    company = await make_company(rep, "青葉精機株式会社")
    visit = await logged_visit(db, rep, company)
    client = await login(manager)

    page = await client.get(f"/activities/{visit.id}/edit")
    r = await client.post(f"/activities/{visit.id}/delete")

    assert f'action="/activities/{visit.id}/delete"' in page.text
    assert r.status_code == 303
    assert await db.scalar(select(Activity).where(Activity.id == visit.id)) is None
    deleted = await db.scalar(
        select(AuditEntry).where(AuditEntry.entity == "activities", AuditEntry.action == "delete")
    )
    assert deleted.actor_id == manager.id


async def test_a_rep_of_another_team_may_not_edit_the_activity(db, login, rep, other_rep, make_company):
    company = await make_company(rep, "青葉精機株式会社")
    visit = await logged_visit(db, rep, company)
    client = await login(other_rep)

    assert (await client.get(f"/activities/{visit.id}/edit")).status_code == 403
    assert (await client.post(f"/activities/{visit.id}", data=edit_form(visit, subject="x"))).status_code == 403


async def test_an_edit_without_a_subject_is_422_with_every_input_kept(db, login, rep, make_company, make_person):
    company = await make_company(rep, "青葉精機株式会社")
    person = await make_person(rep, company, "佐藤 一郎")
    visit = await logged_visit(db, rep, company)
    client = await login(rep)

    r = await client.post(
        f"/activities/{visit.id}", data=edit_form(visit, subject="", body="議事メモ", person_ids=str(person.id))
    )

    assert r.status_code == 422
    assert "議事メモ" in r.text and f'value="{person.id}" checked' in r.text and 'id="subject-error"' in r.text


async def test_an_edit_of_an_activity_the_manager_changed_meanwhile_is_409_naming_the_manager(
    db, login, rep, manager, make_company
):
    company = await make_company(rep, "青葉精機株式会社")
    visit = await logged_visit(db, rep, company)
    rep_tab, manager_tab = await login(rep), await login(manager)
    await manager_tab.post(f"/activities/{visit.id}", data=edit_form(visit, subject="定例訪問(部長同席)"))

    r = await rep_tab.post(f"/activities/{visit.id}", data=edit_form(visit, subject="定例訪問(課長のみ)"))

    assert r.status_code == 409
    assert f"最後に保存したのは{manager.name}さん(" in r.text and "定例訪問(部長同席)" in r.text

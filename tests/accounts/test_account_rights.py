"""Who may change an account (auth.policy's account rules), tried the way the takeover was found:
as rep2@ of another team, through the pages."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from salesdesk.accounts.models import Company, Person
from salesdesk.pipeline import setup
from salesdesk.pipeline.models import Deal


@pytest.fixture(autouse=True)
async def default_pipeline(db):
    await setup.ensure_defaults(db)
    await db.commit()


async def _start_deal(client, company_id: int, owner_id: int) -> int:
    r = await client.post(
        "/deals",
        data={"company_id": str(company_id), "title": "横取り案件", "owner_id": str(owner_id), "wants_next_action": ""},
    )
    assert r.status_code == 303, r.text
    return int(r.headers["location"].split("/")[2].split("?")[0])


async def test_a_rep_of_another_team_who_starts_a_deal_on_an_account_cannot_take_the_account_over(
    db, login, rep, other_rep, make_company
):
    company = await make_company(rep, "株式会社守られ商事")
    intruder = await login(other_rep)
    await _start_deal(intruder, company.id, other_rep.id)  # anyone may start a deal on any account

    edit_page = await intruder.get(f"/accounts/{company.id}/edit")
    takeover = await intruder.post(
        f"/accounts/{company.id}",
        data={"name": company.name, "owner_id": str(other_rep.id), "version": str(company.version)},
    )

    assert edit_page.status_code == 403
    assert takeover.status_code == 403
    assert await db.scalar(select(Company.owner_id).where(Company.id == company.id)) == rep.id


async def test_a_rep_with_a_deal_on_an_account_cannot_merge_it_into_one_of_theirs(
    db, login, rep, other_rep, make_company
):
    victim = await make_company(rep, "株式会社被害者")
    rep_deal = await _start_deal(await login(rep), victim.id, rep.id)
    own = await make_company(other_rep, "株式会社吸収側")
    intruder = await login(other_rep)
    await _start_deal(intruder, victim.id, other_rep.id)

    merge_page = await intruder.get(f"/accounts/{own.id}/merge?other_id={victim.id}")
    merge = await intruder.post(f"/accounts/{own.id}/merge", data={"other_id": str(victim.id), "confirm": "1"})

    assert merge_page.status_code == 403
    assert merge.status_code == 403
    assert await db.scalar(select(Deal.company_id).where(Deal.id == rep_deal)) == victim.id


async def test_a_rep_with_a_deal_on_an_account_adds_persons_departments_and_activities_to_it(
    db, login, rep, other_rep, make_company
):
    company = await make_company(rep, "株式会社共同開拓")
    helper = await login(other_rep)
    await _start_deal(helper, company.id, other_rep.id)

    person = await helper.post(f"/accounts/{company.id}/persons", data={"name": "西田 一郎", "stance": "neutral"})
    department = await helper.post(f"/accounts/{company.id}/departments", data={"name": "大阪支社"})
    activity = await helper.post(f"/accounts/{company.id}/activities", data={"kind": "visit", "subject": "訪問"})

    assert (person.status_code, department.status_code, activity.status_code) == (303, 303, 303)
    assert await db.scalar(select(Person.name).where(Person.company_id == company.id)) == "西田 一郎"


async def test_an_owner_hands_their_account_to_a_teammate_but_not_to_another_team(
    db, login, rep, other_rep, make_user, team_east, make_company
):
    teammate = await make_user("rep", team_east, name="東 次郎")
    company = await make_company(rep, "株式会社引き継ぎ")
    owner = await login(rep)
    form = {"name": company.name, "version": str(company.version)}

    elsewhere = await owner.post(f"/accounts/{company.id}", data=form | {"owner_id": str(other_rep.id)})
    handed = await owner.post(f"/accounts/{company.id}", data=form | {"owner_id": str(teammate.id)})

    assert elsewhere.status_code == 422
    assert handed.status_code == 303
    assert await db.scalar(select(Company.owner_id).where(Company.id == company.id)) == teammate.id


async def test_the_owners_manager_reassigns_and_merges_the_teams_accounts_and_another_teams_manager_does_not(
    db, login, rep, manager, make_user, team_west, make_company
):
    west_manager = await make_user("manager", team_west, name="西 部長")
    company = await make_company(rep, "株式会社東の顧客")
    duplicate = await make_company(rep, "株式会社東の顧客 (重複)")
    outsider = await login(west_manager)

    refused = await outsider.post(f"/accounts/{company.id}/merge", data={"other_id": str(duplicate.id), "confirm": "1"})
    merged = await (await login(manager)).post(
        f"/accounts/{company.id}/merge", data={"other_id": str(duplicate.id), "confirm": "1"}
    )

    assert refused.status_code == 403
    assert merged.status_code == 303
    assert await db.scalar(select(Company.id).where(Company.id == duplicate.id)) is None


async def test_the_owner_may_not_merge_their_own_accounts_a_manager_does(db, login, rep, make_company):
    company = await make_company(rep, "株式会社自分の顧客")
    duplicate = await make_company(rep, "株式会社自分の顧客2")

    r = await (await login(rep)).post(
        f"/accounts/{company.id}/merge", data={"other_id": str(duplicate.id), "confirm": "1"}
    )

    assert r.status_code == 403

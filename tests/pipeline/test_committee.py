"""The buying committee: persons of the deal's company and its group with a role in this deal and
one primary contact; which roles are covered; 決裁者未接触 when no decision maker is attached or
none was in an activity within 90 days. From the services and from the deal page."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from salesdesk.accounts.forms import ActivityForm
from salesdesk.errors import Forbidden, Invalid, NotFound
from salesdesk.pipeline import committee
from salesdesk.pipeline.forms import ContactForm, parse_contact
from tests.conftest import HTMX
from tests.pipeline.conftest import add_activity


@pytest.fixture
async def company(rep, make_company):
    return await make_company(rep, "株式会社北斗商事")


@pytest.fixture
async def deal(rep, company, make_deal):
    return await make_deal(rep, "提案", company)


async def attach(db, actor, deal, person, role="", primary=""):
    contact = await committee.add_contact(
        db, actor, deal.id, parse_contact(ContactForm(person_id=str(person.id), role=role, is_primary=primary))
    )
    await db.commit()
    return contact


async def members(db, deal):
    return [(c.person.name, c.role, c.is_primary) for c in await committee.committee(db, deal.id)]


async def test_the_first_person_attached_becomes_the_primary_contact_with_their_account_role(
    db, rep, company, deal, make_person
):
    yamada = await make_person(rep, company, "山田 太郎", buying_role="champion")

    await attach(db, rep, deal, yamada)

    assert await members(db, deal) == [("山田 太郎", "champion", True)]


async def test_making_another_person_primary_leaves_exactly_one_primary(db, rep, company, deal, make_person):
    yamada = await make_person(rep, company, "山田 太郎")
    sato = await make_person(rep, company, "佐藤 花子", email="sato@example.jp")
    await attach(db, rep, deal, yamada, role="champion")
    await attach(db, rep, deal, sato, role="decision_maker")

    await committee.update_contact(
        db, rep, deal.id, sato.id, parse_contact(ContactForm(role="decision_maker", is_primary="1"))
    )
    await db.commit()

    assert await members(db, deal) == [("佐藤 花子", "decision_maker", True), ("山田 太郎", "champion", False)]


async def test_removing_a_person_takes_them_out_of_the_committee_only(db, rep, company, deal, make_person):
    yamada = await make_person(rep, company, "山田 太郎")
    await attach(db, rep, deal, yamada, role="user")

    await committee.remove_contact(db, rep, deal.id, yamada.id)
    await db.commit()

    assert await members(db, deal) == []
    assert yamada in await committee.candidates(db, deal)  # still a person of the company


async def test_persons_of_the_group_may_join_but_not_those_of_another_company(
    db, rep, company, deal, make_company, make_person
):
    subsidiary = await make_company(rep, "北斗システムズ株式会社", parent_id=str(company.id))
    stranger_co = await make_company(rep, "無関係産業株式会社")
    engineer = await make_person(rep, subsidiary, "子会社 次郎")
    stranger = await make_person(rep, stranger_co, "他社 三郎")

    assert [p.name for p in await committee.candidates(db, deal)] == ["子会社 次郎"]
    await attach(db, rep, deal, engineer, role="influencer")
    with pytest.raises(Invalid) as error:
        await attach(db, rep, deal, stranger)

    assert error.value.errors == {"person_id": "person.unknown"}
    assert await members(db, deal) == [("子会社 次郎", "influencer", True)]


async def test_only_the_deals_editors_change_its_committee(
    db, rep, other_rep, make_user, team_east, company, deal, make_person
):
    yamada = await make_person(rep, company, "山田 太郎")
    teammate = await make_user("rep", team_east)

    with pytest.raises(Forbidden):
        await committee.add_contact(db, teammate, deal.id, parse_contact(ContactForm(person_id=str(yamada.id))))
    with pytest.raises(NotFound):
        await committee.add_contact(db, other_rep, deal.id, parse_contact(ContactForm(person_id=str(yamada.id))))


# --- coverage and the 決裁者未接触 warning ------------------------------------------------------


async def test_coverage_says_which_roles_are_held_and_warns_without_a_decision_maker(
    db, rep, company, deal, make_person, clock
):
    await attach(db, rep, deal, await make_person(rep, company, "推進 一郎"), role="champion")
    await attach(db, rep, deal, await make_person(rep, company, "利用 二郎", email="u@example.jp"), role="user")

    coverage = await committee.coverage(db, await committee.committee(db, deal.id), now=clock.now())

    assert sorted(coverage.covered) == ["champion", "user"]
    assert coverage.warning == "decision_maker.missing"


def tokyo_time(days_ago: int) -> str:
    return (datetime.now(ZoneInfo("Asia/Tokyo")) - timedelta(days=days_ago)).strftime("%Y-%m-%dT%H:%M")


async def test_a_decision_maker_without_an_activity_in_90_days_warns_until_one_is_logged(
    db, rep, company, deal, make_person, clock
):
    president = await make_person(rep, company, "社長 太郎", buying_role="decision_maker")
    await add_activity(
        db,
        rep,
        company.id,
        ActivityForm(kind="visit", subject="表敬訪問", occurred_at=tokyo_time(100)),
        [str(president.id)],
    )
    await attach(db, rep, deal, president)

    before = await committee.coverage(db, await committee.committee(db, deal.id), now=clock.now())
    await add_activity(
        db, rep, company.id, ActivityForm(kind="meeting", subject="役員プレゼン"), [str(president.id)], deal_id=deal.id
    )
    await db.commit()
    after = await committee.coverage(db, await committee.committee(db, deal.id), now=clock.now())

    assert before.warning == "decision_maker.not_contacted" and before.covered == ["decision_maker"]
    assert after.warning is None


# --- from the deal page -------------------------------------------------------------------------


async def test_rep_adds_a_person_as_decision_maker_from_the_deal_page_and_the_warning_changes(
    login, rep, company, deal, make_person
):
    president = await make_person(rep, company, "社長 太郎", title="代表取締役")
    client = await login(rep)
    page = await client.get(f"/deals/{deal.id}")
    assert "関係者に決裁者がいません" in page.text
    assert f'<option value="{president.id}"' in page.text  # a candidate
    assert '<option value="decision_maker" >決裁者</option>' in page.text  # the role by name, never its code

    r = await client.post(
        f"/deals/{deal.id}/contacts", data={"person_id": str(president.id), "role": "decision_maker"}, headers=HTMX
    )

    assert r.status_code == 200 and r.text.lstrip().startswith('<section id="committee"')
    assert "社長 太郎" in r.text and "★ 主担当者" in r.text
    assert "決裁者との活動がまだ記録されていません" in r.text


async def test_adding_nobody_is_refused_in_place_and_a_plain_post_redirects(login, rep, company, deal, make_person):
    yamada = await make_person(rep, company, "山田 太郎")
    client = await login(rep)

    refused = await client.post(f"/deals/{deal.id}/contacts", data={"person_id": ""}, headers=HTMX)
    added = await client.post(f"/deals/{deal.id}/contacts", data={"person_id": str(yamada.id)})

    assert refused.status_code == 422 and 'aria-describedby="contact-person-error"' in refused.text
    assert added.status_code == 303 and added.headers["location"] == f"/deals/{deal.id}#committee"


async def test_rep_changes_a_role_makes_primary_and_removes_from_the_deal_page(
    db, login, rep, company, deal, make_person
):
    yamada = await make_person(rep, company, "山田 太郎")
    sato = await make_person(rep, company, "佐藤 花子", email="sato@example.jp")
    await attach(db, rep, deal, yamada)
    await attach(db, rep, deal, sato)
    client = await login(rep)

    await client.post(
        f"/deals/{deal.id}/contacts/{sato.id}", data={"role": "approver", "is_primary": "1"}, headers=HTMX
    )
    r = await client.post(f"/deals/{deal.id}/contacts/{yamada.id}/delete", headers=HTMX)

    assert r.status_code == 200
    assert await members(db, deal) == [("佐藤 花子", "approver", True)]


async def test_another_teams_rep_cannot_touch_the_committee(login, rep, other_rep, company, deal, make_person):
    yamada = await make_person(rep, company, "山田 太郎")
    client = await login(other_rep)

    r = await client.post(f"/deals/{deal.id}/contacts", data={"person_id": str(yamada.id)})

    assert r.status_code == 404

"""/api/v1/deals/{id}/contacts: the buying committee through pipeline.committee, as on the deal page."""

from __future__ import annotations

from sqlalchemy import select

from salesdesk.auth.models import ApiToken, Role
from tests.accounts import conftest as account_fixtures
from tests.api.test_auth import assert_error
from tests.api.test_directory import _walk
from tests.pipeline import conftest as pipeline_fixtures

clock, pipeline, make_deal = pipeline_fixtures.clock, pipeline_fixtures.pipeline, pipeline_fixtures.make_deal
make_company, make_person = account_fixtures.make_company, account_fixtures.make_person
FIELDS = {"id", "deal_id", "person_id", "role", "is_primary", "created_at", "updated_at"}


async def _deal_with_people(rep, make_deal, make_company, make_person, n=2):
    company = await make_company(rep, "株式会社コミッティ")
    persons = [await make_person(rep, company, f"担当 {i}郎") for i in range(n)]
    return await make_deal(rep, "提案", company=company), persons


async def test_add_read_change_and_remove_committee_members(api, rep, make_deal, make_company, make_person):
    deal, (first, second) = await _deal_with_people(rep, make_deal, make_company, make_person)
    client = await api(rep)
    url = f"/api/v1/deals/{deal.id}/contacts"

    added = await client.post(url, json={"person_id": first.id, "role": "decision_maker"})
    other = await client.post(url, json={"person_id": second.id, "role": "champion", "is_primary": True})
    read = await client.get(f"{url}/{first.id}")
    changed = await client.patch(f"{url}/{first.id}", json={"role": "approver"})
    listed = await client.get(url)
    removed = await client.delete(f"{url}/{second.id}")
    gone = await client.get(f"{url}/{second.id}")

    assert added.status_code == 201, added.text
    assert set(added.json()) == FIELDS
    assert (added.json()["person_id"], added.json()["role"], added.json()["is_primary"]) == (
        first.id,
        "decision_maker",
        True,
    )  # fmt: skip  (the first person added is the primary contact)
    assert other.status_code == 201 and other.json()["is_primary"] is True
    assert read.json()["is_primary"] is False  # the second took it over
    assert changed.status_code == 200, changed.text
    assert (changed.json()["role"], changed.json()["is_primary"]) == ("approver", False)
    assert {(c["person_id"], c["role"]) for c in listed.json()["items"]} == {
        (first.id, "approver"), (second.id, "champion")
    }  # fmt: skip
    assert removed.status_code == 204
    assert_error(gone, 404, "not_found")


async def test_making_a_member_primary_and_a_null_role_takes_the_accounts_one(
    api, rep, make_deal, make_company, make_person
):
    company = await make_company(rep, "株式会社ロール")
    person = await make_person(rep, company, "役割 花子", buying_role="influencer")
    other = await make_person(rep, company, "主担当 次郎")
    deal = await make_deal(rep, "提案", company=company)
    client = await api(rep)
    url = f"/api/v1/deals/{deal.id}/contacts"
    await client.post(url, json={"person_id": other.id})

    added = await client.post(url, json={"person_id": person.id, "role": "blocker"})
    primary = await client.patch(f"{url}/{person.id}", json={"is_primary": True})
    reset = await client.patch(f"{url}/{person.id}", json={"role": None})
    before = (await client.get(f"{url}/{other.id}")).json()

    assert added.json()["is_primary"] is False
    assert primary.json()["is_primary"] is True and primary.json()["role"] == "blocker"
    assert reset.json()["role"] == "influencer" and reset.json()["is_primary"] is True
    assert before["is_primary"] is False


async def test_only_persons_of_the_deals_company_group_join(api, rep, make_deal, make_company, make_person):
    deal, _ = await _deal_with_people(rep, make_deal, make_company, make_person, n=1)
    stranger = await make_person(rep, await make_company(rep, "株式会社よそ"), "他社 三郎")
    client = await api(rep)

    r = await client.post(f"/api/v1/deals/{deal.id}/contacts", json={"person_id": stranger.id})
    bad = await client.post(f"/api/v1/deals/{deal.id}/contacts", json={"person_id": 1, "role": "boss"})

    assert_error(r, 422, "validation_failed")
    assert set(r.json()["error"]["fields"]) == {"person_id"}
    assert_error(bad, 422, "validation_failed")
    assert "role" in bad.json()["error"]["fields"]


async def test_another_teams_rep_gets_404_for_the_committee(api, rep, other_rep, make_deal, make_company, make_person):
    deal, (person, _) = await _deal_with_people(rep, make_deal, make_company, make_person)
    await (await api(rep)).post(f"/api/v1/deals/{deal.id}/contacts", json={"person_id": person.id})
    client = await api(other_rep)
    url = f"/api/v1/deals/{deal.id}/contacts"

    for r in (
        await client.get(url),
        await client.get(f"{url}/{person.id}"),
        await client.post(url, json={"person_id": person.id}),
        await client.patch(f"{url}/{person.id}", json={"role": "blocker"}),
        await client.delete(f"{url}/{person.id}"),
    ):
        assert_error(r, 404, "not_found")


async def test_a_teammate_who_may_not_edit_the_deal_reads_but_gets_403(
    api, rep, make_user, team_east, make_deal, make_company, make_person
):
    deal, (person, other) = await _deal_with_people(rep, make_deal, make_company, make_person)
    await (await api(rep)).post(f"/api/v1/deals/{deal.id}/contacts", json={"person_id": person.id})
    client = await api(await make_user(Role.rep, team_east))
    url = f"/api/v1/deals/{deal.id}/contacts"

    assert (await client.get(url)).status_code == 200
    assert_error(await client.post(url, json={"person_id": other.id}), 403, "forbidden")
    assert_error(await client.patch(f"{url}/{person.id}", json={"role": "blocker"}), 403, "forbidden")
    assert_error(await client.delete(f"{url}/{person.id}"), 403, "forbidden")


async def test_a_read_token_cannot_change_the_committee(api, rep, make_deal, make_company, make_person):
    deal, (person, _) = await _deal_with_people(rep, make_deal, make_company, make_person)
    client = await api(rep, "read")

    r = await client.post(f"/api/v1/deals/{deal.id}/contacts", json={"person_id": person.id})

    assert_error(r, 403, "forbidden")


async def test_the_audit_entries_say_api_and_name_the_token(
    api, rep, db, audit_of, make_deal, make_company, make_person
):
    deal, (person, _) = await _deal_with_people(rep, make_deal, make_company, make_person)
    client = await api(rep)
    contact = (await client.post(f"/api/v1/deals/{deal.id}/contacts", json={"person_id": person.id})).json()
    await client.patch(f"/api/v1/deals/{deal.id}/contacts/{person.id}", json={"role": "champion"})
    await client.delete(f"/api/v1/deals/{deal.id}/contacts/{person.id}")
    token_id = await db.scalar(select(ApiToken.id))

    entries = await audit_of("deal_contacts", contact["id"])

    assert {(e.via, e.token_id, e.actor_id) for e in entries} == {("api", token_id, rep.id)}
    assert [e.action for e in entries][0] == "insert" and [e.action for e in entries][-1] == "delete"
    assert "update" in [e.action for e in entries]


async def test_paging_the_committee_returns_each_member_once_while_it_changes(
    api, anonymous, make_token, rep, make_deal, make_company, make_person
):
    deal, persons = await _deal_with_people(rep, make_deal, make_company, make_person, n=6)
    writer = await api(rep)
    url = f"/api/v1/deals/{deal.id}/contacts"
    for person in persons[:5]:
        assert (await writer.post(url, json={"person_id": person.id})).status_code == 201

    async def write(page: int) -> None:
        if page == 1:
            assert (await writer.post(url, json={"person_id": persons[5].id})).status_code == 201

    items = await _walk(anonymous, url, await make_token(rep, "read"), between=write)

    ids = [item["person_id"] for item in items]
    assert set(ids) == {p.id for p in persons} and len(ids) == len(set(ids))

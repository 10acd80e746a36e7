"""/api/v1/activities: the timelines' rules through the API (anyone logs on any account; on a deal
only whoever sees it; the author and the account's editors delete), audit by token, and sync."""

from __future__ import annotations

from sqlalchemy import select

from salesdesk.auth.models import ApiToken
from tests.api.test_auth import assert_error
from tests.api.test_departments import company_of, walk
from tests.pipeline import conftest as pipeline_fixtures

# The pipeline tests' fixtures: the default pipeline and deals made through the services.
clock, pipeline, make_deal = pipeline_fixtures.clock, pipeline_fixtures.pipeline, pipeline_fixtures.make_deal


async def test_log_read_list_and_delete_an_activity_with_persons(api, rep):
    client = await api(rep)
    company = await company_of(client)
    person = (await client.post("/api/v1/persons", json={"company_id": company, "name": "山田 太郎"})).json()

    created = await client.post(
        "/api/v1/activities",
        json={
            "company_id": company,
            "kind": "visit",
            "occurred_at": "2030-01-10T14:30:00+09:00",
            "subject": "初回訪問",
            "body": "課題をヒアリング",
            "person_ids": [person["id"]],
        },
    )
    activity = created.json()
    read = await client.get(f"/api/v1/activities/{activity['id']}")
    listed = await client.get(f"/api/v1/activities?company_id={company}")
    deleted = await client.delete(f"/api/v1/activities/{activity['id']}")
    gone = await client.get(f"/api/v1/activities/{activity['id']}")

    assert created.status_code == 201, created.text
    assert activity["occurred_at"] == "2030-01-10T05:30:00Z" and activity["kind"] == "visit"
    assert (activity["company_id"], activity["deal_id"], activity["user_id"]) == (company, None, rep.id)
    assert activity["person_ids"] == [person["id"]] and "version" not in activity
    assert read.json() == activity
    assert [a["id"] for a in listed.json()["items"]] == [activity["id"]]
    assert deleted.status_code == 204 and deleted.content == b""
    assert_error(gone, 404, "not_found")


async def test_without_a_time_it_happened_now_and_is_a_call(api, rep):
    client = await api(rep)
    company = await company_of(client)

    activity = (await client.post("/api/v1/activities", json={"company_id": company, "subject": "電話"})).json()

    assert activity["kind"] == "call" and activity["occurred_at"].endswith("Z")
    assert activity["occurred_at"][:16] <= activity["created_at"][:16]


async def test_an_activity_on_a_deal_is_on_its_companys_timeline_and_only_for_those_who_see_it(
    api, rep, other_rep, make_deal
):
    deal = await make_deal(rep)
    client = await api(rep)

    logged = await client.post("/api/v1/activities", json={"deal_id": deal.id, "subject": "見積提出", "kind": "email"})
    on_deal = await client.get(f"/api/v1/activities?deal_id={deal.id}")
    mismatch = await client.post(
        "/api/v1/activities", json={"deal_id": deal.id, "company_id": await company_of(client), "subject": "x"}
    )
    hidden = await (await api(other_rep)).post("/api/v1/activities", json={"deal_id": deal.id, "subject": "x"})

    assert logged.status_code == 201, logged.text
    assert (logged.json()["deal_id"], logged.json()["company_id"]) == (deal.id, deal.company_id)
    assert [a["id"] for a in on_deal.json()["items"]] == [logged.json()["id"]]
    assert_error(mismatch, 422, "validation_failed")
    assert list(mismatch.json()["error"]["fields"]) == ["deal_id"]
    assert_error(hidden, 404, "not_found")
    assert len((await client.get("/api/v1/activities")).json()["items"]) == 1  # the refused ones left nothing


async def test_the_pages_rules_apply(api, rep):
    client = await api(rep)
    company, other = await company_of(client), await company_of(client, "株式会社別会社")
    stranger = (await client.post("/api/v1/persons", json={"company_id": other, "name": "佐藤 花子"})).json()

    no_subject = await client.post("/api/v1/activities", json={"company_id": company, "subject": " "})
    no_account = await client.post("/api/v1/activities", json={"subject": "電話"})
    wrong_person = await client.post(
        "/api/v1/activities", json={"company_id": company, "subject": "電話", "person_ids": [stranger["id"]]}
    )
    no_zone = await client.post(
        "/api/v1/activities", json={"company_id": company, "subject": "電話", "occurred_at": "2030-01-10T14:30:00"}
    )
    bad_kind = await client.post("/api/v1/activities", json={"company_id": company, "subject": "電話", "kind": "fax"})

    cases = [(no_subject, "subject"), (no_account, "company_id"), (wrong_person, "person_ids")]
    cases += [(no_zone, "occurred_at"), (bad_kind, "kind")]
    for r, field in cases:
        assert_error(r, 422, "validation_failed")
        assert list(r.json()["error"]["fields"]) == [field], r.text


async def test_anyone_logs_on_any_account_but_only_the_author_and_its_editors_delete(api, rep, other_rep, manager):
    owner, intruder = await api(rep), await api(other_rep)
    company = await company_of(owner)
    mine = (await owner.post("/api/v1/activities", json={"company_id": company, "subject": "訪問"})).json()

    theirs = await intruder.post("/api/v1/activities", json={"company_id": company, "subject": "展示会で名刺交換"})
    refused = await intruder.delete(f"/api/v1/activities/{mine['id']}")
    own = await intruder.delete(f"/api/v1/activities/{theirs.json()['id']}")
    by_manager = await (await api(manager)).delete(f"/api/v1/activities/{mine['id']}")

    assert theirs.status_code == 201 and theirs.json()["user_id"] == other_rep.id
    assert_error(refused, 403, "forbidden")
    assert own.status_code == 204 and by_manager.status_code == 204


async def test_a_read_token_cannot_log_or_delete_and_there_is_no_patch(api, rep):
    client, reader = await api(rep), await api(rep, "read")
    company = await company_of(client)
    activity = (await client.post("/api/v1/activities", json={"company_id": company, "subject": "訪問"})).json()

    log = await reader.post("/api/v1/activities", json={"company_id": company, "subject": "電話"})
    remove = await reader.delete(f"/api/v1/activities/{activity['id']}")
    edit = await client.patch(f"/api/v1/activities/{activity['id']}", json={"subject": "x"})

    assert_error(log, 403, "forbidden")
    assert_error(remove, 403, "forbidden")
    assert edit.status_code == 405
    assert (await reader.get(f"/api/v1/activities/{activity['id']}")).json() == activity


async def test_the_audit_entries_say_api_and_name_the_token(api, rep, db, audit_of):
    client = await api(rep)
    company = await company_of(client)
    activity = (await client.post("/api/v1/activities", json={"company_id": company, "subject": "訪問"})).json()
    await client.delete(f"/api/v1/activities/{activity['id']}")
    token_id = await db.scalar(select(ApiToken.id))

    entries = await audit_of("activities", activity["id"])

    assert [(e.action, e.via, e.token_id, e.actor_id) for e in entries] == [
        ("insert", "api", token_id, rep.id),
        ("delete", "api", token_id, rep.id),
    ]


async def test_paging_meets_every_activity_once_while_others_are_written(api, rep):
    client = await api(rep)
    company = await company_of(client)
    logged = [
        (await client.post("/api/v1/activities", json={"company_id": company, "subject": f"電話{i}"})).json()
        for i in range(5)
    ]
    added = []

    async def write(page: int) -> None:
        if page == 1:
            new = await client.post("/api/v1/activities", json={"company_id": company, "subject": "追加の電話"})
            added.append(new.json())

    items = await walk(client, f"/api/v1/activities?company_id={company}", between=write)

    ids = [item["id"] for item in items]
    assert sorted(ids) == sorted([a["id"] for a in logged] + [added[0]["id"]])


async def test_updated_since_leaves_older_activities_out(api, rep):
    client = await api(rep)
    company = await company_of(client)
    old = (await client.post("/api/v1/activities", json={"company_id": company, "subject": "古い電話"})).json()
    new = (await client.post("/api/v1/activities", json={"company_id": company, "subject": "新しい電話"})).json()

    items = await walk(client, f"/api/v1/activities?updated_since={new['updated_at']}")

    assert new["id"] in {a["id"] for a in items} and old["id"] not in {a["id"] for a in items}


async def test_a_missing_activity_is_404(api, rep):
    assert_error(await (await api(rep)).get("/api/v1/activities/999999"), 404, "not_found")

"""/api/v1/deals: the deal pages' rules through the API, who sees what, 409 with `current`,
audit by token, incremental sync, and a list that reads a fixed number of statements."""

from __future__ import annotations

from sqlalchemy import event, select

from salesdesk.auth.models import ApiToken, Role
from tests.api.test_auth import assert_error
from tests.api.test_directory import _walk
from tests.pipeline import conftest as pipeline_fixtures

# The pipeline tests' fixtures: the default pipeline, its stages, deals made through the services.
clock, pipeline, stage, make_deal = (
    pipeline_fixtures.clock,
    pipeline_fixtures.pipeline,
    pipeline_fixtures.stage,
    pipeline_fixtures.make_deal,
)

FIELDS = {
    "id", "title", "company_id", "pipeline_id", "stage_id", "status", "owner_id", "amount_jpy",
    "expected_close_date", "forecast", "probability", "source", "competitors", "challenges", "lost_reason_id",
    "lost_note", "won_on", "lost_on", "stage_entered_at", "last_activity_at", "created_at", "updated_at", "version",
    "next_action",
}  # fmt: skip


async def _company(client, name: str = "株式会社テスト") -> int:
    r = await client.post("/api/v1/companies", json={"name": name, "confirm_duplicate": True})
    assert r.status_code == 201, r.text
    return r.json()["id"]


async def test_create_read_update_and_list_a_deal(api, rep, pipeline, stage):
    client = await api(rep)
    company_id = await _company(client)

    created = await client.post(
        "/api/v1/deals",
        json={
            "company_id": company_id,
            "title": "基幹システム更改",
            "amount_jpy": 1_200_000,
            "expected_close_date": "2030-03-31",
            "next_title": "初回訪問",
            "next_kind": "visit",
            "next_due_on": "2030-01-10",
            "next_due_time": "14:30",
        },
    )
    deal = created.json()
    read = await client.get(f"/api/v1/deals/{deal['id']}")
    patched = await client.patch(
        f"/api/v1/deals/{deal['id']}", json={"version": 1, "title": "基幹システム刷新", "amount_jpy": 1_500_000}
    )
    listed = await client.get("/api/v1/deals")

    assert created.status_code == 201, created.text
    assert set(deal) == FIELDS
    assert (deal["owner_id"], deal["stage_id"], deal["status"], deal["forecast"]) == (
        rep.id,
        stage("リード").id,
        "open",
        "C",
    )
    assert (deal["amount_jpy"], deal["expected_close_date"], deal["probability"]) == (1_200_000, "2030-03-31", None)
    assert deal["next_action"]["title"] == "初回訪問" and deal["next_action"]["kind"] == "visit"
    assert deal["next_action"]["due_on"] == "2030-01-10" and deal["created_at"].endswith("Z")
    assert read.json() == deal
    assert patched.status_code == 200, patched.text
    assert (patched.json()["title"], patched.json()["amount_jpy"], patched.json()["version"]) == (
        "基幹システム刷新", 1_500_000, 2
    )  # fmt: skip
    assert patched.json()["expected_close_date"] == "2030-03-31"  # fields the body leaves out stay as saved
    assert [d["id"] for d in listed.json()["items"]] == [deal["id"]]


async def test_the_pages_rules_and_limits_apply_field_by_field(api, rep, pipeline):
    client = await api(rep)

    unknown = await client.post("/api/v1/deals", json={"company_id": 999999, "title": "x"})
    empty = await client.post("/api/v1/deals", json={"company_id": await _company(client), "title": "  "})
    wrong = await client.post("/api/v1/deals", json={"company_id": 1, "title": "x", "forecast": "S"})
    extra = await client.post("/api/v1/deals", json={"company_id": 1, "title": "x", "status": "won"})
    negative = await client.post("/api/v1/deals", json={"company_id": 1, "title": "x", "amount_jpy": -1})

    assert_error(unknown, 422, "validation_failed")
    assert set(unknown.json()["error"]["fields"]) == {"company_id"}
    assert set(empty.json()["error"]["fields"]) == {"title"}
    for r, field in ((wrong, "forecast"), (negative, "amount_jpy")):
        assert_error(r, 422, "validation_failed")
        assert field in r.json()["error"]["fields"], r.text
    assert_error(extra, 422, "validation_failed")
    assert "status" in str(extra.json()["error"]["fields"])  # an unknown field is named, never ignored


async def test_a_stale_version_gets_409_with_the_deal_as_saved_now(api, rep, make_deal):
    deal = await make_deal(rep, "提案")
    client = await api(rep)
    await client.patch(f"/api/v1/deals/{deal.id}", json={"version": 1, "title": "先に保存"})

    r = await client.patch(f"/api/v1/deals/{deal.id}", json={"version": 1, "title": "後から保存"})

    assert_error(r, 409, "conflict")
    current = r.json()["current"]
    assert (current["title"], current["version"], current["id"]) == ("先に保存", 2, deal.id)
    assert set(current) == FIELDS - {"next_action"}


async def test_another_teams_rep_gets_404_and_does_not_see_the_deal_in_the_list(
    api, rep, other_rep, manager, make_deal
):
    deal = await make_deal(rep, "提案")
    client = await api(other_rep)

    read = await client.get(f"/api/v1/deals/{deal.id}")
    patched = await client.patch(f"/api/v1/deals/{deal.id}", json={"version": 1, "title": "乗っ取り"})
    listed = await client.get("/api/v1/deals")
    managers = await (await api(manager)).get("/api/v1/deals")

    assert_error(read, 404, "not_found")
    assert_error(patched, 404, "not_found")
    assert listed.json()["items"] == []
    assert [d["id"] for d in managers.json()["items"]] == [deal.id]


async def test_a_teammate_rep_sees_the_deal_but_gets_403_changing_it(api, rep, make_user, team_east, make_deal):
    deal = await make_deal(rep, "提案")
    teammate = await make_user(Role.rep, team_east)
    client = await api(teammate)

    read = await client.get(f"/api/v1/deals/{deal.id}")
    r = await client.patch(f"/api/v1/deals/{deal.id}", json={"version": 1, "title": "乗っ取り"})

    assert read.status_code == 200
    assert_error(r, 403, "forbidden")
    assert (await client.get(f"/api/v1/deals/{deal.id}")).json()["title"] == "提案の案件"


async def test_a_rep_cannot_give_a_deal_to_someone_else_but_their_manager_can(api, rep, manager, make_deal):
    deal = await make_deal(rep, "提案")

    refused = await (await api(rep)).patch(f"/api/v1/deals/{deal.id}", json={"version": 1, "owner_id": manager.id})
    given = await (await api(manager)).patch(f"/api/v1/deals/{deal.id}", json={"version": 1, "owner_id": manager.id})

    assert_error(refused, 422, "validation_failed")
    assert set(refused.json()["error"]["fields"]) == {"owner_id"}
    assert given.status_code == 200 and given.json()["owner_id"] == manager.id


async def test_a_read_token_cannot_write(api, rep, make_deal):
    deal = await make_deal(rep, "提案")
    client = await api(rep, "read")

    assert (await client.get(f"/api/v1/deals/{deal.id}")).status_code == 200
    assert_error(await client.patch(f"/api/v1/deals/{deal.id}", json={"version": 1, "title": "x"}), 403, "forbidden")
    assert_error(await client.post("/api/v1/deals", json={"company_id": 1, "title": "x"}), 403, "forbidden")


async def test_deals_cannot_be_deleted_as_on_the_pages(api, admin, make_deal):
    deal = await make_deal(admin, "提案")

    r = await (await api(admin)).delete(f"/api/v1/deals/{deal.id}")

    assert r.status_code in (404, 405) and r.json()["error"]["code"] == "not_found"


async def test_the_audit_entries_say_api_and_name_the_token(api, rep, db, audit_of, pipeline):
    client = await api(rep)
    deal = (await client.post("/api/v1/deals", json={"company_id": await _company(client), "title": "案件"})).json()
    await client.patch(f"/api/v1/deals/{deal['id']}", json={"version": 1, "amount_jpy": 500_000})
    token_id = await db.scalar(select(ApiToken.id))

    entries = await audit_of("deals", deal["id"])

    assert [(e.action, e.via, e.token_id, e.actor_id) for e in entries] == [
        ("insert", "api", token_id, rep.id),
        ("update", "api", token_id, rep.id),
    ]
    assert entries[1].changes == {"amount_jpy": [None, 500_000]}


async def test_paging_returns_every_deal_once_while_deals_are_written_between_pages(
    api, anonymous, make_token, rep, manager, make_deal, db
):
    deals = [await make_deal(rep if n % 2 else manager, "提案", title=f"案件{n}") for n in range(6)]
    token = await make_token(manager, "read")
    writer = await api(rep)
    added = []

    async def write(page: int) -> None:
        if page == 1:  # one deal already seen changes, one new deal is created
            r = await writer.patch(f"/api/v1/deals/{deals[1].id}", json={"version": 1, "title": "変更した案件"})
            assert r.status_code == 200, r.text
            added.append(await make_deal(rep, "リード", title="途中の案件"))

    items = await _walk(anonymous, "/api/v1/deals", token, between=write)

    ids = [item["id"] for item in items]
    assert set(ids) == {*(d.id for d in deals), added[0].id}
    assert ids.count(deals[1].id) == 2  # seen on the first page, and again after its change
    assert all(ids.count(i) == 1 for i in set(ids) - {deals[1].id})
    assert [i for i in items if i["id"] == deals[1].id][-1]["title"] == "変更した案件"


async def test_updated_since_leaves_older_deals_out(api, rep, make_deal):
    await make_deal(rep, "提案", title="古い案件")
    newer = await make_deal(rep, "提案", title="新しい案件")
    since = newer.updated_at.isoformat().replace("+00:00", "Z")

    r = await (await api(rep, "read")).get(f"/api/v1/deals?updated_since={since}")

    assert [d["title"] for d in r.json()["items"]] == ["新しい案件"]


async def test_the_list_reads_a_fixed_number_of_statements_whatever_the_page_size(api, anonymous, rep, make_deal):
    client = await api(rep, "read")
    statements: list[str] = []
    engine = anonymous.app.state.alchemy.get_engine().sync_engine

    def record(conn, cursor, statement, *args):
        statements.append(statement)

    await make_deal(rep, "提案")
    await client.get("/api/v1/me")  # the token's first use of the minute writes last_used_at
    event.listen(engine, "before_cursor_execute", record)
    try:
        await client.get("/api/v1/deals?limit=500")
        few = len(statements)
        for n in range(12):
            await make_deal(rep, ["リード", "提案"][n % 2], title=f"案件{n}")
        statements.clear()
        r = await client.get("/api/v1/deals?limit=500")
    finally:
        event.remove(engine, "before_cursor_execute", record)

    assert len(r.json()["items"]) == 13 and all(d["next_action"] for d in r.json()["items"])
    assert len(statements) == few, "\n".join(statements)

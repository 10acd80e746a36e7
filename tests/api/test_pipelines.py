"""/api/v1/pipelines (with stages), /api/v1/stages and /api/v1/lost-reasons: everyone reads the
configuration; admins change it with the administration page's rules; syncing meets stage changes."""

from __future__ import annotations

from sqlalchemy import select

from salesdesk.auth.models import ApiToken
from salesdesk.pipeline.setup import DEFAULT_LOST_REASONS, DEFAULT_STAGES
from tests.api.test_auth import assert_error
from tests.pipeline import conftest as pipeline_fixtures

clock, pipeline, stage, make_deal = (
    pipeline_fixtures.clock, pipeline_fixtures.pipeline, pipeline_fixtures.stage, pipeline_fixtures.make_deal
)  # fmt: skip
STAGE_FIELDS = {
    "id", "pipeline_id", "name", "position", "probability", "kind", "rotting_days", "required_fields",
    "created_at", "updated_at", "version",
}  # fmt: skip


def fields(r) -> set[str]:
    assert_error(r, 422, "validation_failed")
    return set(r.json()["error"]["fields"])


async def test_everyone_reads_the_pipelines_with_their_stages_and_the_lost_reasons(api, other_rep, pipeline):
    client = await api(other_rep, "read")

    listed = await client.get("/api/v1/pipelines")
    one = await client.get(f"/api/v1/pipelines/{pipeline.id}")
    reasons = await client.get("/api/v1/lost-reasons")
    reason = await client.get(f"/api/v1/lost-reasons/{reasons.json()['items'][0]['id']}")

    assert [p["id"] for p in listed.json()["items"]] == [pipeline.id] and listed.json()["next_cursor"] is None
    body = one.json()
    assert body == listed.json()["items"][0]
    assert (body["name"], body["is_default"], body["version"]) == ("新規営業", True, 1)
    assert [s["name"] for s in body["stages"]] == [name for name, *_ in DEFAULT_STAGES]
    assert set(body["stages"][0]) == STAGE_FIELDS
    won = body["stages"][-2]
    assert (won["kind"], won["probability"], won["rotting_days"]) == ("won", 100, None)
    assert won["required_fields"] == ["amount_jpy", "expected_close_date"]
    assert {r["name"] for r in reasons.json()["items"]} == set(DEFAULT_LOST_REASONS)
    assert set(reason.json()) == {"id", "name", "position", "is_active", "created_at", "updated_at", "version"}
    assert_error(await client.get("/api/v1/pipelines/999999"), 404, "not_found")


async def test_an_admin_creates_renames_and_makes_a_pipeline_the_default(api, admin, pipeline):
    client = await api(admin)

    created = await client.post("/api/v1/pipelines", json={"name": "更新案件"})
    new = created.json()
    changed = await client.patch(
        f"/api/v1/pipelines/{new['id']}", json={"version": 1, "name": "更新・アップセル", "is_default": True}
    )
    old = (await client.get(f"/api/v1/pipelines/{pipeline.id}")).json()
    taken = await client.post("/api/v1/pipelines", json={"name": "新規営業"})

    assert created.status_code == 201, created.text
    assert [s["name"] for s in new["stages"]] == [s.name for s in pipeline.stages]  # a copy of the default's
    assert changed.status_code == 200, changed.text
    assert (changed.json()["name"], changed.json()["is_default"], changed.json()["version"]) == (
        "更新・アップセル", True, 3
    )  # fmt: skip
    assert old["is_default"] is False
    assert fields(taken) == {"name"}


async def test_a_stale_version_is_409_with_current(api, admin, pipeline, stage):
    client = await api(admin)
    await client.patch(f"/api/v1/pipelines/{pipeline.id}", json={"version": 1, "name": "新規営業2"})

    r = await client.patch(f"/api/v1/pipelines/{pipeline.id}", json={"version": 1, "name": "新規営業3"})
    s = await client.patch(f"/api/v1/stages/{stage('提案').id}", json={"version": 0, "probability": 45})

    assert_error(r, 409, "conflict")
    assert r.json()["current"]["name"] == "新規営業2" and len(r.json()["current"]["stages"]) == len(DEFAULT_STAGES)
    assert_error(s, 409, "conflict")
    assert (s.json()["current"]["probability"], s.json()["current"]["version"]) == (40, 1)


async def test_stages_are_added_changed_moved_and_deleted_with_the_pages_rules(
    api, admin, rep, pipeline, stage, make_deal
):
    await make_deal(rep, "提案")
    client = await api(admin)

    added = await client.post(
        f"/api/v1/pipelines/{pipeline.id}/stages",
        json={"name": "稟議中", "probability": 90, "rotting_days": 10, "required_fields": ["amount_jpy"]},
    )
    new = added.json()
    changed = await client.patch(
        f"/api/v1/stages/{new['id']}", json={"version": 1, "name": "社内稟議", "required_fields": ["challenges"]}
    )
    moved = await client.patch(f"/api/v1/stages/{new['id']}", json={"version": changed.json()["version"], "move": "up"})
    wrong = await client.patch(f"/api/v1/stages/{new['id']}", json={"version": 1, "required_fields": ["budget"]})
    busy_kind = await client.patch(f"/api/v1/stages/{stage('提案').id}", json={"version": 1, "kind": "won"})
    busy = await client.delete(f"/api/v1/stages/{stage('提案').id}?version=1")
    last_won = await client.delete(f"/api/v1/stages/{stage('受注').id}?version=1")
    deleted = await client.delete(f"/api/v1/stages/{new['id']}?version={moved.json()['version']}")
    names = [s["name"] for s in (await client.get(f"/api/v1/pipelines/{pipeline.id}")).json()["stages"]]

    assert added.status_code == 201, added.text
    assert (new["position"], new["kind"], new["required_fields"]) == (5, "open", ["amount_jpy"])  # before 受注
    assert changed.json()["name"] == "社内稟議" and changed.json()["required_fields"] == ["challenges"]
    assert changed.json()["probability"] == 90 and changed.json()["rotting_days"] == 10  # left out: kept
    assert moved.status_code == 200 and moved.json()["position"] == 4
    assert "required_fields" in str(wrong.json()["error"]["fields"])
    assert fields(busy_kind) == {"kind"}
    assert fields(busy) == {"stage"} and fields(last_won) == {"stage"}
    assert deleted.status_code == 204
    assert names == [name for name, *_ in DEFAULT_STAGES]


async def test_a_stage_change_moves_its_pipeline_in_the_sync(api, admin, pipeline, stage):
    client = await api(admin)
    before = (await client.get(f"/api/v1/pipelines/{pipeline.id}")).json()

    r = await client.patch(f"/api/v1/stages/{stage('提案').id}", json={"version": 1, "probability": 45})
    since = r.json()["updated_at"]
    synced = await client.get(f"/api/v1/pipelines?updated_since={since}")

    assert r.status_code == 200, r.text
    pipelines = synced.json()["items"]
    assert [p["id"] for p in pipelines] == [pipeline.id]
    assert pipelines[0]["updated_at"] > before["updated_at"] and pipelines[0]["version"] == before["version"]
    assert [s["probability"] for s in pipelines[0]["stages"] if s["name"] == "提案"] == [45]


async def test_lost_reasons_are_added_renamed_retired_and_deleted_unless_in_use(api, admin, rep, make_deal, stage):
    deal = await make_deal(rep, "提案")
    client = await api(admin)
    added = (await client.post("/api/v1/lost-reasons", json={"name": "社内事情"})).json()
    reasons = (await client.get("/api/v1/lost-reasons")).json()["items"]
    used = reasons[0]
    r = await (await api(rep)).patch(
        f"/api/v1/deals/{deal.id}", json={"version": 1, "stage_id": stage("失注").id, "lost_reason_id": used["id"]}
    )
    assert r.status_code == 200, r.text

    renamed = await client.patch(f"/api/v1/lost-reasons/{added['id']}", json={"version": 1, "name": "社内の事情"})
    retired = await client.patch(f"/api/v1/lost-reasons/{used['id']}", json={"version": 1, "is_active": False})
    in_use = await client.delete(f"/api/v1/lost-reasons/{used['id']}?version=2")
    stale = await client.delete(f"/api/v1/lost-reasons/{added['id']}?version=1")
    deleted = await client.delete(f"/api/v1/lost-reasons/{added['id']}?version=2")

    assert (added["name"], added["is_active"], added["position"]) == ("社内事情", True, len(DEFAULT_LOST_REASONS))
    assert renamed.status_code == 200 and renamed.json()["name"] == "社内の事情"
    assert retired.status_code == 200 and retired.json()["is_active"] is False
    assert fields(in_use) == {"lost_reason"}
    assert_error(stale, 409, "conflict")
    assert deleted.status_code == 204
    assert_error(await client.get(f"/api/v1/lost-reasons/{added['id']}"), 404, "not_found")


async def test_only_admins_change_the_configuration(api, rep, manager, pipeline, stage):
    reason = (await (await api(rep)).get("/api/v1/lost-reasons")).json()["items"][0]
    for user in (rep, manager):
        client = await api(user)
        for r in (
            await client.post("/api/v1/pipelines", json={"name": "私のパイプライン"}),
            await client.patch(f"/api/v1/pipelines/{pipeline.id}", json={"version": 1, "name": "x"}),
            await client.post(f"/api/v1/pipelines/{pipeline.id}/stages", json={"name": "新段階", "probability": 5}),
            await client.patch(f"/api/v1/stages/{stage('提案').id}", json={"version": 1, "probability": 5}),
            await client.delete(f"/api/v1/stages/{stage('提案').id}?version=1"),
            await client.post("/api/v1/lost-reasons", json={"name": "新理由"}),
            await client.patch(f"/api/v1/lost-reasons/{reason['id']}", json={"version": 1, "is_active": False}),
            await client.delete(f"/api/v1/lost-reasons/{reason['id']}?version=1"),
        ):
            assert_error(r, 403, "forbidden")


async def test_the_audit_entry_says_api_and_names_the_token(api, admin, db, audit_of, pipeline):
    reason = (await (await api(admin)).post("/api/v1/lost-reasons", json={"name": "社内事情"})).json()
    token_id = await db.scalar(select(ApiToken.id))

    entries = await audit_of("lost_reasons", reason["id"])

    assert [(e.action, e.via, e.token_id, e.actor_id) for e in entries] == [("insert", "api", token_id, admin.id)]

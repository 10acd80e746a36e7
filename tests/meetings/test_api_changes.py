"""GET /api/v1/pipeline/changes: the issue's JSON shape, its defaults and errors, its cost."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from tests.meetings.helpers import edit, move, now

URL = "/api/v1/pipeline/changes"


def iso(moment) -> str:
    return moment.isoformat().replace("+00:00", "Z")


async def test_the_manager_reads_the_week_to_the_yen_in_the_issues_shape(
    db, api, make_deal, stage, manager, rep, team_east
):
    grown = await make_deal(rep, "提案", amount_jpy="1000000", expected_close_date="2027-01-31")
    won = await make_deal(rep, "交渉", amount_jpy="3000000", expected_close_date="2027-01-31")
    since = now()
    await edit(db, rep, grown, amount_jpy="1500000", expected_close_date="2027-02-14")
    await move(db, rep, won, stage("受注"))
    new = await make_deal(rep, "リード", amount_jpy="400000")
    client = await api(manager, "read")

    r = await client.get(URL, params={"since": iso(since), "team_id": team_east.id})

    assert r.status_code == 200, r.text
    body = r.json()
    assert set(body) == {"since", "until", "start", "end", "bridge", "deals"}
    assert body["start"] == {"count": 2, "amount_jpy": 4_000_000, "weighted_jpy": 400_000 + 2_400_000}
    assert body["end"]["count"] == 2 and body["end"]["amount_jpy"] == 1_900_000
    bridge = {row["category"]: row for row in body["bridge"]}
    assert bridge["increased"] == {"category": "increased", "count": 1, "amount_jpy": 500_000}
    assert bridge["won"]["amount_jpy"] == -3_000_000 and bridge["new"]["amount_jpy"] == 400_000
    assert body["start"]["amount_jpy"] + sum(row["amount_jpy"] for row in body["bridge"]) == body["end"]["amount_jpy"]
    deals = {d["deal_id"]: d for d in body["deals"]}
    assert deals[grown.id]["category"] == "increased" and deals[grown.id]["flags"] == ["pushed_out"]
    assert deals[grown.id]["close_days"] == 14 and deals[grown.id]["amount_delta_jpy"] == 500_000
    assert deals[grown.id]["before"]["amount_jpy"] == 1_000_000 and deals[grown.id]["after"]["amount_jpy"] == 1_500_000
    assert deals[won.id]["after"]["status"] == "won" and deals[new.id]["before"] is None
    assert body["since"] == iso(since)


async def test_without_since_the_period_starts_at_the_teams_last_meeting(api, rep):
    client = await api(rep, "read")

    r = await client.get(URL)

    assert r.status_code == 200
    since = datetime.fromisoformat(r.json()["since"]).astimezone(ZoneInfo("Asia/Tokyo"))
    assert (since.weekday(), since.hour, since.minute) == (0, 9, 0)
    assert now() - since <= timedelta(days=7)


async def test_a_malformed_or_backwards_period_is_422_naming_the_field(api, rep):
    client = await api(rep, "read")

    bad = await client.get(URL, params={"since": "last monday"})
    backwards = await client.get(URL, params={"since": iso(now()), "until": iso(now() - timedelta(days=1))})
    unknown = await client.get(URL, params={"pipeline_id": 999999})

    assert bad.status_code == 422 and "since" in bad.json()["error"]["fields"]
    assert backwards.status_code == 422 and "until" in backwards.json()["error"]["fields"]
    assert unknown.status_code == 422 and "pipeline_id" in unknown.json()["error"]["fields"]


async def test_the_bridge_costs_the_same_statements_for_one_changed_deal_or_many(
    db, api, make_deal, rep, manager, count_queries
):
    deals = [await make_deal(rep, "提案", amount_jpy="100000") for _ in range(2)]
    since = now()
    await edit(db, rep, deals[0], amount_jpy="200000")
    client = await api(manager, "read")
    statements = count_queries()
    await client.get(URL, params={"since": iso(since)})
    few = len(statements)
    for deal in [*deals[1:], *[await make_deal(rep, "提案", amount_jpy="100000") for _ in range(3)]]:
        await edit(db, rep, deal, amount_jpy="300000")

    statements.clear()
    r = await client.get(URL, params={"since": iso(since)})

    assert r.status_code == 200 and len(r.json()["deals"]) == 5
    assert len(statements) == few

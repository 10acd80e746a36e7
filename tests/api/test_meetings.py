"""/api/v1/meetings: starting a team's meeting, reading it with its decisions and bridge, listing
a team's meetings, and the minutes PDF; who may do which (the route matrix walks the rest)."""

from __future__ import annotations

from sqlalchemy import select

from salesdesk.audit.hook import set_actor
from salesdesk.clock import Clock
from salesdesk.meetings import decisions, meeting
from salesdesk.meetings.models import Meeting
from tests.pipeline import conftest as pipeline_fixtures

clock, pipeline, make_deal = pipeline_fixtures.clock, pipeline_fixtures.pipeline, pipeline_fixtures.make_deal


async def test_start_read_list_and_download_a_meeting(db, api, make_deal, manager, rep, other_rep, team_east):
    deal = await make_deal(rep, "提案", title="生産管理刷新", amount_jpy="2500000")
    lead = await api(manager)

    started = await lead.post("/api/v1/meetings", json={"team_id": team_east.id, "pipeline_id": None})

    assert started.status_code == 201, started.text
    body = started.json()
    assert body["status"] == "running" and body["team_id"] == team_east.id and body["lead_id"] == manager.id
    assert body["since"].endswith("Z") and body["version"] == 1 and body["agenda_count"] == 1
    assert body["minutes"]["end"]["amount_jpy"] == 2_500_000
    assert body["minutes"]["agenda"][0] | {"flags": []} == {
        "deal_id": deal.id, "title": "生産管理刷新", "company": deal_company(body), "reason": "decision_maker",
        "category": "new", "flags": [], "amount_delta_jpy": 2_500_000, "status": "pending",
    }  # fmt: skip

    m = await db.scalar(select(Meeting).where(Meeting.id == body["id"]))
    set_actor(db, manager)
    await decisions.add_note(db, manager, Clock(), m.id, deal.id, "来期予算で再提案")
    await meeting.finish(db, manager, Clock(), m.id)
    await db.commit()

    one = (await (await api(rep)).get(f"/api/v1/meetings/{m.id}")).json()
    assert one["status"] == "finished" and one["reviewed_count"] == 1
    [note] = one["minutes"]["decisions"]
    assert (note["kind"], note["deal_id"], note["text"]) == ("note", deal.id, "来期予算で再提案")
    assert note["activity_id"] and note["at"].endswith("Z")
    assert [a["user_id"] for a in one["minutes"]["attendees"]] == [manager.id]
    listed = (await lead.get(f"/api/v1/meetings?team_id={team_east.id}")).json()
    assert [item["id"] for item in listed["items"]] == [m.id] and listed["next_cursor"] is None
    assert listed["items"][0]["minutes"] is None
    pdf = await lead.get(f"/api/v1/meetings/{m.id}/minutes.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    outsider = await api(other_rep)
    assert (await outsider.get(f"/api/v1/meetings/{m.id}")).status_code == 404
    assert (await outsider.get("/api/v1/meetings")).json()["items"] == []


def deal_company(body: dict) -> str:
    return body["minutes"]["agenda"][0]["company"]


async def test_a_rep_may_not_start_a_meeting_and_unknown_teams_are_named(api, rep, manager, team_east):
    refused = await (await api(rep)).post("/api/v1/meetings", json={"team_id": team_east.id})
    unknown = await (await api(manager)).post("/api/v1/meetings", json={"team_id": 999999})

    assert refused.status_code == 403 and refused.json()["error"]["code"] == "forbidden"
    assert unknown.status_code == 422 and "team_id" in unknown.json()["error"]["fields"]

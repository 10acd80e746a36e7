"""PATCH /api/v1/deals/{id} with `stage_id`: the board's move, with the same rules (422 naming the
fields the stage still needs), and ヨミ lowered only with a reason."""

from __future__ import annotations

from sqlalchemy import select, update

from salesdesk.clock import Clock
from salesdesk.pipeline.models import DealContact, DealEvent, LostReason, Stage
from tests.accounts import conftest as account_fixtures
from tests.api.test_auth import assert_error
from tests.pipeline import conftest as pipeline_fixtures

clock, pipeline, stage = pipeline_fixtures.clock, pipeline_fixtures.pipeline, pipeline_fixtures.stage
make_deal, require_next_action = pipeline_fixtures.make_deal, pipeline_fixtures.require_next_action
make_company, make_person = account_fixtures.make_company, account_fixtures.make_person


def fields(r) -> set[str]:
    assert_error(r, 422, "validation_failed")
    return set(r.json()["error"]["fields"])


async def test_a_move_is_refused_with_the_fields_the_stage_needs_then_accepted_with_them(api, rep, make_deal, stage):
    deal = await make_deal(rep, "提案")
    client = await api(rep)
    url = f"/api/v1/deals/{deal.id}"

    refused = await client.patch(url, json={"version": 1, "stage_id": stage("見積提出").id})
    accepted = await client.patch(
        url,
        json={
            "version": 1,
            "stage_id": stage("見積提出").id,
            "amount_jpy": 3_000_000,
            "expected_close_date": "2030-06-30",
        },
    )

    assert fields(refused) == {"amount_jpy", "expected_close_date"}
    assert "stage_id" not in refused.json()["error"]["fields"]
    moved = accepted.json()
    assert accepted.status_code == 200, accepted.text
    assert (moved["stage_id"], moved["status"], moved["version"]) == (stage("見積提出").id, "open", 2)
    assert (moved["amount_jpy"], moved["expected_close_date"]) == (3_000_000, "2030-06-30")


async def test_a_move_writes_the_deals_history_as_the_board_does(api, rep, db, make_deal, stage):
    deal = await make_deal(rep, "提案")

    await (await api(rep)).patch(f"/api/v1/deals/{deal.id}", json={"version": 1, "stage_id": stage("商談化").id})

    events = list(
        await db.scalars(
            select(DealEvent)
            .where(DealEvent.deal_id == deal.id, DealEvent.field == "stage_id")
            .order_by(DealEvent.at, DealEvent.id)
        )
    )
    assert [(e.old_value, e.new_value, e.actor_id) for e in events][-1] == (
        str(stage("提案").id),
        str(stage("商談化").id),
        rep.id,
    )


async def test_lost_needs_a_lost_reason_in_use_as_in_the_boards_move_menu(api, rep, db, make_deal, stage):
    deal = await make_deal(rep, "提案")
    reasons = list(await db.scalars(select(LostReason).order_by(LostReason.position)))
    await db.execute(update(LostReason).where(LostReason.id == reasons[1].id).values(is_active=False))
    await db.commit()
    client = await api(rep)
    url, lost = f"/api/v1/deals/{deal.id}", stage("失注").id

    without = await client.patch(url, json={"version": 1, "stage_id": lost})
    retired = await client.patch(url, json={"version": 1, "stage_id": lost, "lost_reason_id": reasons[1].id})
    given = await client.patch(
        url, json={"version": 1, "stage_id": lost, "lost_reason_id": reasons[0].id, "lost_note": "他社に決定"}
    )

    assert fields(without) == {"lost_reason_id"}
    assert fields(retired) == {"lost_reason_id"}
    body = given.json()
    assert given.status_code == 200, given.text
    assert (body["status"], body["lost_reason_id"], body["lost_note"]) == ("lost", reasons[0].id, "他社に決定")
    assert body["lost_on"] == Clock.of(rep).today().isoformat() and body["won_on"] is None
    assert body["next_action"] is not None  # the open task stays; the deal is closed


async def test_won_on_a_given_day(api, rep, make_deal, stage):
    deal = await make_deal(rep, "交渉", amount_jpy="1000000", expected_close_date="2030-01-31")

    r = await (await api(rep)).patch(
        f"/api/v1/deals/{deal.id}", json={"version": 1, "stage_id": stage("受注").id, "closed_on": "2030-01-20"}
    )

    assert r.status_code == 200, r.text
    assert (r.json()["status"], r.json()["won_on"], r.json()["lost_on"]) == ("won", "2030-01-20", None)


async def test_a_stage_needing_the_primary_contact_takes_primary_person_id(
    api, rep, db, make_deal, make_company, make_person, stage
):
    company = await make_company(rep, "株式会社キーマン")
    person = await make_person(rep, company, "決裁 太郎")
    deal = await make_deal(rep, "提案", company=company)
    await db.execute(update(Stage).where(Stage.id == stage("商談化").id).values(required_fields=["primary_contact"]))
    await db.commit()
    client = await api(rep)
    url = f"/api/v1/deals/{deal.id}"

    refused = await client.patch(url, json={"version": 1, "stage_id": stage("商談化").id})
    accepted = await client.patch(
        url, json={"version": 1, "stage_id": stage("商談化").id, "primary_person_id": person.id}
    )

    assert fields(refused) == {"primary_person_id"}
    assert accepted.status_code == 200, accepted.text
    contact = await db.scalar(select(DealContact).where(DealContact.deal_id == deal.id))
    assert (contact.person_id, contact.is_primary) == (person.id, True)


async def test_when_every_open_deal_needs_a_next_action_the_move_asks_for_one(
    api, rep, make_deal, stage, require_next_action
):
    deal = await make_deal(rep, "提案", next_action=False)
    await require_next_action()
    client = await api(rep)
    url = f"/api/v1/deals/{deal.id}"

    refused = await client.patch(url, json={"version": 1, "stage_id": stage("商談化").id})
    accepted = await client.patch(
        url,
        json={"version": 1, "stage_id": stage("商談化").id, "next_title": "デモ日程調整", "next_due_on": "2030-02-01"},
    )

    assert fields(refused) == {"next_title"}
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["next_action"]["title"] == "デモ日程調整"


async def test_an_unknown_stage_is_422_stage_id(api, rep, make_deal):
    deal = await make_deal(rep, "提案")

    r = await (await api(rep)).patch(f"/api/v1/deals/{deal.id}", json={"version": 1, "stage_id": 999999})

    assert fields(r) == {"stage_id"}


async def test_a_move_from_a_stale_version_is_409_with_current(api, rep, make_deal, stage):
    deal = await make_deal(rep, "提案")
    client = await api(rep)
    await client.patch(f"/api/v1/deals/{deal.id}", json={"version": 1, "title": "先に保存"})

    r = await client.patch(f"/api/v1/deals/{deal.id}", json={"version": 1, "stage_id": stage("商談化").id})

    assert_error(r, 409, "conflict")
    assert (r.json()["current"]["stage_id"], r.json()["current"]["version"]) == (stage("提案").id, 2)


async def test_lowering_the_forecast_needs_a_reason_kept_in_the_history(api, rep, db, make_deal):
    deal = await make_deal(rep, "提案", forecast="A")
    client = await api(rep)
    url = f"/api/v1/deals/{deal.id}"

    refused = await client.patch(url, json={"version": 1, "forecast": "C"})
    raised = await client.patch(url, json={"version": 1, "forecast": "A", "title": "同じヨミ"})
    lowered = await client.patch(url, json={"version": 2, "forecast": "C", "forecast_reason": "予算凍結"})

    assert fields(refused) == {"forecast_reason"}
    assert raised.status_code == 200, raised.text
    assert lowered.status_code == 200 and lowered.json()["forecast"] == "C"
    event = await db.scalar(select(DealEvent).where(DealEvent.deal_id == deal.id, DealEvent.field == "forecast"))
    assert (event.old_value, event.new_value, event.note) == ("A", "C", "予算凍結")


async def test_a_move_and_other_fields_in_one_body_all_or_nothing(api, rep, make_deal, stage):
    deal = await make_deal(rep, "提案", forecast="A")
    client = await api(rep)
    url = f"/api/v1/deals/{deal.id}"
    body = {"version": 1, "stage_id": stage("商談化").id, "title": "見直し", "forecast": "B"}

    refused = await client.patch(url, json=body)
    unchanged = (await client.get(url)).json()
    accepted = await client.patch(url, json=body | {"forecast_reason": "決裁者が交代"})

    assert fields(refused) == {"forecast_reason"}
    assert (unchanged["stage_id"], unchanged["title"], unchanged["version"]) == (stage("提案").id, "提案の案件", 1)
    saved = accepted.json()
    assert accepted.status_code == 200, accepted.text
    assert (saved["stage_id"], saved["title"], saved["forecast"]) == (stage("商談化").id, "見直し", "B")


async def test_another_teams_rep_cannot_move_the_deal(api, rep, other_rep, make_deal, stage):
    deal = await make_deal(rep, "提案")

    r = await (await api(other_rep)).patch(
        f"/api/v1/deals/{deal.id}", json={"version": 1, "stage_id": stage("商談化").id}
    )

    assert_error(r, 404, "not_found")


async def test_a_stage_of_another_pipeline_is_the_edit_pages_change_of_pipeline(api, admin, rep, make_deal):
    deal = await make_deal(rep, "提案")
    other = (await (await api(admin)).post("/api/v1/pipelines", json={"name": "更新案件"})).json()
    first, won = other["stages"][0], next(s for s in other["stages"] if s["kind"] == "won")
    client = await api(rep)
    url = f"/api/v1/deals/{deal.id}"

    closed = await client.patch(url, json={"version": 1, "stage_id": won["id"]})
    moved = await client.patch(url, json={"version": 1, "stage_id": first["id"]})

    assert fields(closed) == {"stage_id"}  # into another pipeline's open stages only
    assert moved.status_code == 200, moved.text
    assert (moved.json()["pipeline_id"], moved.json()["stage_id"]) == (other["id"], first["id"])

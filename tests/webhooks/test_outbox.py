"""Events are written by the services, in the transaction of the change: one per logical change, with
each changed field's value before and after, and the object as the JSON API shows it."""

from sqlalchemy import select

from salesdesk.accounts import merge
from salesdesk.accounts import services as accounts
from salesdesk.audit.hook import set_actor
from salesdesk.pipeline import moves, services
from salesdesk.pipeline.forms import MoveForm, parse_move
from salesdesk.pipeline.models import LostReason
from salesdesk.tasks import services as tasks
from salesdesk.tasks.forms import CompleteForm, parse_completion
from salesdesk.webhooks import services as webhooks
from salesdesk.webhooks.forms import EndpointForm, parse_endpoint
from tests.accounts.conftest import new_company
from tests.pipeline.conftest import edited, reload


def move(deal, stage_id, **values):
    return parse_move(MoveForm(stage_id=str(stage_id), version=deal.version, **values))


def of(events, name):
    [event] = [e for e in events if e["event"] == name]
    return event


async def test_a_deal_moved_to_another_stage_is_one_event_with_the_stage_before_and_after(
    db, rep, make_deal, make_endpoint, stage, clock, outbox
):
    await make_endpoint("https://example.test/hooks", events=("deal.stage_changed",))
    deal = await make_deal(rep, "リード")

    await moves.move_deal(db, rep, clock, deal.id, move(deal, stage("提案").id))
    await db.commit()

    [event] = await outbox()
    assert event["event"] == "deal.stage_changed"
    assert event["id"].startswith("evt_") and len(event["id"]) == 36
    assert event["changes"] == {"stage_id": [stage("リード").id, stage("提案").id]}
    assert event["actor_id"] == rep.id
    assert event["occurred_at"].endswith("Z")
    saved = await reload(db, deal)
    assert event["object"]["id"] == deal.id
    assert (event["object"]["stage_id"], event["object"]["version"]) == (stage("提案").id, saved.version)


async def test_winning_a_deal_with_its_amount_is_a_move_a_win_and_a_new_amount_each_carrying_the_whole_change(
    db, rep, make_deal, make_endpoint, stage, clock, outbox
):
    await make_endpoint("https://example.test/hooks")
    deal = await make_deal(rep, "交渉", amount_jpy="1000000", expected_close_date="2027-01-31")
    created = {e["event"] for e in await outbox()}

    await moves.move_deal(
        db, rep, clock, deal.id, move(deal, stage("受注").id, amount_jpy="1200000", closed_on="2026-12-01")
    )
    await db.commit()

    events = [e for e in await outbox() if e["event"] not in created]
    assert [e["event"] for e in events] == ["deal.stage_changed", "deal.won", "deal.amount_changed"]
    assert len({e["id"] for e in events}) == 3
    changes = {
        "stage_id": [stage("交渉").id, stage("受注").id],
        "amount_jpy": [1_000_000, 1_200_000],
        "won_on": [None, "2026-12-01"],
    }
    assert all(e["changes"] == changes for e in events)
    assert of(events, "deal.won")["object"]["amount_jpy"] == 1_200_000


async def test_losing_a_deal_sends_the_lost_reason_with_the_loss(
    db, rep, make_deal, make_endpoint, stage, clock, outbox
):
    await make_endpoint("https://example.test/hooks", events=("deal.lost",))
    deal = await make_deal(rep, "提案")
    reason = await db.scalar(select(LostReason.id).order_by(LostReason.position))

    await moves.move_deal(
        db, rep, clock, deal.id, move(deal, stage("失注").id, lost_reason_id=str(reason), closed_on="2026-12-02")
    )
    await db.commit()

    [event] = await outbox()
    assert event["event"] == "deal.lost"
    assert event["changes"]["lost_reason_id"] == [None, reason]
    assert event["changes"]["lost_on"] == [None, "2026-12-02"]


async def test_editing_the_amount_and_close_date_of_a_deal_is_two_events_and_a_new_title_is_none(
    db, rep, make_deal, make_endpoint, clock, outbox
):
    await make_endpoint("https://example.test/hooks", events=("deal.amount_changed", "deal.close_date_changed"))
    deal = await make_deal(rep, "提案", amount_jpy="500000", expected_close_date="2027-01-31")

    await services.update_deal(db, rep, clock, deal.id, edited(deal, title="名前だけ変更"))
    await db.commit()
    assert await outbox() == []
    deal = await reload(db, deal)
    await services.update_deal(
        db, rep, clock, deal.id, edited(deal, amount_jpy="800000", expected_close_date="2027-03-31")
    )
    await db.commit()

    events = await outbox()
    assert [e["event"] for e in events] == ["deal.amount_changed", "deal.close_date_changed"]
    assert events[0]["changes"] == {
        "amount_jpy": [500_000, 800_000],
        "expected_close_date": ["2027-01-31", "2027-03-31"],
    }
    assert events[0]["object"]["expected_close_date"] == "2027-03-31"


async def test_a_new_company_is_sent_as_the_api_shows_it(db, rep, make_endpoint, outbox):
    await make_endpoint("https://example.test/hooks", events=("company.created",))

    set_actor(db, rep)
    company = await accounts.create_company(db, rep, new_company(name="株式会社ウェブフック", tags="重点, 製造"))
    await db.commit()

    [event] = await outbox()
    assert event["event"] == "company.created" and event["changes"] == {}
    shown = event["object"]
    assert (shown["id"], shown["name"], shown["owner_id"], shown["version"]) == (
        company.id,
        "株式会社ウェブフック",
        rep.id,
        1,
    )
    assert sorted(shown["tags"]) == ["製造", "重点"]
    assert shown["created_at"].endswith("Z")


async def test_merging_companies_names_the_company_that_went_and_what_it_filled_in(
    db, admin, rep, make_company, make_endpoint, outbox
):
    survivor = await make_company(rep, "株式会社のこる")
    other = await make_company(rep, "株式会社きえる", phone="03-1234-5678")
    await make_endpoint("https://example.test/hooks", events=("company.merged",))

    set_actor(db, admin)
    await merge.merge_companies(db, admin, survivor.id, other.id)
    await db.commit()

    [event] = await outbox()
    assert event["changes"]["merged_id"] == [other.id, None]
    assert event["changes"]["merged_name"] == ["株式会社きえる", None]
    assert event["changes"]["phone"] == ["", "03-1234-5678"]
    assert (event["object"]["id"], event["object"]["phone"]) == (survivor.id, "03-1234-5678")


async def test_completing_a_task_is_an_event_with_its_status_before_and_after(
    db, rep, make_deal, make_task, make_endpoint, clock, outbox
):
    deal = await make_deal(rep, "提案", next_action=False)
    task = await make_task(rep, deal, title="見積を送る")
    await make_endpoint("https://example.test/hooks", events=("task.completed",))

    await tasks.complete_task(db, rep, clock, task.id, parse_completion(CompleteForm(version=task.version)))
    await db.commit()

    [event] = await outbox()
    assert event["event"] == "task.completed"
    assert event["changes"]["status"] == ["open", "done"]
    assert event["changes"]["completed_at"][0] is None and event["changes"]["completed_at"][1].endswith("Z")
    assert (event["object"]["id"], event["object"]["status"]) == (task.id, "done")


async def test_a_change_that_is_rolled_back_leaves_no_event_and_the_same_change_committed_leaves_one(
    db, rep, make_deal, make_endpoint, stage, clock, outbox, sessions
):
    await make_endpoint("https://example.test/hooks", events=("deal.stage_changed",))
    deal = await make_deal(rep, "リード")

    async with sessions() as request:
        await moves.move_deal(request, rep, clock, deal.id, move(deal, stage("提案").id))
        await request.rollback()  # the request failed after the service: nothing of it stays

    assert await outbox() == []
    await moves.move_deal(db, rep, clock, deal.id, move(deal, stage("提案").id))
    await db.commit()
    assert [e["event"] for e in await outbox()] == ["deal.stage_changed"]


async def test_nothing_is_written_for_events_no_active_endpoint_wants(
    db, admin, rep, make_deal, make_endpoint, stage, clock, outbox
):
    wants_wins = await make_endpoint("https://example.test/wins", events=("deal.won",))
    everything = await make_endpoint("https://example.test/all")
    await webhooks.set_active(db, admin, everything.id, active=False, seen_version=everything.version)
    await db.commit()
    deal = await make_deal(rep, "リード")

    await moves.move_deal(db, rep, clock, deal.id, move(deal, stage("提案").id))
    await db.commit()

    assert await outbox() == []
    await webhooks.update_endpoint(
        db, admin, wants_wins.id, parse_endpoint(EndpointForm(url=wants_wins.url, version=1), ["deal.stage_changed"])
    )
    await db.commit()
    deal = await reload(db, deal)
    await moves.move_deal(
        db, rep, clock, deal.id, move(deal, stage("見積提出").id, amount_jpy="1", expected_close_date="2027-01-01")
    )
    await db.commit()
    assert [e["event"] for e in await outbox()] == ["deal.stage_changed"]

"""Delivering the outbox to a real HTTP receiver on a loopback port: signed, once per endpoint, retried
with backoff on failure (the deliverer is handed later moments instead of waiting), every attempt kept."""

import asyncio
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from salesdesk.clock import Clock
from salesdesk.pipeline import moves
from salesdesk.pipeline.forms import MoveForm, parse_move
from salesdesk.webhooks import services as webhooks
from salesdesk.webhooks.delivery import backoff, fan_out, signature
from salesdesk.webhooks.models import WebhookDelivery

T0 = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)


def at(moment: datetime) -> Clock:
    return Clock(fixed=moment)


async def deliveries(sessions):
    async with sessions() as fresh:
        query = select(WebhookDelivery).options(
            selectinload(WebhookDelivery.attempts), selectinload(WebhookDelivery.event)
        )
        return list(await fresh.scalars(query.order_by(WebhookDelivery.id)))


async def test_a_stage_change_reaches_the_receiver_signed_with_the_endpoints_secret_and_its_before_and_after(
    db, rep, make_deal, make_endpoint, receiver, deliver, stage, clock, outbox
):
    endpoint = await make_endpoint(receiver.url, events=("deal.stage_changed",))
    deal = await make_deal(rep, "リード")
    await moves.move_deal(
        db, rep, clock, deal.id, parse_move(MoveForm(stage_id=str(stage("提案").id), version=deal.version))
    )
    await db.commit()
    sent_at = datetime.now(UTC)

    done = await deliver()

    assert (done.events, done.attempts, done.delivered) == (1, 1, 1)
    [request] = receiver.received
    assert request.signed_with(endpoint.secret)
    assert not request.signed_with("whsec_someone-else")
    assert abs(int(request.headers["x-salesdesk-timestamp"]) - sent_at.timestamp()) < 60
    assert request.headers["content-type"].startswith("application/json")
    payload = request.payload
    assert payload == (await outbox())[0]  # the very body that was written with the move
    assert request.event_id == payload["id"] and request.headers["x-salesdesk-event"] == "deal.stage_changed"
    assert payload["changes"] == {"stage_id": [stage("リード").id, stage("提案").id]}
    assert payload["object"]["stage_id"] == stage("提案").id
    assert payload["actor_id"] == rep.id


async def test_the_signature_covers_the_timestamp_so_a_replay_with_a_new_timestamp_does_not_verify():
    body = '{"id":"evt_1"}'

    assert signature("whsec_x", 1_700_000_000, body) != signature("whsec_x", 1_700_000_300, body)
    assert signature("whsec_x", 1_700_000_000, body).startswith("sha256=")


async def test_a_receiver_that_fails_twice_gets_the_event_once_more_with_the_same_id_and_then_keeps_it(
    rep, make_company, make_endpoint, start_receiver, deliver, sessions
):
    receiver = start_receiver(answers=[500, 503])
    await make_endpoint(receiver.url, events=("company.created",))
    await make_company(rep, "株式会社リトライ")

    await deliver(at(T0))  # 500
    await deliver(at(T0 + timedelta(seconds=59)))  # not due yet: nothing is sent
    await deliver(at(T0 + timedelta(minutes=1)))  # 503
    await deliver(at(T0 + timedelta(minutes=2)))  # the second wait is 2 minutes: not due yet
    await deliver(at(T0 + timedelta(minutes=3)))  # 200
    await deliver(at(T0 + timedelta(hours=30)))  # delivered: never sent again

    ids = receiver.ids()
    assert len(ids) == 3 and len(set(ids)) == 1
    [delivery] = await deliveries(sessions)
    assert delivery.status == "delivered" and delivery.event.event_id == ids[0]
    assert [a.status_code for a in delivery.attempts] == [500, 503, 200]
    assert [a.at for a in delivery.attempts] == [T0, T0 + timedelta(minutes=1), T0 + timedelta(minutes=3)]
    assert all(a.duration_ms >= 0 for a in delivery.attempts)


def test_the_wait_doubles_from_a_minute_up_to_six_hours():
    waits = [backoff(n) for n in range(1, 13)]

    assert waits[:4] == [timedelta(minutes=m) for m in (1, 2, 4, 8)]
    assert waits[-1] == timedelta(hours=6) and max(waits) == timedelta(hours=6)


async def test_a_receiver_that_never_answers_2xx_is_retried_for_a_day_then_the_delivery_is_failed(
    rep, make_company, make_endpoint, start_receiver, deliver, sessions
):
    receiver = start_receiver(answers=[500] * 100)
    await make_endpoint(receiver.url, events=("company.created",))
    await make_company(rep, "株式会社ダウン")

    moment = T0
    while len(receiver.received) < 100:
        await deliver(at(moment))
        [delivery] = await deliveries(sessions)
        if delivery.status != "pending":
            break
        moment = delivery.next_attempt_at

    assert delivery.status == "failed"
    attempts = [a.at for a in delivery.attempts]
    assert attempts[-1] - attempts[0] >= timedelta(hours=24)  # at least a day of retries
    assert attempts[-2] - attempts[0] < timedelta(hours=24)
    assert max(b - a for a, b in zip(attempts, attempts[1:], strict=False)) == timedelta(hours=6)
    await deliver(at(moment + timedelta(days=2)))
    assert len(receiver.received) == len(attempts)  # a failed delivery waits for a resend


async def test_an_unreachable_receiver_is_logged_as_an_error_and_retried(
    rep, make_company, make_endpoint, deliver, sessions
):
    await make_endpoint("http://127.0.0.1:9/nothing-listens-here", events=("company.created",))
    await make_company(rep, "株式会社つながらない")

    await deliver(at(T0))

    [delivery] = await deliveries(sessions)
    [attempt] = delivery.attempts
    assert attempt.status_code is None and attempt.error.startswith("ConnectError")
    assert delivery.status == "pending" and delivery.next_attempt_at == T0 + timedelta(minutes=1)


async def test_a_receiver_slower_than_the_timeout_is_an_error_and_retried(
    rep, make_company, make_endpoint, start_receiver, deliver, sessions
):
    receiver = start_receiver(delay=1.0)
    await make_endpoint(receiver.url, events=("company.created",))
    await make_company(rep, "株式会社おそい")

    await deliver(at(T0), timeout=0.2)

    [delivery] = await deliveries(sessions)
    assert delivery.attempts[0].error == "timed out after 0.2 s" and delivery.status == "pending"


async def test_each_endpoint_gets_its_own_delivery_and_a_disabled_one_gets_nothing_until_enabled(
    db, admin, rep, make_company, make_endpoint, start_receiver, deliver, sessions
):
    first, second, off = start_receiver(), start_receiver(), start_receiver()
    for receiver in (first, second):
        await make_endpoint(receiver.url, events=("company.created",))
    disabled = await make_endpoint(off.url, events=("company.created", "deal.won"))
    await make_company(rep, "株式会社ふたつ")
    await fan_out(sessions, at(T0))  # while all three are active: one delivery each
    await webhooks.set_active(db, admin, disabled.id, active=False, seen_version=disabled.version)
    await db.commit()
    await make_company(rep, "株式会社みっつ")  # while it is disabled: never queued for it

    await deliver(at(T0))

    assert first.ids() == second.ids() and len(first.ids()) == 2
    assert off.ids() == []
    await webhooks.set_active(db, admin, disabled.id, active=True, seen_version=disabled.version)
    await db.commit()
    await deliver(at(T0))
    assert off.ids() == first.ids()[:1]


async def test_a_resend_queues_the_same_event_again_even_after_it_was_delivered(
    db, admin, rep, make_company, make_endpoint, receiver, deliver, sessions
):
    await make_endpoint(receiver.url, events=("company.created",))
    await make_company(rep, "株式会社もういちど")
    await deliver(at(T0))
    [delivery] = await deliveries(sessions)

    await webhooks.resend(db, admin, at(T0 + timedelta(days=3)), delivery.id)
    await db.commit()
    await deliver(at(T0 + timedelta(days=3)))

    first, again = receiver.received
    assert first.event_id == again.event_id and first.body == again.body
    assert again.headers["x-salesdesk-timestamp"] != first.headers["x-salesdesk-timestamp"]
    [delivery] = await deliveries(sessions)
    assert delivery.status == "delivered" and len(delivery.attempts) == 2


async def test_the_app_keeps_saving_while_a_request_to_a_slow_receiver_is_in_flight(
    rep, make_company, make_endpoint, start_receiver, deliver, outbox
):
    receiver = start_receiver(hold_at=1)
    await make_endpoint(receiver.url, events=("company.created",))
    await make_company(rep, "株式会社さいしょ")
    sending = asyncio.create_task(deliver())
    assert await asyncio.to_thread(receiver.holding.wait, 30)

    await make_company(rep, "株式会社そのあいだ")  # SQLite: no write lock is held while the request waits

    assert not sending.done()
    receiver.release.set()
    await sending
    assert len(await outbox()) == 2 and len(receiver.ids()) == 1
    await deliver()  # the next pass takes the event written meanwhile
    assert len(set(receiver.ids())) == 2

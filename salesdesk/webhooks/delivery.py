"""Sending the outbox: fan each event out to its endpoints, then post each due delivery, signed.

One pass (`run_once`) is what `salesdesk deliver-webhooks --once` does and what the long-running
command repeats. Each delivery is sent in a transaction of its own that holds its row (PostgreSQL:
`FOR UPDATE SKIP LOCKED`, so parallel deliverers never send one delivery at once) and commits the
attempt and the outcome right after the response: a crash re-sends at most the one request that was
in flight, with the same event id. On SQLite the command holds a file lock instead (`sqlite_lock`):
one deliverer per database, which the single-writer database wants anyway.

Time comes from a Clock, so tests drive retries by handing in later moments instead of waiting.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import httpx
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from salesdesk.clock import Clock
from salesdesk.webhooks.models import DeliveryStatus, OutboxEvent, WebhookAttempt, WebhookDelivery, WebhookEndpoint

TIMEOUT = 10.0  # seconds for a whole request, however slowly the receiver drips its answer
FIRST_RETRY = timedelta(minutes=1)  # then doubling: 1, 2, 4 … minutes
LONGEST_WAIT = timedelta(hours=6)
RETRY_FOR = timedelta(hours=24)  # a delivery without a 2xx after this long is failed (resend starts again)
FAN_OUT_BATCH = 100
USER_AGENT = "salesdesk-webhooks/1"

log = logging.getLogger("salesdesk.webhooks")
Sessions = async_sessionmaker[AsyncSession]


def signature(secret: str, timestamp: int, body: str) -> str:
    """`X-Salesdesk-Signature`: HMAC-SHA256 of "<timestamp>.<body>" under the endpoint's secret.

    The timestamp is inside the signed text, so a receiver that refuses old timestamps refuses a
    replayed request too (docs/api.md shows the check)."""
    digest = hmac.new(secret.encode(), f"{timestamp}.{body}".encode(), hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def backoff(attempts: int) -> timedelta:
    """The wait after the `attempts`-th failed attempt of a series: 1 minute, doubling, at most 6 hours."""
    return min(FIRST_RETRY * 2 ** min(attempts - 1, 20), LONGEST_WAIT)


async def fan_out(sessions: Sessions, clock: Clock) -> int:
    """One delivery per active endpoint subscribed to each new event; returns the events taken.

    The events are claimed by the UPDATE that marks them (its subquery skips rows another deliverer
    has locked), so two deliverers never fan one event out twice, on either database."""
    taken = 0
    while True:
        async with sessions() as db, db.begin():
            now = clock.now()
            batch = (
                select(OutboxEvent.id)
                .where(OutboxEvent.fanned_out_at.is_(None))
                .order_by(OutboxEvent.id)
                .limit(FAN_OUT_BATCH)
                .with_for_update(skip_locked=True)
            )
            claimed = (
                await db.execute(
                    update(OutboxEvent)
                    .where(OutboxEvent.id.in_(batch.scalar_subquery()))
                    .values(fanned_out_at=now)
                    .returning(OutboxEvent.id, OutboxEvent.event)
                    .execution_options(synchronize_session=False)
                )
            ).all()
            if not claimed:
                return taken
            endpoints = list(await db.scalars(select(WebhookEndpoint).where(WebhookEndpoint.is_active.is_(True))))
            db.add_all(
                WebhookDelivery(
                    endpoint_id=endpoint.id,
                    outbox_event_id=event_id,
                    status=DeliveryStatus.pending,
                    next_attempt_at=now,
                    retrying_since=now,
                )
                for event_id, event in sorted(claimed)
                for endpoint in endpoints
                if event in endpoint.events
            )
            taken += len(claimed)


@dataclass
class Outcome:
    status_code: int | None
    error: str
    duration_ms: int


async def post(
    client: httpx.AsyncClient, url: str, secret: str, event: OutboxEvent, clock: Clock, timeout: float
) -> Outcome:
    """One signed POST of the event's body; an answer without a status (refused, timed out) is an error."""
    timestamp = int(clock.now().timestamp())
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": USER_AGENT,
        "X-Salesdesk-Event-Id": event.event_id,
        "X-Salesdesk-Event": event.event,
        "X-Salesdesk-Timestamp": str(timestamp),
        "X-Salesdesk-Signature": signature(secret, timestamp, event.body),
    }
    started = time.monotonic()
    status_code, error = None, ""
    try:
        async with asyncio.timeout(timeout):  # httpx's timeout is per read: a dripping answer could last forever
            # Only the status is wanted: the body is not read, so a huge answer costs nothing.
            async with client.stream("POST", url, content=event.body.encode(), headers=headers) as response:
                status_code = response.status_code
    except TimeoutError:
        error = f"timed out after {timeout:g} s"
    except (httpx.HTTPError, httpx.InvalidURL, OSError) as failure:
        error = f"{type(failure).__name__}: {failure}"[:200]
    return Outcome(status_code, error, round((time.monotonic() - started) * 1000))


def settle(delivery: WebhookDelivery, outcome: Outcome, now: datetime) -> WebhookAttempt:
    """The attempt's row, and what the delivery does next: done, retried later, or given up."""
    attempt = WebhookAttempt(
        delivery_id=delivery.id,
        at=now,
        status_code=outcome.status_code,
        error=outcome.error,
        duration_ms=outcome.duration_ms,
    )
    delivery.attempt_count += 1
    if attempt.succeeded:
        delivery.status, delivery.delivered_at, delivery.next_attempt_at = DeliveryStatus.delivered, now, None
    elif now - (delivery.retrying_since or now) >= RETRY_FOR:
        delivery.status, delivery.next_attempt_at = DeliveryStatus.failed, None
    else:
        delivery.next_attempt_at = now + backoff(delivery.attempt_count)
    return attempt


async def send_next(
    sessions: Sessions, client: httpx.AsyncClient, clock: Clock, timeout: float = TIMEOUT
) -> WebhookAttempt | None:
    """Send the delivery due first, and commit its attempt; None when nothing is due."""
    async with sessions() as db, db.begin():
        now = clock.now()
        row = (
            await db.execute(
                select(WebhookDelivery, WebhookEndpoint.url, WebhookEndpoint.secret, OutboxEvent)
                .join(WebhookEndpoint, WebhookEndpoint.id == WebhookDelivery.endpoint_id)
                .join(OutboxEvent, OutboxEvent.id == WebhookDelivery.outbox_event_id)
                .where(
                    WebhookDelivery.status == DeliveryStatus.pending,
                    WebhookDelivery.next_attempt_at <= now,
                    WebhookEndpoint.is_active.is_(True),
                )
                .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id)
                .limit(1)
                .with_for_update(of=WebhookDelivery, skip_locked=True)
            )
        ).first()
        if row is None:
            return None
        delivery, url, secret, event = row
        outcome = await post(client, url, secret, event, clock, timeout)
        attempt = settle(delivery, outcome, clock.now())
        db.add(attempt)
    log.info(
        "%s %s to endpoint %s: %s in %d ms",
        event.event_id,
        event.event,
        delivery.endpoint_id,
        outcome.status_code or outcome.error,
        outcome.duration_ms,
    )
    return attempt


@dataclass
class Pass:
    """What one pass did: events fanned out, attempts made, and how they ended."""

    events: int = 0
    attempts: int = 0
    delivered: int = 0
    failed_attempts: int = 0

    def __str__(self) -> str:
        return (
            f"{self.events} new events, {self.attempts} requests sent: "
            f"{self.delivered} delivered, {self.failed_attempts} to retry or given up."
        )


async def run_once(
    sessions: Sessions,
    client: httpx.AsyncClient,
    clock: Clock | None = None,
    *,
    timeout: float = TIMEOUT,
    stopping: Callable[[], bool] = lambda: False,
) -> Pass:
    """Fan out the new events, then send every delivery due now, one at a time."""
    clock = clock or Clock()
    done = Pass(events=await fan_out(sessions, clock))
    while not stopping() and (attempt := await send_next(sessions, client, clock, timeout)) is not None:
        done.attempts += 1
        if attempt.succeeded:
            done.delivered += 1
        else:
            done.failed_attempts += 1
    return done

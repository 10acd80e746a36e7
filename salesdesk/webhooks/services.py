"""Administration of webhook endpoints and their deliveries (admins only, checked here first)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from salesdesk.auth import policy
from salesdesk.auth.models import User
from salesdesk.clock import Clock
from salesdesk.errors import Forbidden, NotFound
from salesdesk.versions import check_version, flush_or_stale
from salesdesk.webhooks.forms import EndpointInput
from salesdesk.webhooks.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint

DELIVERIES_SHOWN = 30


def _ensure_admin(actor: User) -> None:
    if not policy.may_administer(actor):
        raise Forbidden("webhooks.admin")


def new_secret() -> str:
    """A signing secret: 256 random bits, prefixed so a leaked one is recognisable in a scan."""
    return "whsec_" + secrets.token_urlsafe(32)


async def list_endpoints(db: AsyncSession, actor: User) -> list[WebhookEndpoint]:
    _ensure_admin(actor)
    return list(await db.scalars(select(WebhookEndpoint).order_by(WebhookEndpoint.id)))


async def get_endpoint(db: AsyncSession, actor: User, endpoint_id: int) -> WebhookEndpoint:
    _ensure_admin(actor)
    endpoint = await db.get(WebhookEndpoint, endpoint_id)
    if endpoint is None:
        raise NotFound("webhook_endpoint")
    return endpoint


async def create_endpoint(db: AsyncSession, actor: User, data: EndpointInput) -> WebhookEndpoint:
    _ensure_admin(actor)
    endpoint = WebhookEndpoint(
        url=data.url, description=data.description, events=list(data.events), secret=new_secret(), is_active=True
    )
    db.add(endpoint)
    await db.flush()
    return endpoint


async def update_endpoint(db: AsyncSession, actor: User, endpoint_id: int, data: EndpointInput) -> WebhookEndpoint:
    endpoint = await get_endpoint(db, actor, endpoint_id)
    values = {"url": data.url, "description": data.description, "events": list(data.events)}
    await check_version(db, endpoint, data.seen_version, values)
    for key, value in values.items():
        setattr(endpoint, key, value)
    await flush_or_stale(db, endpoint, values)
    return endpoint


async def set_active(
    db: AsyncSession, actor: User, endpoint_id: int, *, active: bool, seen_version: int
) -> WebhookEndpoint:
    """A disabled endpoint gets no new deliveries; those already queued wait until it is enabled again."""
    endpoint = await get_endpoint(db, actor, endpoint_id)
    await check_version(db, endpoint, seen_version, {"is_active": active})
    endpoint.is_active = active
    await flush_or_stale(db, endpoint, {"is_active": active})
    return endpoint


async def rotate_secret(db: AsyncSession, actor: User, endpoint_id: int, *, seen_version: int) -> WebhookEndpoint:
    """A new secret signs every request from now on, retries of older events included."""
    endpoint = await get_endpoint(db, actor, endpoint_id)
    await check_version(db, endpoint, seen_version)
    endpoint.secret = new_secret()
    await flush_or_stale(db, endpoint)
    return endpoint


@dataclass
class DeliveryPage:
    deliveries: list[WebhookDelivery]
    older: int | None  # `before` for the next page, None on the last one


async def recent_deliveries(
    db: AsyncSession, actor: User, endpoint: WebhookEndpoint, *, before: int | None = None
) -> DeliveryPage:
    """The endpoint's deliveries, newest first, with their event and every attempt."""
    _ensure_admin(actor)
    query = (
        select(WebhookDelivery)
        .where(WebhookDelivery.endpoint_id == endpoint.id)
        .options(selectinload(WebhookDelivery.event), selectinload(WebhookDelivery.attempts))
        .order_by(WebhookDelivery.id.desc())
        .limit(DELIVERIES_SHOWN + 1)
    )
    if before is not None:
        query = query.where(WebhookDelivery.id < before)
    rows = list(await db.scalars(query))
    shown = rows[:DELIVERIES_SHOWN]
    return DeliveryPage(shown, shown[-1].id if len(rows) > DELIVERIES_SHOWN else None)


async def resend(db: AsyncSession, actor: User, clock: Clock, delivery_id: int) -> WebhookDelivery:
    """Queue the delivery again, due now: the same event (same id, same body) in a new series of attempts."""
    _ensure_admin(actor)
    delivery = await db.get(WebhookDelivery, delivery_id)
    if delivery is None:
        raise NotFound("webhook_delivery")
    now = clock.now()
    delivery.status, delivery.next_attempt_at = DeliveryStatus.pending, now
    delivery.retrying_since, delivery.attempt_count = now, 0
    await db.flush()
    return delivery

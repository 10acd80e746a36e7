"""Reading the audit log."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from salesdesk.audit.models import AuditEntry
from salesdesk.auth import policy
from salesdesk.auth.models import User
from salesdesk.errors import Forbidden

PAGE_SIZE = 50


@dataclass
class AuditFilter:
    entity: str = ""
    entity_id: int | None = None
    actor_id: int | None = None
    action: str = ""
    since: date | None = None
    until: date | None = None
    page: int = 1


@dataclass
class AuditPage:
    entries: list[AuditEntry]
    total: int
    page: int
    pages: int


def _day_start(day: date, zone: str) -> datetime:
    return datetime.combine(day, time.min, tzinfo=ZoneInfo(zone))


async def list_entries(db: AsyncSession, actor: User, f: AuditFilter) -> AuditPage:
    if not policy.may_read_audit(actor):
        raise Forbidden("audit.read")
    query = select(AuditEntry)
    if f.entity:
        query = query.where(AuditEntry.entity == f.entity)
    if f.entity_id is not None:
        query = query.where(AuditEntry.entity_id == f.entity_id)
    if f.actor_id is not None:
        query = query.where(AuditEntry.actor_id == f.actor_id)
    if f.action:
        query = query.where(AuditEntry.action == f.action)
    if f.since:
        query = query.where(AuditEntry.at >= _day_start(f.since, actor.time_zone))
    if f.until:
        query = query.where(AuditEntry.at < _day_start(f.until + timedelta(days=1), actor.time_zone))
    total = await db.scalar(select(func.count()).select_from(query.subquery())) or 0
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(1, f.page), pages)
    entries = await db.scalars(
        query.order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)
    )
    return AuditPage(list(entries), total, page, pages)


async def entity_names(db: AsyncSession) -> list[str]:
    return list(await db.scalars(select(AuditEntry.entity).distinct().order_by(AuditEntry.entity)))

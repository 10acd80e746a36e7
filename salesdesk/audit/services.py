"""Reading the audit log."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Table, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from salesdesk.audit.models import AuditEntry
from salesdesk.auth import policy
from salesdesk.auth.models import User
from salesdesk.db import Base
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


def _named_target(table: str, column: str) -> Table | None:
    """The table an id column points at (its foreign key), when that table's rows have a name or a title."""
    columns = Base.metadata.tables[table].c if table in Base.metadata.tables else {}
    for key in columns[column].foreign_keys if column in columns else ():
        if "name" in key.column.table.c or "title" in key.column.table.c:
            return key.column.table
    return None


async def referenced_names(db: AsyncSession, entries: list[AuditEntry]) -> dict[tuple[str, str, int], str]:
    """(table, column, id) -> the name of the row an id in the entries points at (担当営業 1 is 鈴木 美咲),
    one query per table pointed at; a row deleted since keeps its bare id."""
    refs = {
        (entry.entity, column, value): target
        for entry in entries
        for column, pair in entry.changes.items()
        if (target := _named_target(entry.entity, column)) is not None
        for value in pair
        if isinstance(value, int) and not isinstance(value, bool)
    }
    names: dict[tuple[Table, int], str] = {}
    for target in set(refs.values()):
        label = target.c.name if "name" in target.c else target.c.title
        ids = {value for (_, _, value), t in refs.items() if t is target}
        names |= {
            (target, row_id): name
            for row_id, name in await db.execute(select(target.c.id, label).where(target.c.id.in_(ids)))
        }
    return {ref: names[target, ref[2]] for ref, target in refs.items() if (target, ref[2]) in names}

"""The one version check of every versioned write (DESIGN.md, "Write path").

A form or an API body carries the version its values were drawn from (`seen_version`).
`check_version` refuses a stale one before anything changes; `flush_or_stale` closes the
check-to-write race (SQLAlchemy's version_id_col adds ``WHERE version = :seen`` to the UPDATE,
so of N saves of one version exactly one writes). Either way the service raises a StaleEdit
that carries the row as saved now, the fields where the user's input differs from it, and who
saved it last and when (from the audit log), so every 409 can show the same thing.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import inspect, select
from sqlalchemy.exc import IntegrityError, InvalidRequestError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.exc import StaleDataError

from salesdesk.audit.models import AuditEntry
from salesdesk.errors import Conflict, NotFound, StaleEdit


async def check_version(
    db: AsyncSession, row: Any, seen_version: int | None, wanted: Mapping[str, Any] | None = None
) -> None:
    """StaleEdit unless the row is still at the version the user's form was drawn from."""
    if seen_version is not None and row.version == seen_version:
        return
    raise await stale_edit(db, row, wanted or {}, race=False)


async def flush_or_stale(db: AsyncSession, row: Any, wanted: Mapping[str, Any] | None = None) -> None:
    """Flush the request's changes to `row`; a save that lost the race is a 409, never a 500.

    The failed flush leaves the transaction unusable, so it is rolled back here (the request
    fails as a whole) and the row is read again as the winner saved it. A unique constraint
    broken by a concurrent insert (IntegrityError) is a Conflict: the same 409 without a row.
    """
    try:
        await db.flush()
    except StaleDataError:
        if not await _rollback_and_reload(db, row):
            raise NotFound(type(row).__tablename__) from None
        raise await stale_edit(db, row, wanted or {}, race=True) from None
    except IntegrityError:
        await _rollback_and_reload(db, row)
        raise Conflict(type(row).__tablename__) from None


async def _rollback_and_reload(db: AsyncSession, row: Any) -> bool:
    """Roll the failed transaction back and load again what the request had loaded, as saved now.

    A rollback expires every object of the session, and relationships here never load lazily:
    without this the route's 409 answer (the form again, the header's user) could not be drawn.
    False when `row` itself is gone.
    """
    loaded = []
    for obj in list(db.identity_map.values()):
        state = inspect(obj)
        names = [key for key in state.mapper.attrs.keys() if key not in state.unloaded]
        loaded.append((obj, names))
    await db.rollback()
    row_exists = True
    for obj, names in loaded:
        try:
            await db.refresh(obj, attribute_names=names or None)
        except InvalidRequestError:  # deleted meanwhile (refresh found no row)
            row_exists = row_exists and obj is not row
    return row_exists


async def stale_edit(db: AsyncSession, row: Any, wanted: Mapping[str, Any], *, race: bool) -> StaleEdit:
    last = await db.scalar(
        select(AuditEntry)
        .where(AuditEntry.entity == row.__tablename__, AuditEntry.entity_id == row.id)
        .order_by(AuditEntry.id.desc())
        .limit(1)
    )
    changes = {key: (value, getattr(row, key)) for key, value in wanted.items() if getattr(row, key, value) != value}
    return StaleEdit(
        current=row,
        changes=changes,
        race=race,
        changed_by=last.actor_name if last else "",
        changed_at=last.at if last else None,
    )

"""Saving deals the ways users do (the pipeline's services), for the meeting's tests."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from salesdesk.audit.hook import set_actor
from salesdesk.auth.models import User
from salesdesk.clock import Clock
from salesdesk.meetings import services as meetings
from salesdesk.meetings.changes import Changes
from salesdesk.pipeline import moves, services
from salesdesk.pipeline.forms import MoveInput
from salesdesk.pipeline.models import Deal, LostReason, Stage
from tests.pipeline.conftest import edited, reload


async def move(db: AsyncSession, actor: User, deal: Deal, stage: Stage, clock: Clock | None = None, **values) -> Deal:
    """Drag the card to `stage`, giving what the stage needs (a lost reason for 失注)."""
    set_actor(db, actor)
    if stage.is_lost and "lost_reason_id" not in values:
        values["lost_reason_id"] = await db.scalar(select(LostReason.id).limit(1))
    if not stage.is_open:
        values.setdefault("amount_jpy", deal.amount_jpy or 1_000_000)
        values.setdefault("expected_close_date", deal.expected_close_date or date(2027, 3, 31))
    data = MoveInput(stage_id=stage.id, seen_version=deal.version, **values)
    await moves.move_deal(db, actor, clock or Clock(), deal.id, data)
    await db.commit()
    return await reload(db, deal)


async def edit(db: AsyncSession, actor: User, deal: Deal, clock: Clock | None = None, **changes: str) -> Deal:
    """Save the deal's edit page with `changes` typed in."""
    set_actor(db, actor)
    await services.update_deal(db, actor, clock or Clock(), deal.id, edited(deal, **changes))
    await db.commit()
    return await reload(db, deal)


async def delete(db: AsyncSession, actor: User, deal: Deal) -> None:
    set_actor(db, actor)
    await services.delete_deal(db, actor, Clock(), deal.id, seen_version=deal.version)
    await db.commit()


def now() -> datetime:
    return datetime.now(UTC)


async def changes_of(db: AsyncSession, actor: User, since: datetime, until: datetime | None = None, **scope) -> Changes:
    return await meetings.pipeline_changes(db, actor, Clock(), since=since, until=until, **scope)


def identity_holds(result: Changes) -> bool:
    return result.start.amount_jpy + sum(row.amount_jpy for row in result.bridge) == result.end.amount_jpy

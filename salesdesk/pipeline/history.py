"""A deal's history: every change of a tracked field is a DealEvent (who, when, from, to, why).

All deal writes go through `change()`, so no path can move a deal without leaving the row the
timeline, the time-in-stage figures and (later) the weekly meeting's diff are built from.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from salesdesk.auth.models import User
from salesdesk.db import utcnow
from salesdesk.pipeline.models import TRACKED_FIELDS, Deal, DealEvent, Stage


def change(
    db: AsyncSession,
    deal: Deal,
    actor: User | None,
    values: dict[str, Any],
    *,
    note: str = "",
    at: datetime | None = None,
) -> list[DealEvent]:
    """Set `values` on the deal; a DealEvent for each tracked field whose value really changes."""
    events = []
    for key, value in values.items():
        old = getattr(deal, key)
        if old == value:
            continue
        if key in TRACKED_FIELDS and deal.id is not None:
            events.append(
                DealEvent(
                    deal_id=deal.id,
                    at=at or utcnow(),
                    actor_id=actor.id if actor else None,
                    field=key,
                    old_value=DealEvent.text(old),
                    new_value=DealEvent.text(value),
                    note=note if key == "forecast" else "",
                )
            )
        setattr(deal, key, value)
    db.add_all(events)
    return events


def record_creation(db: AsyncSession, deal: Deal, actor: User | None) -> None:
    """The first stage, so the time spent in it counts from the deal's creation."""
    db.add(
        DealEvent(
            deal_id=deal.id,
            at=deal.created_at,
            actor_id=actor.id if actor else None,
            field="stage_id",
            old_value=None,
            new_value=str(deal.stage_id),
        )
    )


async def events(db: AsyncSession, deal_id: int) -> list[DealEvent]:
    return list(
        await db.scalars(select(DealEvent).where(DealEvent.deal_id == deal_id).order_by(DealEvent.at, DealEvent.id))
    )


@dataclass
class StageTime:
    stage: Stage
    duration: timedelta
    current: bool  # the deal is in this stage now

    @property
    def days(self) -> int:
        return self.duration.days


def time_in_stages(
    stage_events: list[DealEvent], stages: list[Stage], *, deal: Deal, now: datetime | None = None
) -> list[StageTime]:
    """Time spent in each stage (summed over visits), in pipeline order, from the stage events.

    A closed deal's clock stops when it entered 受注/失注; an open deal's current stage runs until now.
    """
    now = now or utcnow()
    by_id = {stage.id: stage for stage in stages}
    spent: dict[int, timedelta] = {}
    moves = [e for e in stage_events if e.field == "stage_id" and e.new_value]
    for event, following in zip(moves, [*moves[1:], None], strict=True):
        stage = by_id.get(int(event.new_value))  # type: ignore[arg-type]
        if stage is None or not stage.is_open:
            continue
        until = following.at if following else now
        spent[stage.id] = spent.get(stage.id, timedelta()) + max(until - event.at, timedelta())
    return [
        StageTime(by_id[stage_id], duration, current=stage_id == deal.stage_id and deal.stage.is_open)
        for stage_id, duration in sorted(spent.items(), key=lambda item: by_id[item[0]].position)
    ]

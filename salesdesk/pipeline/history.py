"""A deal's history: every change of a tracked field is a DealEvent (who, when, from, to, why).

All deal writes go through `change()`, so no path can move a deal without leaving the row the
timeline, the time-in-stage figures and (later) the weekly meeting's diff are built from.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy import event as orm_event
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

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


def record_creation(db: AsyncSession, deal: Deal, actor: User | None, *, at: datetime | None = None) -> None:
    """The first stage, so the time spent in it counts from the deal's creation (and the deal
    is in the pipeline from then on: before it, `stage_id` was None)."""
    db.add(
        DealEvent(
            deal_id=deal.id,
            at=at or deal.created_at,
            actor_id=actor.id if actor else None,
            field="stage_id",
            old_value=None,
            new_value=str(deal.stage_id),
        )
    )


def record_deletion(db: AsyncSession, deal: Deal, actor: User | None, *, at: datetime | None = None) -> None:
    """Every tracked value → None, before the row goes: the deal stays in the past pipelines it was
    in. The stage event's note keeps what the lists show of it (title, company)."""
    company = deal.__dict__.get("company")  # loaded with the deal (access.get_deal), never fetched here
    label = {"title": deal.title, "company_id": deal.company_id, "company": company.name if company else ""}
    label = json.dumps(label, ensure_ascii=False)
    db.add_all(
        DealEvent(
            deal_id=deal.id,
            at=at or utcnow(),
            actor_id=actor.id if actor else None,
            field=key,
            old_value=DealEvent.text(getattr(deal, key)),
            new_value=None,
            note=label if key == "stage_id" else "",
        )
        for key in TRACKED_FIELDS
        if key == "stage_id" or getattr(deal, key) is not None
    )


@orm_event.listens_for(Session, "before_flush")
def _group_change_sets(session: Session, _context: Any, _instances: Any) -> None:
    """The events of one deal written in one flush are one save: one change-set id, one moment
    (the earliest given), so no moment falls between a save's stage and its probability."""
    saves: dict[int, list[DealEvent]] = {}
    for obj in session.new:
        if isinstance(obj, DealEvent) and obj.change_set is None:
            saves.setdefault(obj.deal_id, []).append(obj)
    for events in saves.values():
        change_set, at = uuid.uuid4().hex, min(e.at or utcnow() for e in events)
        for e in events:
            e.change_set, e.at = change_set, at


EVENTS = select(DealEvent).where(DealEvent.deal_id == bindparam("deal_id")).order_by(DealEvent.at, DealEvent.id)


async def events(db: AsyncSession, deal_id: int) -> list[DealEvent]:
    return list(await db.scalars(EVENTS, {"deal_id": deal_id}))


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

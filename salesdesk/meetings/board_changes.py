"""The board's "前回の会議から" toggle: each card's badges and each column's deltas since the team's
last meeting, from the same bridge as the review page (scope: the board's pipeline, team, owner)."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession

from salesdesk.auth.models import User
from salesdesk.clock import Clock
from salesdesk.meetings import changes, services
from salesdesk.meetings.bridge import DealChange
from salesdesk.pipeline.filters import DealFilter


@dataclass
class BoardChanges:
    since_url: str  # the review page for the same scope and period
    deals: dict[int, DealChange] = field(default_factory=dict)
    columns: dict[int, tuple[int, int]] = field(default_factory=dict)  # stage id -> (deals, yen) more than then


async def board_changes(db: AsyncSession, actor: User, pipeline_id: int, f: DealFilter) -> BoardChanges:
    result = await services.pipeline_changes(
        db, actor, Clock.of(actor), pipeline_id=pipeline_id, team_id=f.team_id, owner_id=f.owner_id
    )
    url = f"/pipeline/changes?pipeline_id={pipeline_id}&since={result.since.isoformat()}"
    return BoardChanges(url, result.by_deal, changes.stage_deltas(result))

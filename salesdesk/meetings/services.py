"""The weekly meeting's read side: a scope's changes between two moments, for the API and the pages.

The scope is what the actor sees (the board's rule), narrowed to a pipeline, a team and/or an
owner; the period defaults to the scope's team's last meeting (period.py) until now.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from salesdesk.auth.models import Team, User
from salesdesk.clock import Clock
from salesdesk.errors import Invalid
from salesdesk.meetings import changes, kept, period
from salesdesk.meetings.bridge import Scope
from salesdesk.pipeline.models import Pipeline


async def scope_team(db: AsyncSession, actor: User, team_id: int | None, owner_id: int | None) -> int | None:
    """The team whose meeting the period follows: the asked team, the owner's, else the actor's."""
    if team_id is not None:
        return team_id
    if owner_id is not None:
        return await db.scalar(select(User.team_id).where(User.id == owner_id))
    return actor.team_id


async def _check_ids(db: AsyncSession, pipeline_id: int | None, team_id: int | None, owner_id: int | None) -> None:
    errors = {}
    if pipeline_id is not None and await db.get(Pipeline, pipeline_id) is None:
        errors["pipeline_id"] = "pipeline.unknown"
    if team_id is not None and await db.get(Team, team_id) is None:
        errors["team_id"] = "team.unknown"
    if owner_id is not None and await db.get(User, owner_id) is None:
        errors["owner_id"] = "owner.unknown"
    if errors:
        raise Invalid(**errors)


async def pipeline_changes(
    db: AsyncSession,
    actor: User,
    clock: Clock,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    pipeline_id: int | None = None,
    team_id: int | None = None,
    owner_id: int | None = None,
    list_quiet: bool = False,
    figures_only: bool = False,
) -> changes.Changes:
    """The detailed bridge (the API, the board's toggle), computed afresh. `figures_only`: the review
    page's figures, without the details changes.detail() adds to the deals it lists, kept by the worker
    until the history changes (kept.py)."""
    await _check_ids(db, pipeline_id, team_id, owner_id)
    team = await scope_team(db, actor, team_id, owner_id)
    asked_until = until
    since, until = await period.resolve(db, team, since, until, clock.now())
    scope = Scope(actor, pipeline_id, team_id, owner_id)
    if figures_only:
        return await kept.bridge(db, scope, since, until, until_given=asked_until is not None)
    return await changes.compute(db, scope, since, until, list_quiet=list_quiet)

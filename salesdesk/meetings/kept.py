"""The review page's bridge, kept by each worker until the history it was computed from changes.

A bridge is a pure function of the history since `since` (the deal events and team moves after
it), the deals as they are now and the stages. Every change of a deal's tracked fields writes a
DealEvent and every team change a TeamMove, so the events after `since` (how many, and the
newest id) and the stages' rows (how many, the newest id, the sum of their versions) say whether
a kept bridge still holds: one statement. The count catches what the newest id alone would miss
on PostgreSQL: a transaction that took a lower id and commits after a higher one.

When only new events were written since (no team move, no stage edit, none committed late), the
kept bridge is advanced: their deals alone are classified again (changes.advance()). So a period's
first view costs the whole reconstruction, and every later one what changed since the view before
and what the page lists.

Only the figures are kept (changes.compute with `detailed=False`): the flags that need tasks and
activities, and the titles, are read for the listed deals on every view (changes.detail()). The
meeting's own figures (agenda, minutes, API) are computed afresh.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from salesdesk.meetings import asof, changes
from salesdesk.meetings.bridge import Scope
from salesdesk.meetings.models import TeamMove
from salesdesk.pipeline.models import Deal, DealEvent, Stage

KEEP = 16  # bridges kept per worker (scopes × periods), the least recently viewed dropped first
ADVANCE_MAX = 500  # more new events than this: computed afresh
_kept: OrderedDict[tuple[Any, ...], tuple[tuple[Any, ...], changes.Changes]] = OrderedDict()


async def history_version(db: AsyncSession, since: datetime) -> tuple[Any, ...]:
    """What a bridge from `since` depends on, in one statement of index reads."""
    events, moves = DealEvent.at > since, TeamMove.at > since
    columns = [
        select(func.count(DealEvent.id)).where(events),
        select(func.max(DealEvent.id)).where(events),
        select(func.count(TeamMove.id)).where(moves),
        select(func.max(TeamMove.id)).where(moves),
        select(func.count(Stage.id)),
        select(func.max(Stage.id)),
        select(func.sum(Stage.version)),
    ]
    return tuple((await db.execute(select(*(c.scalar_subquery() for c in columns)))).one())


async def bridge(
    db: AsyncSession, scope: Scope, since: datetime, until: datetime, *, until_given: bool
) -> changes.Changes:
    """The figures of changes.compute(detailed=False): this worker's kept bridge when the history since
    `since` is as it was, advanced by the events written since it was kept, else computed afresh. A
    copy, so that the caller's details stay its own (a kept bridge is never changed, only replaced)."""
    version = await history_version(db, since)
    key = (scope.viewer, scope.pipeline_id, scope.team_id, scope.owner_id, since, until if until_given else None)
    kept = _kept.get(key)
    result = None
    if kept is not None and kept[0] == version:
        result = kept[1]
    elif kept is not None:
        result = await _advanced(db, kept, version, until)
    if result is None:
        result = await changes.compute(db, scope, since, until, detailed=False)
    _kept[key] = (version, result)
    _kept.move_to_end(key)
    while len(_kept) > KEEP:
        _kept.popitem(last=False)
    return replace(result, until=until, titles={})


async def _advanced(
    db: AsyncSession, kept: tuple[tuple[Any, ...], changes.Changes], version: tuple[Any, ...], until: datetime
) -> changes.Changes | None:
    """The kept bridge with the events written since (two statements), or None when more changed
    than new events (a team move, a stage edit, an event committed late with a lower id) or too many."""
    (count, _newest, *rest), ((kept_count, kept_newest, *kept_rest), result) = version, kept
    if rest != kept_rest or not 0 < count - kept_count <= ADVANCE_MAX:
        return None
    events = await asof.read_events(db, DealEvent.at > result.since, DealEvent.id > (kept_newest or 0))
    if len(events) != count - kept_count:
        return None
    ids = sorted({event.deal_id for event in events})
    rows = {row[0]: row for row in await asof.plain_rows(db, asof.state_columns().where(Deal.id.in_(ids)))}
    return changes.advance(result, events, rows, until)


def forget() -> None:
    """Drop every kept bridge: the database was emptied under a running app (the tests do, between
    tests; a restore is made with the app stopped)."""
    _kept.clear()

"""What changed in a scope's pipeline between two moments: the queries behind bridge.py.

A deal with no event since `since` (and whose owner changed no team) is *quiet*: it is the same
at both moments, so it is counted by one GROUP BY in the database and never loaded; only the
deals that changed are read and reconstructed. A fixed number of statements, whatever the size
of the pipeline: stages, users, the history (2), the changed deals, the quiet totals, the quiet
deals that want attention anyway, the push-outs of 90 days, their tasks and their activities.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, case, exists, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from salesdesk.accounts.models import Activity, Company
from salesdesk.auth.models import User
from salesdesk.meetings import asof, bridge
from salesdesk.meetings.asof import DealState
from salesdesk.meetings.bridge import BridgeRow, DealChange, Scope, Totals, World
from salesdesk.meetings.models import TeamMove
from salesdesk.pipeline.access import owned_by_visible
from salesdesk.pipeline.models import Deal, DealEvent, Stage, StageKind
from salesdesk.tasks.models import Task, TaskStatus


@dataclass
class Quiet:
    """The unchanged open deals of the scope, per stage and owner (one row of the GROUP BY)."""

    stage_id: int
    owner_id: int | None
    count: int
    amount_jpy: int
    weighted_raw: int


@dataclass
class Changes:
    scope: Scope
    since: datetime
    until: datetime
    world: World
    start: Totals
    end: Totals
    bridge: list[BridgeRow]
    deals: list[DealChange]  # every changed deal with its category, and the unchanged ones that are flagged
    quiet: list[Quiet]
    titles: dict[int, tuple[str, str]] = field(default_factory=dict)  # deal id -> (title, company name)
    quiet_deals: list[DealChange] = field(default_factory=list)  # the other unchanged deals (when asked for)

    @property
    def by_deal(self) -> dict[int, DealChange]:
        return {change.deal_id: change for change in self.deals}


def changed_since(since: datetime) -> ColumnElement[bool]:
    """Deals with an event after `since`, or whose owner moved team since."""
    return or_(
        Deal.id.in_(select(DealEvent.deal_id).where(DealEvent.at > since)),
        Deal.owner_id.in_(select(TeamMove.user_id).where(TeamMove.at > since)),
    )


async def compute(
    db: AsyncSession, scope: Scope, since: datetime, until: datetime, *, list_quiet: bool = False
) -> Changes:
    stages = {s.id: s for s in await db.scalars(select(Stage))}
    users = {row.id: row.team_id for row in await db.execute(select(User.id, User.team_id))}
    history = await asof.read_history(db, since)
    world = World(stages, users, history)
    changed = {
        row.id: row
        for row in await db.execute(
            asof.state_columns()
            .add_columns(Deal.title, Company.name.label("company"), Deal.created_at)
            .join(Company, Company.id == Deal.company_id)
            .where(changed_since(since))
        )
    }
    deal_ids = changed.keys() | history.by_deal.keys()
    deals = []
    for deal_id in sorted(deal_ids):
        now = asof.state_of(changed[deal_id]) if deal_id in changed else asof.GONE
        change = bridge.classify(world, scope, deal_id, now, since, until)
        if change is not None:
            deals.append(change)
    quiet_where = _quiet_where(scope, stages, since)
    quiet = await _quiet_totals(db, quiet_where, stages)
    pushed = await _pushed_repeatedly(db, until)
    flagged = await _quiet_flagged(db, quiet_where, stages, since, until, pushed)
    for row in flagged:
        state = asof.state_of(row)
        placed_since, placed_until = bridge.place(world, scope, state, since), bridge.place(world, scope, state, until)
        deals.append(DealChange(row.id, "unchanged", placed_since, placed_until, 0, quiet=True))
    activity = await _activity(db, [d.deal_id for d in deals], since, until)
    created = {deal_id: row.created_at for deal_id, row in changed.items()} | {r.id: r.created_at for r in flagged}
    for change in deals:
        info = activity.setdefault(change.deal_id, bridge.Activity())
        info.created_at = created.get(change.deal_id)
        bridge.add_flags(change, pushed_repeatedly=change.deal_id in pushed, activity=info, since=since, until=until)
    flagged_ids = {r.id for r in flagged}
    rows = changed | {r.id: r for r in flagged}
    titles = {}  # of the deals in this bridge only: the others may be deals the actor does not see
    for change in deals:
        row = rows.get(change.deal_id)
        kept = history.tombstone(change.deal_id) if row is None else {"title": row.title, "company": row.company}
        titles[change.deal_id] = (kept.get("title", f"#{change.deal_id}"), kept.get("company", ""))
    quiet_count = sum(q.count for q in quiet) - len(flagged)
    result = Changes(
        scope, since, until, world, Totals(), Totals(), bridge.bridge_rows(deals, quiet_count), deals, quiet, titles
    )
    _totals(result)
    if list_quiet:
        for row in await _quiet_rows(db, quiet_where, flagged_ids, until):
            placed = bridge.place(world, scope, asof.state_of(row), until)
            flags = ["no_next_action"] if row.no_next else []
            result.quiet_deals.append(DealChange(row.id, "unchanged", placed, placed, 0, flags=flags, quiet=True))
            result.titles[row.id] = (row.title, row.company)
    return result


def _quiet_where(scope: Scope, stages: dict[int, Stage], since: datetime) -> list[ColumnElement[bool]]:
    open_ids = [
        s.id
        for s in stages.values()
        if s.kind == StageKind.open and (scope.pipeline_id is None or s.pipeline_id == scope.pipeline_id)
    ]
    where = [
        Deal.stage_id.in_(open_ids),
        owned_by_visible(scope.actor, Deal.owner_id),
        Deal.id.not_in(select(DealEvent.deal_id).where(DealEvent.at > since)),
        or_(Deal.owner_id.is_(None), Deal.owner_id.not_in(select(TeamMove.user_id).where(TeamMove.at > since))),
    ]
    if scope.owner_id is not None:
        where.append(Deal.owner_id == scope.owner_id)
    if scope.team_id is not None:
        where.append(Deal.owner_id.in_(select(User.id).where(User.team_id == scope.team_id)))
    return where


async def _quiet_totals(db: AsyncSession, where: list, stages: dict[int, Stage]) -> list[Quiet]:
    rows = await db.execute(
        select(
            Deal.stage_id,
            Deal.owner_id,
            func.count(),
            func.sum(Deal.amount_jpy),
            func.sum(case((Deal.probability.is_(None), Deal.amount_jpy), else_=0)),
            func.sum(Deal.amount_jpy * Deal.probability),
        )
        .where(*where)
        .group_by(Deal.stage_id, Deal.owner_id)
    )
    return [
        Quiet(
            stage_id, owner_id, count, int(total or 0), stages[stage_id].probability * int(plain or 0) + int(own or 0)
        )
        for stage_id, owner_id, count, total, plain, own in rows
    ]


async def _pushed_repeatedly(db: AsyncSession, until: datetime) -> set[int]:
    """Deals whose expected close moved later twice or more in the 90 days up to `until`
    (ISO dates compare as text)."""
    rows = await db.scalars(
        select(DealEvent.deal_id)
        .where(
            DealEvent.field == "expected_close_date",
            DealEvent.at > until - bridge.PUSHED_WINDOW,
            DealEvent.at <= until,
            DealEvent.new_value > DealEvent.old_value,
        )
        .group_by(DealEvent.deal_id)
        .having(func.count() >= 2)
    )
    return set(rows)


async def _quiet_flagged(
    db: AsyncSession, where: list, stages: dict[int, Stage], since: datetime, until: datetime, pushed: set[int]
) -> list:
    """Unchanged deals that want the meeting's attention: pushed out repeatedly, gone idle in the
    period (no activity for longer than the stage allows), or whose last open task was closed."""
    idle_since = func.coalesce(Deal.last_activity_at, Deal.created_at)
    crossed = [
        and_(
            Deal.stage_id == s.id,
            idle_since >= since - timedelta(days=s.rotting_days),
            idle_since < until - timedelta(days=s.rotting_days),
        )
        for s in stages.values()
        if s.kind == StageKind.open and s.rotting_days is not None
    ]
    closed_task = exists(
        select(Task.id).where(
            Task.deal_id == Deal.id,
            Task.status != TaskStatus.open,
            func.coalesce(Task.completed_at, Task.updated_at) > since,
            func.coalesce(Task.completed_at, Task.updated_at) <= until,
        )
    )
    reasons = [Deal.id.in_(sorted(pushed)), closed_task, *crossed]
    query = (
        asof.state_columns()
        .add_columns(Deal.title, Company.name.label("company"), Deal.created_at)
        .join(Company, Company.id == Deal.company_id)
        .where(*where, or_(*reasons))
    )
    return list(await db.execute(query))


async def _activity(
    db: AsyncSession, deal_ids: list[int], since: datetime, until: datetime
) -> dict[int, bridge.Activity]:
    """Tasks, and the newest activity at each moment, of the listed deals (two statements)."""
    found: dict[int, bridge.Activity] = {}
    done_at = case((Task.status == TaskStatus.done, Task.completed_at))
    for deal_id, created_at, status, completed_at, updated_at in await db.execute(
        select(Task.deal_id, Task.created_at, Task.status, Task.completed_at, Task.updated_at).where(
            Task.deal_id.in_(deal_ids)
        )
    ):
        found.setdefault(deal_id, bridge.Activity()).tasks.append((created_at, status, completed_at, updated_at))
    newest = select(Activity.deal_id.label("deal_id"), Activity.occurred_at.label("at")).where(
        Activity.deal_id.in_(deal_ids)
    )
    newest = newest.union_all(
        select(Task.deal_id, done_at).where(Task.deal_id.in_(deal_ids), Task.status == TaskStatus.done)
    ).subquery()
    rows = await db.execute(
        select(
            newest.c.deal_id,
            func.max(case((newest.c.at <= since, newest.c.at))),
            func.max(case((newest.c.at <= until, newest.c.at))),
        ).group_by(newest.c.deal_id)
    )
    for deal_id, at_since, at_until in rows:
        found.setdefault(deal_id, bridge.Activity()).last_activity = {"since": at_since, "until": at_until}
    return found


async def _quiet_rows(db: AsyncSession, where: list, flagged: set[int], until: datetime) -> list:
    """Every other unchanged deal of the scope (the API lists them all), and whether it had no
    open task at `until`."""
    open_then = exists(
        select(Task.id).where(
            Task.deal_id == Deal.id,
            Task.created_at <= until,
            or_(Task.status == TaskStatus.open, func.coalesce(Task.completed_at, Task.updated_at) > until),
        )
    )
    query = (
        asof.state_columns()
        .add_columns(Deal.title, Company.name.label("company"), (~open_then).label("no_next"))
        .join(Company, Company.id == Deal.company_id)
        .where(*where)
        .order_by(Deal.id)
    )
    return [row for row in await db.execute(query) if row.id not in flagged]


def _totals(changes: Changes) -> None:
    """start and end: the quiet deals (the same at both moments) plus each changed deal where it was."""
    for q in changes.quiet:
        changes.start.add(q.count, q.amount_jpy, q.weighted_raw)
        changes.end.add(q.count, q.amount_jpy, q.weighted_raw)
    world = changes.world
    for change in changes.deals:
        if change.quiet:
            continue  # already in the GROUP BY
        if change.before and change.before.in_scope:
            changes.start.add(1, change.before.amount, world.weighted_raw(change.before.state))
        if change.after and change.after.in_scope:
            changes.end.add(1, change.after.amount, world.weighted_raw(change.after.state))


def stage_deltas(changes: Changes) -> dict[int, tuple[int, int]]:
    """stage id -> (deals, yen) more at `until` than at `since` (the board's column headers)."""
    deltas: dict[int, tuple[int, int]] = {}
    for change in changes.deals:
        for placed, sign in ((change.before, -1), (change.after, 1)):
            if placed and placed.in_scope and placed.state.stage_id is not None:
                count, amount = deltas.get(placed.state.stage_id, (0, 0))
                deltas[placed.state.stage_id] = (count + sign, amount + sign * placed.amount)
    return deltas


__all__ = ["Changes", "DealState", "compute", "stage_deltas"]

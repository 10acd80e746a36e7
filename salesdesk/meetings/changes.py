"""What changed in a scope's pipeline between two moments: the queries behind bridge.py.

A deal with no event since `since` (and whose owner changed no team) is *quiet*: it is the same
at both moments, so it is counted by one GROUP BY in the database and never loaded; only the
deals that changed are read and reconstructed, from plain columns (never ORM objects). A fixed
number of statements, whatever the size of the pipeline: stages, users, the history (2), the
changed deals, the quiet totals; a detailed bridge (the API, the meeting's agenda, the minutes) adds
the push-outs of 90 days, the quiet deals that want attention anyway, every deal's tasks and
activities (correlated columns of the deal rows) and titles. The review page asks for the bridge
without them and details only the deals it lists (detail(): two statements).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Row, Select, and_, case, exists, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from salesdesk.accounts.models import Activity, Company
from salesdesk.auth.models import User
from salesdesk.meetings import asof, bridge
from salesdesk.meetings.asof import DealState, plain_rows
from salesdesk.meetings.bridge import BridgeRow, DealChange, Scope, StageInfo, Totals, World
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
    derived: dict[str, Any] = field(default_factory=dict)  # what pages draw from the figures, kept with them

    @property
    def by_deal(self) -> dict[int, DealChange]:
        return {change.deal_id: change for change in self.deals}


ID_LIST_MAX = 5000  # more changed deals than this are found by a subquery (bind parameters are limited)


def changed_since(history: asof.History) -> ColumnElement[bool]:
    """Deals with an event after `since`, or (when any user changed team since) whose owner did. The
    history names them: by id (an index lookup each; PostgreSQL would scan every deal for the subquery)."""
    since, moves = history.after, bool(history.moves_by_user)
    if len(history.by_deal) <= ID_LIST_MAX:
        with_events = Deal.id.in_(sorted(history.by_deal))
    else:
        with_events = Deal.id.in_(select(DealEvent.deal_id).where(DealEvent.at > since))
    if not moves:
        return with_events
    return or_(with_events, Deal.owner_id.in_(select(TeamMove.user_id).where(TeamMove.at > since)))


async def compute(
    db: AsyncSession, scope: Scope, since: datetime, until: datetime, *, list_quiet: bool = False, detailed: bool = True
) -> Changes:
    """The bridge. `detailed=False` gives the figures, every changed deal's category and the flags its
    two states show, and no more: no quiet deal is loaded, and the caller adds the flags that need tasks
    and activities, and the titles, to the deals it shows (detail()), so a page that lists 50 deals per
    category does not read every deal's tasks."""
    stages = {
        row[0]: StageInfo(*row)
        for row in await db.execute(
            select(Stage.id, Stage.pipeline_id, Stage.name, Stage.position, Stage.probability, Stage.kind).add_columns(
                Stage.rotting_days
            )
        )
    }
    users = dict((await db.execute(select(User.id, User.team_id))).tuples().all())
    history = await asof.read_history(db, since)
    world = World(stages, users, history)
    query = asof.state_columns().where(changed_since(history))
    changed = {row[0]: row for row in await plain_rows(db, _with_activity(query, since, until) if detailed else query)}
    deals = []
    for deal_id in sorted(changed.keys() | history.by_deal.keys()):
        change = classified(world, scope, deal_id, changed.get(deal_id), since, until)
        if change is not None:
            deals.append(change)
    quiet_where = _quiet_where(scope, stages, since)
    quiet = await _quiet_totals(db, quiet_where, stages)
    flagged = []
    if detailed:
        pushed = await _pushed_repeatedly(db, until)
        flagged = await _quiet_flagged(db, quiet_where, stages, since, until, pushed)
        for row in flagged:
            state = asof.state_of(row)
            at_since, at_until = (bridge.place(world, scope, state, moment) for moment in (since, until))
            deals.append(DealChange(row[0], "unchanged", at_since, at_until, 0, quiet=True))
        _add_activity_flags(deals, changed | {row[0]: row for row in flagged}, pushed)
    result = assemble(scope, since, until, world, deals, quiet)
    if detailed:
        await load_titles(db, result, [change.deal_id for change in deals])
    if list_quiet:
        flagged_ids = {row[0] for row in flagged}
        for row in await _quiet_rows(db, quiet_where, flagged_ids, until):
            placed = bridge.place(world, scope, asof.state_of(row), until)
            flags = ["no_next_action"] if row.no_next else []
            result.quiet_deals.append(DealChange(row.id, "unchanged", placed, placed, 0, flags=flags, quiet=True))
            result.titles[row.id] = (row.title, row.company)
    return result


def classified(
    world: World, scope: Scope, deal_id: int, row: Row | None, since: datetime, until: datetime
) -> DealChange | None:
    """A changed deal's category and the flags its two states show; `row`: its state_columns() row
    now (None: deleted)."""
    change = bridge.classify(world, scope, deal_id, asof.state_of(row) if row else asof.GONE, since, until)
    if change is not None:
        bridge.add_state_flags(change)
    return change


def assemble(
    scope: Scope, since: datetime, until: datetime, world: World, deals: list[DealChange], quiet: list[Quiet]
) -> Changes:
    """The bridge of the classified deals and the quiet groups: its rows, start and end."""
    quiet_count = sum(q.count for q in quiet) - sum(1 for change in deals if change.quiet)  # flagged: in both
    result = Changes(
        scope, since, until, world, Totals(), Totals(), bridge.bridge_rows(deals, quiet_count), deals, quiet
    )
    _totals(result)
    return result


def advance(result: Changes, events: list[asof.Event], rows: dict[int, Row], until: datetime) -> Changes | None:
    """The same figures (a `detailed=False` bridge) up to `until`, with `events` (newer than every event
    it was computed from) added: only their deals are classified again, and a deal that was quiet leaves
    its quiet group. `rows`: those deals' state_columns() rows now. None when an event is older than one
    already read for its deal: the caller computes afresh."""
    old, scope, since = result.world.history, result.scope, result.since
    by_deal = dict(old.by_deal)
    for event in events:
        known = by_deal.get(event.deal_id, [])
        if any(e.id == event.id for e in known):
            continue  # read already by the computation this bridge was kept from
        if known and event.at < known[-1].at:
            return None
        by_deal[event.deal_id] = [*known, event]
    world = World(result.world.stages, result.world.teams_now, asof.History(old.after, by_deal, old.moves_by_user))
    affected = {event.deal_id for event in events}
    quiet = {(q.stage_id, q.owner_id): replace(q) for q in result.quiet}
    for deal_id in affected - old.by_deal.keys():
        row = rows.get(deal_id)
        then = world.history.state_at(deal_id, asof.state_of(row) if row else asof.GONE, since)
        if then.owner_id in old.moves_by_user:
            continue  # its owner changed team: classified already, not in a quiet group
        placed = bridge.place(world, scope, then, since)
        if placed is not None and placed.in_scope:
            group = quiet.get((then.stage_id, then.owner_id))
            if group is None:
                return None
            group.count -= 1
            group.amount_jpy -= placed.amount
            group.weighted_raw -= world.weighted_raw(then)
    deals = [change for change in result.deals if change.deal_id not in affected]
    for deal_id in sorted(affected):
        change = classified(world, scope, deal_id, rows.get(deal_id), since, until)
        if change is not None:
            deals.append(change)
    return assemble(scope, since, until, world, deals, [q for q in quiet.values() if q.count])


async def detail(db: AsyncSession, result: Changes, shown: list[DealChange]) -> None:
    """What a detailed bridge has more, for the deals shown only (of a `detailed=False` one): the
    flags from their tasks and activities, and their titles. Two statements."""
    ids = [change.deal_id for change in shown]
    pushed = await _pushed_repeatedly(db, result.until)
    company = select(Company.name).where(Company.id == Deal.company_id).scalar_subquery()  # an index lookup each
    query = _with_activity(select(Deal.id, Deal.title, company), result.since, result.until).where(Deal.id.in_(ids))
    rows = {row[0]: row for row in await plain_rows(db, query)}
    _add_activity_flags(shown, rows, pushed)
    _set_titles(result, ids, {deal_id: (row[1], row[2]) for deal_id, row in rows.items()})


async def load_titles(db: AsyncSession, result: Changes, deal_ids: list[int]) -> None:
    """The title and company of the listed deals of this bridge (only those: the others may be deals
    the actor does not see). One statement."""
    rows = await db.execute(
        select(Deal.id, Deal.title, Company.name)
        .join(Company, Company.id == Deal.company_id)
        .where(Deal.id.in_(deal_ids))
    )
    _set_titles(result, deal_ids, {deal_id: (title, company) for deal_id, title, company in rows})


def _set_titles(result: Changes, deal_ids: list[int], found: dict[int, tuple[str, str]]) -> None:
    """The titles found, and a deleted deal's from what its deletion kept."""
    for deal_id in deal_ids:
        if deal_id not in found:
            kept = result.world.history.tombstone(deal_id)
            found[deal_id] = (kept.get("title", f"#{deal_id}"), kept.get("company", ""))
    result.titles.update(found)


def _add_activity_flags(deals: list[DealChange], rows: dict[int, Row], pushed: set[int]) -> None:
    """`rows`: the deals' _with_activity rows (none for a deleted deal: no task, no activity then)."""
    for change in deals:
        row = rows.get(change.deal_id)
        info = _activity_of(row) if row is not None else bridge.Activity()
        bridge.add_activity_flags(change, pushed_repeatedly=change.deal_id in pushed, activity=info)


def _quiet_where(scope: Scope, stages: dict[int, StageInfo], since: datetime) -> list[ColumnElement[bool]]:
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


async def _quiet_totals(db: AsyncSession, where: list, stages: dict[int, StageInfo]) -> list[Quiet]:
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
    db: AsyncSession, where: list, stages: dict[int, StageInfo], since: datetime, until: datetime, pushed: set[int]
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
    query = _with_activity(asof.state_columns(), since, until).where(*where, or_(*reasons))
    return list(await plain_rows(db, query))


def _open_then(moment: datetime) -> list[ColumnElement[bool]]:
    """The deal's tasks open at `moment`: created by then, not yet done or cancelled."""
    done_at = func.coalesce(Task.completed_at, Task.updated_at)
    return [Task.deal_id == Deal.id, Task.created_at <= moment, or_(Task.status == TaskStatus.open, done_at > moment)]


def open_task_at(moment: datetime) -> ColumnElement[bool]:
    """The deal had an open task at `moment` (a filter over many deals)."""
    return exists(select(Task.id).where(*_open_then(moment)))


def _with_activity(query: Select, since: datetime, until: datetime) -> Select:
    """The deal rows with what stale-ness needs at `since` and at `until` (correlated, so only the
    rows read pay for it): whether a task was open, the newest activity and the newest done task."""
    open_tasks = [select(func.count(Task.id)).where(*_open_then(m)).scalar_subquery() for m in (since, until)]
    columns = [Deal.created_at, *open_tasks]  # counted per row: PostgreSQL would hash an EXISTS over all tasks
    for moment in (since, until):
        columns.append(
            select(func.max(Activity.occurred_at))
            .where(Activity.deal_id == Deal.id, Activity.occurred_at <= moment)
            .scalar_subquery()
        )
        columns.append(
            select(func.max(Task.completed_at))
            .where(Task.deal_id == Deal.id, Task.status == TaskStatus.done, Task.completed_at <= moment)
            .scalar_subquery()
        )
    return query.add_columns(*columns)


def _activity_of(row: Row) -> bridge.Activity:
    """A _with_activity row's last seven columns as the Activity the flags read."""
    created_at, open_since, open_until, act_since, done_since, act_until, done_until = row[-7:]
    return bridge.Activity(
        created_at,
        {"since": _newest(act_since, done_since), "until": _newest(act_until, done_until)},
        {"since": bool(open_since), "until": bool(open_until)},
    )


def _newest(a: datetime | None, b: datetime | None) -> datetime | None:
    return a if b is None else b if a is None else max(a, b)


async def _quiet_rows(db: AsyncSession, where: list, flagged: set[int], until: datetime) -> list:
    """Every other unchanged deal of the scope (the API lists them all), and whether it had no
    open task at `until`."""
    query = (
        asof.state_columns()
        .add_columns(Deal.title, Company.name.label("company"), (~open_task_at(until)).label("no_next"))
        .join(Company, Company.id == Deal.company_id)
        .where(*where)
        .order_by(Deal.id)
    )
    return [row for row in await plain_rows(db, query) if row.id not in flagged]


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

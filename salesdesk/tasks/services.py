"""Tasks and next actions: a deal's next action is its earliest open task.

Completing a task can log it as an activity and schedule the next one in the same step;
when it leaves an open deal without a next action the caller is told to ask for one (or,
with the admin setting `require_next_action`, the completion is refused until one is given).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import Row, bindparam, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload, selectinload

from salesdesk import sync
from salesdesk.accounts.forms import ActivityInput
from salesdesk.accounts.models import Activity, ActivityKind, Company, Person
from salesdesk.accounts.services import get_company
from salesdesk.accounts.timeline import add_activity, touch_deal
from salesdesk.auth import policy
from salesdesk.auth.models import User
from salesdesk.calendar import series
from salesdesk.clock import Clock
from salesdesk.db import plain
from salesdesk.errors import Forbidden, Invalid, NotFound
from salesdesk.pipeline import access, setup
from salesdesk.pipeline.forms import NextActionInput
from salesdesk.pipeline.models import Deal, Stage, StageKind
from salesdesk.tasks.forms import CompletionInput, TaskInput
from salesdesk.tasks.models import Task, TaskKind, TaskStatus, earliest_first
from salesdesk.versions import check_version, flush_or_stale
from salesdesk.webhooks import outbox

ACTIVITY_KIND = {
    TaskKind.call: ActivityKind.call,
    TaskKind.visit: ActivityKind.visit,
    TaskKind.meeting: ActivityKind.meeting,
    TaskKind.email: ActivityKind.email,
    TaskKind.todo: ActivityKind.note,
}


# --- reading -------------------------------------------------------------------------------


async def get_task(db: AsyncSession, actor: User, task_id: int) -> Task:
    task = await db.scalar(
        select(Task)
        .where(Task.id == task_id, access.owned_by_visible(actor, Task.owner_id))
        .options(
            selectinload(Task.deal), selectinload(Task.company), selectinload(Task.persons), selectinload(Task.owner)
        )
    )
    if task is None:
        raise NotFound("task")
    return task


async def ensure_may_edit(db: AsyncSession, actor: User, task: Task) -> None:
    if not policy.may_edit_task(actor, owner_id=task.owner_id, owner_team_id=await access.team_of(db, task.owner_id)):
        raise Forbidden("task.edit")


async def next_actions(db: AsyncSession, deal_ids: list[int]) -> dict[int, Task]:
    """Each deal's next action (its earliest open task), for many deals in one query."""
    if not deal_ids:
        return {}
    found: dict[int, Task] = {}
    for task in await db.scalars(
        select(Task).where(Task.deal_id.in_(deal_ids), Task.status == TaskStatus.open).order_by(*earliest_first())
    ):
        found.setdefault(task.deal_id, task)  # type: ignore[arg-type]
    return found


# Built once: the deal ids are one expanding parameter (building an IN of a hundred values costs more than
# running it).
NEXT_ACTION_ROWS = (
    select(Task.id, Task.deal_id, Task.title, Task.due_on, Task.starts_at)
    .where(Task.deal_id.in_(bindparam("deal_ids", expanding=True)), Task.status == TaskStatus.open)
    .order_by(*earliest_first())
)


async def next_action_rows(db: AsyncSession, deal_ids: list[int]) -> dict[int, Row]:
    """next_actions as plain rows of what a board card shows (id, deal_id, title, due_on, starts_at):
    the board reads a hundred and needs no Task objects."""
    if not deal_ids:
        return {}
    found: dict[int, Row] = {}
    for row in plain(await db.execute(NEXT_ACTION_ROWS, {"deal_ids": deal_ids})):
        found.setdefault(row.deal_id, row)
    return found


async def next_action(db: AsyncSession, deal_id: int) -> Task | None:
    return (await next_actions(db, [deal_id])).get(deal_id)


DEAL_TASKS = (
    select(Task)
    .where(Task.deal_id == bindparam("deal_id"))
    .options(joinedload(Task.owner), joinedload(Task.persons))  # owner and persons joined: one statement
    .order_by(*earliest_first())
)


async def deal_tasks(db: AsyncSession, deal_id: int) -> list[Task]:
    """The deal's open tasks (earliest first), then its done and cancelled ones (newest first)."""
    tasks = list((await db.scalars(DEAL_TASKS, {"deal_id": deal_id})).unique())
    open_ = [t for t in tasks if t.is_open]
    closed = sorted((t for t in tasks if not t.is_open), key=lambda t: t.completed_at or t.updated_at, reverse=True)
    return open_ + closed


async def tasks_changed(
    db: AsyncSession,
    actor: User,
    window: sync.Window,
    *,
    deal_id: int | None = None,
    company_id: int | None = None,
) -> tuple[list[Task], str | None]:
    """The tasks the actor sees (get_task's rule), of one deal or company if given, oldest change
    first, for the API's sync."""
    query = (
        select(Task)
        .where(access.owned_by_visible(actor, Task.owner_id))
        .options(selectinload(Task.persons), selectinload(Task.owner))
    )
    if deal_id is not None:
        query = query.where(Task.deal_id == deal_id)
    if company_id is not None:
        query = query.where(Task.company_id == company_id)
    return await sync.page(db, query, Task, window)


# --- writing -------------------------------------------------------------------------------


@dataclass
class TaskValues:
    title: str
    kind: str
    due_on: date
    starts_at: datetime | None
    ends_at: datetime | None
    owner_id: int
    notes: str
    reminder_minutes: int | None


async def _owner(db: AsyncSession, actor: User, data: TaskInput, task: Task | None) -> User:
    """Who the task is for: the actor (or the task's owner) unless another active user may be given it."""
    current = task.owner if task is not None else actor
    if data.owner_id is None or (current is not None and data.owner_id == current.id):
        return current or actor
    owner = await db.scalar(select(User).where(User.id == data.owner_id, User.is_active.is_(True)))
    if owner is None:
        raise Invalid(owner_id="owner.unknown")
    if not policy.may_assign_deal_to(actor, owner_id=owner.id, owner_team_id=owner.team_id):
        raise Invalid(owner_id="owner.rep_cannot_assign")
    return owner


async def _values(db: AsyncSession, actor: User, clock: Clock, data: TaskInput, task: Task | None) -> TaskValues:
    """The task's columns; a time of day is read in the owner's zone (their calendar shows it)."""
    owner = await _owner(db, actor, data, task)
    starts_at = ends_at = None
    if data.due_time is not None:
        starts_at = clock.for_user(owner).at(data.due_on, data.due_time)
        ends_at = starts_at + timedelta(minutes=data.duration_minutes)
    reminder = data.reminder_minutes
    return TaskValues(data.title, data.kind, data.due_on, starts_at, ends_at, owner.id, data.notes, reminder)


async def _persons(db: AsyncSession, company_id: int | None, person_ids: tuple[int, ...] | list[int]) -> list[Person]:
    ids = set(person_ids)
    if not ids:
        return []
    persons = list(await db.scalars(select(Person).where(Person.id.in_(ids), Person.company_id == company_id)))
    if len(persons) != len(ids):
        raise Invalid(person_ids="person.unknown")
    return persons


async def ensure_may_add(db: AsyncSession, actor: User, *, deal_id: int | None, company_id: int | None) -> None:
    """A task on a deal only by its editors (NotFound/Forbidden); on a company by anyone who sees it."""
    if deal_id is not None:
        await access.ensure_may_edit(db, actor, await access.get_deal(db, actor, deal_id))
    elif company_id is not None:
        await get_company(db, actor, company_id)


async def create_task(db: AsyncSession, actor: User, clock: Clock, data: TaskInput) -> Task:
    """A task of the actor's (or, for managers, a team member's); on a deal only for its editors."""
    deal: Deal | None = None
    company: Company | None = None
    if data.deal_id is not None:
        deal = await access.get_deal(db, actor, data.deal_id)
        await access.ensure_may_edit(db, actor, deal)
        company = deal.company
    elif data.company_id is not None:
        company = await get_company(db, actor, data.company_id)
    values = await _values(db, actor, clock, data, None)
    task = Task(
        **vars(values),
        deal_id=deal.id if deal else None,
        company_id=company.id if company else None,
        persons=await _persons(db, company.id if company else None, data.person_ids),
    )
    await series.set_repeat(db, task, data.repeat, data.repeat_until)
    db.add(task)
    await db.flush()
    return task


async def update_task(db: AsyncSession, actor: User, clock: Clock, task_id: int, data: TaskInput) -> Task:
    task = await get_task(db, actor, task_id)
    await ensure_may_edit(db, actor, task)
    values = await _values(db, actor, clock, data, task)
    await check_version(db, task, data.seen_version, vars(values))
    persons = await _persons(db, task.company_id, data.person_ids)
    for key, value in vars(values).items():
        setattr(task, key, value)
    task.persons = persons
    await series.set_repeat(db, task, data.repeat, data.repeat_until)
    task.sequence += 1  # calendars take the change as an update of the same event
    await flush_or_stale(db, task, vars(values))
    return task


async def cancel_task(
    db: AsyncSession, actor: User, task_id: int, *, seen_version: int, clock: Clock | None = None
) -> Task:
    """Cancelling one occurrence of a 定例 keeps the series: its next occurrence is scheduled.
    `completed_at` says when the task was closed, cancelled as well as done."""
    task = await get_task(db, actor, task_id)
    await ensure_may_edit(db, actor, task)
    await check_version(db, task, seen_version if task.is_open else None, {"status": TaskStatus.cancelled})
    task.status, task.completed_at = TaskStatus.cancelled, (clock or Clock.of(actor)).now()
    task.sequence += 1
    await flush_or_stale(db, task, {"status": TaskStatus.cancelled})
    await series.schedule_next(db, task, clock or Clock.of(actor))
    return task


async def reopen_task(db: AsyncSession, actor: User, task_id: int) -> Task:
    """Open again a task that a deal's close finished, when the close is undone (pipeline/moves.py);
    the pages and the API never reopen a task by hand."""
    task = await get_task(db, actor, task_id)
    await ensure_may_edit(db, actor, task)
    task.status, task.completed_at = TaskStatus.open, None
    task.sequence += 1  # calendars show it again
    await flush_or_stale(db, task, {"status": TaskStatus.open})
    return task


@dataclass
class Completion:
    task: Task
    activity: Activity | None = None
    next_task: Task | None = None
    needs_next_action: bool = False  # an open deal is left without a next action: ask for one


async def complete_task(db: AsyncSession, actor: User, clock: Clock, task_id: int, data: CompletionInput) -> Completion:
    task = await get_task(db, actor, task_id)
    await ensure_may_edit(db, actor, task)
    await check_version(db, task, data.seen_version if task.is_open else None, {"status": TaskStatus.done})
    deal = task.deal
    needs_next = False
    asks_next = deal is not None and data.next_action is None and task.recurrence is None  # a 定例 follows itself
    if asks_next and await _leaves_deal_without_next(db, deal, task):
        if (await setup.sales_settings(db)).require_next_action:
            raise Invalid(next_title="next_action.required")
        needs_next = True
    if data.log_activity and task.company_id is None:
        raise Invalid(log_activity="task.no_company")
    now = clock.now()
    completed = {"status": (task.status, TaskStatus.done), "completed_at": (task.completed_at, now)}
    task.status, task.completed_at = TaskStatus.done, now
    task.sequence += 1
    await flush_or_stale(db, task, {"status": TaskStatus.done})  # first: of two completions one wins here
    await outbox.record(db, "task.completed", task, completed, actor)
    activity = None
    if data.log_activity:
        activity = await add_activity(
            db,
            actor,
            task.company_id,  # type: ignore[arg-type]
            ActivityInput(
                subject=task.title,
                kind=ACTIVITY_KIND.get(task.kind, ActivityKind.note),
                body=data.outcome,
                person_ids=tuple(p.id for p in task.persons),
            ),
            clock=clock,
            deal_id=task.deal_id,
            task_id=task.id,
        )
    if deal is not None:
        await touch_deal(db, deal.id, now)
    await series.schedule_next(db, task, clock)  # a 定例's next occurrence
    next_task = None
    if data.next_action is not None:
        next_task = await create_next_action(
            db,
            actor,
            clock,
            data.next_action,
            deal_id=task.deal_id,
            company_id=task.company_id,
            person_ids=[p.id for p in task.persons],
        )
    await db.flush()
    return Completion(task, activity, next_task, needs_next)


async def _leaves_deal_without_next(db: AsyncSession, deal: Deal, task: Task) -> bool:
    if await db.scalar(select(Stage.kind).where(Stage.id == deal.stage_id)) != StageKind.open:
        return False
    others = await db.scalar(
        select(func.count()).where(Task.deal_id == deal.id, Task.status == TaskStatus.open, Task.id != task.id)
    )
    return not others


async def create_next_action(
    db: AsyncSession,
    actor: User,
    clock: Clock,
    action: NextActionInput,
    *,
    deal_id: int | None,
    company_id: int | None = None,
    person_ids: list[int] | None = None,
) -> Task:
    """The next action given with a deal form, a move or a completion: the actor's task (errors keyed next_*)."""
    data = TaskInput(
        title=action.title,
        kind=action.kind,
        due_on=action.due_on,
        due_time=action.due_time,
        deal_id=deal_id,
        company_id=None if deal_id is not None else company_id,
        person_ids=tuple(person_ids or ()),
    )
    try:
        return await create_task(db, actor, clock, data)
    except Invalid as error:
        raise Invalid(
            **{
                f"next_{key}" if key in ("title", "kind", "due_on", "due_time") else key: value
                for key, value in error.errors.items()
            }
        ) from error


async def has_open_task(db: AsyncSession, deal_id: int) -> bool:
    return bool(
        await db.scalar(select(Task.id).where(Task.deal_id == deal_id, Task.status == TaskStatus.open).limit(1))
    )

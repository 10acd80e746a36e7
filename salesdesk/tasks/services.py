"""Tasks and next actions: a deal's next action is its earliest open task.

Completing a task can log it as an activity and schedule the next one in the same step;
when it leaves an open deal without a next action the caller is told to ask for one (or,
with the admin setting `require_next_action`, the completion is refused until one is given).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from salesdesk.accounts.forms import ActivityForm
from salesdesk.accounts.models import Activity, Company, Person
from salesdesk.accounts.services import get_company
from salesdesk.accounts.timeline import add_activity, touch_deal
from salesdesk.auth import policy
from salesdesk.auth.models import User
from salesdesk.db import utcnow
from salesdesk.errors import Forbidden, Invalid, NotFound
from salesdesk.i18n import local_today
from salesdesk.ids import parse_id
from salesdesk.pipeline import access, setup
from salesdesk.pipeline.forms import NextActionFields, parse_date, parse_time
from salesdesk.pipeline.models import Deal, Stage, StageKind
from salesdesk.tasks.forms import CompleteForm, TaskForm
from salesdesk.tasks.models import Task, TaskKind, TaskStatus, earliest_first
from salesdesk.versions import check_version, flush_or_stale

DEFAULT_DURATION = 60  # minutes of a timed task without a length
ACTIVITY_KIND = {
    TaskKind.call: "call",
    TaskKind.visit: "visit",
    TaskKind.meeting: "meeting",
    TaskKind.email: "email",
    TaskKind.todo: "note",
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


async def next_action(db: AsyncSession, deal_id: int) -> Task | None:
    return (await next_actions(db, [deal_id])).get(deal_id)


async def deal_tasks(db: AsyncSession, deal_id: int) -> list[Task]:
    """The deal's open tasks (earliest first), then its done and cancelled ones (newest first)."""
    tasks = list(
        await db.scalars(
            select(Task)
            .where(Task.deal_id == deal_id)
            .options(selectinload(Task.owner), selectinload(Task.persons))
            .order_by(*earliest_first())
        )
    )
    open_ = [t for t in tasks if t.is_open]
    closed = sorted((t for t in tasks if not t.is_open), key=lambda t: t.completed_at or t.updated_at, reverse=True)
    return open_ + closed


@dataclass
class TaskBuckets:
    overdue: list[Task] = field(default_factory=list)
    today: list[Task] = field(default_factory=list)
    this_week: list[Task] = field(default_factory=list)
    later: list[Task] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.overdue) + len(self.today) + len(self.this_week) + len(self.later)


async def my_tasks(db: AsyncSession, actor: User, *, today: date | None = None, limit: int = 200) -> TaskBuckets:
    """The actor's open tasks: overdue, today, the rest of this week (to Sunday), later."""
    today = today or local_today()
    week_end = today + timedelta(days=6 - today.weekday())
    tasks = await db.scalars(
        select(Task)
        .where(Task.owner_id == actor.id, Task.status == TaskStatus.open)
        .options(selectinload(Task.deal), selectinload(Task.company))
        .order_by(*earliest_first())
        .limit(limit)
    )
    buckets = TaskBuckets()
    for task in tasks:
        if task.due_on < today:
            buckets.overdue.append(task)
        elif task.due_on == today:
            buckets.today.append(task)
        elif task.due_on <= week_end:
            buckets.this_week.append(task)
        else:
            buckets.later.append(task)
    return buckets


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


async def _clean(db: AsyncSession, actor: User, form: TaskForm, task: Task | None) -> TaskValues:
    errors: dict[str, str] = {}
    title = " ".join(form.title.split())[:200]
    if not title:
        errors["title"] = "required"
    if form.kind not in TaskKind.__members__:
        errors["kind"] = "choice.invalid"
    due_on = clock = None
    try:
        due_on = parse_date(form.due_on)
        if due_on is None:
            errors["due_on"] = "required"
    except ValueError:
        errors["due_on"] = "date.invalid"
    try:
        clock = parse_time(form.due_time)
    except ValueError:
        errors["due_time"] = "time.invalid"
    minutes = parse_id(form.duration_minutes) or DEFAULT_DURATION
    if not 5 <= minutes <= 24 * 60:
        errors["duration_minutes"] = "duration.invalid"
    owner_id = parse_id(form.owner_id) or (task.owner_id if task else None) or actor.id
    if owner_id != (task.owner_id if task else actor.id):
        owner = await db.scalar(select(User).where(User.id == owner_id, User.is_active.is_(True)))
        if owner is None:
            errors["owner_id"] = "owner.unknown"
        elif not policy.may_assign_deal_to(actor, owner_id=owner.id, owner_team_id=owner.team_id):
            errors["owner_id"] = "owner.rep_cannot_assign"
    if errors:
        raise Invalid(**errors)
    assert due_on is not None
    starts_at = ends_at = None
    if clock is not None:
        starts_at = datetime.combine(due_on, clock, tzinfo=ZoneInfo(actor.time_zone))
        ends_at = starts_at + timedelta(minutes=minutes)
    return TaskValues(title, form.kind, due_on, starts_at, ends_at, owner_id, form.notes.strip())


async def _persons(db: AsyncSession, company_id: int | None, person_ids: list[str] | tuple[str, ...]) -> list[Person]:
    ids = {i for p in person_ids if (i := parse_id(str(p))) is not None}
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


async def create_task(
    db: AsyncSession, actor: User, form: TaskForm, person_ids: list[str] | tuple[str, ...] = ()
) -> Task:
    """A task of the actor's (or, for managers, a team member's); on a deal only for its editors."""
    deal: Deal | None = None
    company: Company | None = None
    if (deal_id := parse_id(form.deal_id)) is not None:
        deal = await access.get_deal(db, actor, deal_id)
        await access.ensure_may_edit(db, actor, deal)
        company = deal.company
    elif (company_id := parse_id(form.company_id)) is not None:
        company = await get_company(db, actor, company_id)
    values = await _clean(db, actor, form, None)
    task = Task(
        **vars(values),
        deal_id=deal.id if deal else None,
        company_id=company.id if company else None,
        persons=await _persons(db, company.id if company else None, person_ids),
    )
    db.add(task)
    await db.flush()
    return task


async def update_task(
    db: AsyncSession, actor: User, task_id: int, form: TaskForm, person_ids: list[str] | tuple[str, ...] = ()
) -> Task:
    task = await get_task(db, actor, task_id)
    await ensure_may_edit(db, actor, task)
    values = await _clean(db, actor, form, task)
    await check_version(db, task, form.version, vars(values))
    persons = await _persons(db, task.company_id, person_ids)
    for key, value in vars(values).items():
        setattr(task, key, value)
    task.persons = persons
    task.sequence += 1  # calendars take the change as an update of the same event
    await flush_or_stale(db, task, vars(values))
    return task


async def cancel_task(db: AsyncSession, actor: User, task_id: int, *, seen_version: int) -> Task:
    task = await get_task(db, actor, task_id)
    await ensure_may_edit(db, actor, task)
    await check_version(db, task, seen_version if task.is_open else None, {"status": TaskStatus.cancelled})
    task.status = TaskStatus.cancelled
    task.sequence += 1
    await flush_or_stale(db, task, {"status": TaskStatus.cancelled})
    return task


@dataclass
class Completion:
    task: Task
    activity: Activity | None = None
    next_task: Task | None = None
    needs_next_action: bool = False  # an open deal is left without a next action: ask for one


async def complete_task(db: AsyncSession, actor: User, task_id: int, form: CompleteForm) -> Completion:
    task = await get_task(db, actor, task_id)
    await ensure_may_edit(db, actor, task)
    await check_version(db, task, form.version if task.is_open else None, {"status": TaskStatus.done})
    deal = task.deal
    needs_next = False
    if form.wants_next_action and (errors := next_action_errors(form)):
        raise Invalid(**errors)
    if deal is not None and not form.wants_next_action and await _leaves_deal_without_next(db, deal, task):
        if (await setup.sales_settings(db)).require_next_action:
            raise Invalid(next_title="next_action.required")
        needs_next = True
    if form.log_activity == "1" and task.company_id is None:
        raise Invalid(log_activity="task.no_company")
    now = utcnow()
    task.status, task.completed_at = TaskStatus.done, now
    task.sequence += 1
    await flush_or_stale(db, task, {"status": TaskStatus.done})  # first: of two completions one wins here
    activity = None
    if form.log_activity == "1":
        activity = await add_activity(
            db,
            actor,
            task.company_id,  # type: ignore[arg-type]
            ActivityForm(kind=ACTIVITY_KIND.get(task.kind, "note"), subject=task.title, body=form.outcome),
            [str(p.id) for p in task.persons],
            deal_id=task.deal_id,
            task_id=task.id,
        )
    if deal is not None:
        await touch_deal(db, deal.id, now)
    next_task = None
    if form.wants_next_action:
        next_task = await create_next_action(
            db,
            actor,
            form,
            deal_id=task.deal_id,
            company_id=task.company_id,
            person_ids=[str(p.id) for p in task.persons],
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
    fields: NextActionFields,
    *,
    deal_id: int | None,
    company_id: int | None = None,
    person_ids: list[str] | None = None,
) -> Task:
    """The next action typed into a deal form, a move or a completion (errors keyed next_*)."""
    form = TaskForm(
        title=fields.next_title,
        kind=fields.next_kind,
        due_on=fields.next_due_on,
        due_time=fields.next_due_time,
        deal_id=str(deal_id or ""),
        company_id=str(company_id or ""),
    )
    try:
        return await create_task(db, actor, form, person_ids or [])
    except Invalid as error:
        raise Invalid(
            **{
                f"next_{key}" if key in ("title", "kind", "due_on", "due_time") else key: value
                for key, value in error.errors.items()
            }
        ) from error


def next_action_errors(fields: NextActionFields) -> dict[str, str]:
    """What is wrong with a typed next action, keyed by its next_* fields (checked before any write)."""
    errors = {}
    if not " ".join(fields.next_title.split()):
        errors["next_title"] = "required"
    if fields.next_kind not in TaskKind.__members__:
        errors["next_kind"] = "choice.invalid"
    for key, parse in (("next_due_on", parse_date), ("next_due_time", parse_time)):
        try:
            value = parse(getattr(fields, key))
        except ValueError:
            errors[key] = "time.invalid" if key == "next_due_time" else "date.invalid"
        else:
            if value is None and key == "next_due_on":
                errors[key] = "required"
    return errors


async def has_open_task(db: AsyncSession, deal_id: int) -> bool:
    return bool(
        await db.scalar(select(Task.id).where(Task.deal_id == deal_id, Task.status == TaskStatus.open).limit(1))
    )

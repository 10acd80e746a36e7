"""/api/v1/tasks: follow-ups and next actions, read and written through tasks.services like the
pages. A task is seen like a deal (its owner, their team, managers also nobody's; another team's
is 404) and changed by its owner, their manager and admins (403 for a teammate). PATCH `status`
is the pages' completion (`done`: log it? plan the next action?) or cancellation; a done or
cancelled task is not reopened. Tasks are never deleted (the pages cancel them)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from typing import Annotated

from litestar import get, patch, post
from litestar.params import JSONBody, Parameter
from msgspec import UNSET, Meta, Struct, UnsetType
from sqlalchemy.ext.asyncio import AsyncSession

from salesdesk import sync
from salesdesk.api.common import ITEM_ID, Cursor, Limit, UpdatedSince, as_form, given
from salesdesk.api.errors import READ_ERRORS, WRITE_ERRORS, shows
from salesdesk.auth.models import User
from salesdesk.calendar.recurrence import Repeat, repeat_of
from salesdesk.clock import Clock
from salesdesk.deps import DB, Actor, Now
from salesdesk.errors import Invalid
from salesdesk.inputs import NOTES, TITLE
from salesdesk.tasks import services
from salesdesk.tasks.forms import MAX_DURATION, CompleteForm, TaskForm, parse_completion, parse_task, task_form
from salesdesk.tasks.models import Task, TaskKind, TaskStatus

TAGS = ["tasks"]
Id = Annotated[int, Meta(ge=1, le=2**53)]
Title = Annotated[str, Meta(max_length=TITLE)]
Notes = Annotated[str, Meta(max_length=NOTES)]
HHMM = Annotated[str, Meta(pattern=r"^\d{1,2}:\d{2}$", description="HH:MM in the owner's time zone; null: all day.")]
Minutes = Annotated[int, Meta(ge=5, le=MAX_DURATION, description="A timed task's length; default 60.")]
OWNER = "Whose task it is; default the token's user (a rep gives tasks only to themselves, a manager to the team)."
REMINDER = "Minutes before the start (all day: before 9:00 of the day) its calendar reminds; null: none."
REPEAT = "定例: it repeats (the next occurrence is planned when this one is done or cancelled); null: once."
Reminder = Annotated[int, Meta(ge=-MAX_DURATION, le=7 * MAX_DURATION, description=REMINDER)]
DONE_ONLY = "Only with `status` done (the completion step); ignored otherwise."
STATUS = "`done` completes it (as the page does), `cancelled` cancels it; an open task only."
DealFilter = Annotated[int | None, Parameter(ge=1, le=2**53, description="Only this deal's tasks.")]
CompanyFilter = Annotated[
    int | None, Parameter(ge=1, le=2**53, description="Only this company's tasks (its deals' too).")
]


class TaskOut(Struct):
    id: int
    title: str
    kind: TaskKind
    status: TaskStatus
    due_on: Annotated[date, Meta(description="The day it is due, in its owner's calendar.")]
    due_time: Annotated[str | None, Meta(description="HH:MM in the owner's time zone; null: all day.")]
    duration_minutes: int | None
    starts_at: Annotated[datetime | None, Meta(description="A timed task's start (UTC); null: all day.")]
    ends_at: datetime | None
    owner_id: int | None
    deal_id: int | None
    company_id: int | None
    person_ids: list[int]
    notes: str
    completed_at: datetime | None
    reminder_minutes: Annotated[int | None, Meta(description=REMINDER)]
    repeat: Annotated[Repeat | None, Meta(description=REPEAT)]
    repeat_until: Annotated[date | None, Meta(description="The series' last day; null: open-ended.")]
    created_at: datetime
    updated_at: datetime
    version: int

    @classmethod
    def of(cls, t: Task) -> TaskOut:
        """`t.owner` and `t.persons` loaded (services.get_task and tasks_changed load them)."""
        form = task_form(t)
        minutes = int(form.duration_minutes) if form.duration_minutes else None
        repeat, until = repeat_of(t.recurrence)
        return cls(
            t.id, t.title, TaskKind(t.kind), TaskStatus(t.status), t.due_on, form.due_time or None, minutes,
            t.starts_at, t.ends_at, t.owner_id, t.deal_id, t.company_id, [p.id for p in t.persons], t.notes,
            t.completed_at, t.reminder_minutes, repeat, until, t.created_at, t.updated_at, t.version,
        )  # fmt: skip


shows(Task, TaskOut.of)


class TaskList(Struct):
    items: list[TaskOut]
    next_cursor: str | None


class TaskFields(Struct, forbid_unknown_fields=True, kw_only=True):
    kind: TaskKind | UnsetType = UNSET
    due_time: HHMM | None | UnsetType = UNSET
    duration_minutes: Minutes | None | UnsetType = UNSET
    owner_id: Annotated[Id, Meta(description=OWNER)] | UnsetType = UNSET
    notes: Notes | UnsetType = UNSET
    person_ids: Annotated[list[Id], Meta(max_length=100, description="Persons of its company.")] | UnsetType = UNSET
    reminder_minutes: Reminder | None | UnsetType = UNSET
    repeat: Annotated[Repeat | None, Meta(description=REPEAT)] | UnsetType = UNSET
    repeat_until: Annotated[date | None, Meta(description="The series' last day; null: open-ended.")] | UnsetType = (
        UNSET
    )


class TaskCreate(TaskFields, kw_only=True):
    title: Title
    due_on: date
    deal_id: Annotated[Id, Meta(description="A deal's task: only its editors add one.")] | UnsetType = UNSET
    company_id: Annotated[Id, Meta(description="An account's task (without `deal_id`).")] | UnsetType = UNSET


class TaskPatch(TaskFields, kw_only=True):
    version: Annotated[int, Meta(description="The version you read; a stale one gets 409 with `current`.")]
    title: Title | UnsetType = UNSET
    due_on: date | UnsetType = UNSET
    status: Annotated[TaskStatus, Meta(description=STATUS)] | UnsetType = UNSET
    log_activity: Annotated[bool, Meta(description="Log it on the timeline. " + DONE_ONLY)] | UnsetType = UNSET
    outcome: Annotated[Notes, Meta(description="What came of it (the activity's notes). " + DONE_ONLY)] | (
        UnsetType
    ) = UNSET
    next_title: Annotated[Title, Meta(description="The next action to plan. " + DONE_ONLY)] | UnsetType = UNSET
    next_kind: TaskKind | UnsetType = UNSET
    next_due_on: date | UnsetType = UNSET
    next_due_time: HHMM | UnsetType = UNSET


# What only the completion step takes; any other field the body names is saved the edit page's way.
COMPLETION = {"status", "log_activity", "outcome", "next_title", "next_kind", "next_due_on", "next_due_time"}


async def _out(db: AsyncSession, actor: User, task: Task) -> TaskOut:
    """The task as the API shows it, read again with its owner (whose zone its time is in): a new
    owner_id does not change an owner loaded before, so that is read again too."""
    db.expire(task, ["owner"])
    return TaskOut.of(await services.get_task(db, actor, task.id))


def _person_ids(body: TaskFields, task: Task | None = None) -> list[str]:
    if isinstance(body.person_ids, UnsetType):
        return [str(p.id) for p in task.persons] if task is not None else []
    return [str(p) for p in body.person_ids]


@get("/tasks", responses=READ_ERRORS, tags=TAGS, summary="Tasks the user sees, oldest change first")
async def list_tasks(
    db_session: DB,
    actor: Actor,
    limit: Limit = sync.DEFAULT_LIMIT,
    cursor: Cursor = None,
    updated_since: UpdatedSince = None,
    deal_id: DealFilter = None,
    company_id: CompanyFilter = None,
) -> TaskList:
    window = sync.parse_window(limit, cursor, updated_since)
    rows, next_cursor = await services.tasks_changed(db_session, actor, window, deal_id=deal_id, company_id=company_id)
    return TaskList([TaskOut.of(row) for row in rows], next_cursor)


@get("/tasks/{task_id:int}", responses=WRITE_ERRORS, tags=TAGS, summary="One task")
async def get_task(db_session: DB, actor: Actor, task_id: Annotated[int, ITEM_ID]) -> TaskOut:
    return TaskOut.of(await services.get_task(db_session, actor, task_id))


@post("/tasks", responses=WRITE_ERRORS, tags=TAGS, summary="Add a task (on a deal, an account, or neither)")
async def create_task(db_session: DB, actor: Actor, clock: Now, data: JSONBody[TaskCreate]) -> TaskOut:
    task = await services.create_task(
        db_session, actor, clock, parse_task(as_form(TaskForm, data, reminder_minutes="reminder"), _person_ids(data))
    )
    return await _out(db_session, actor, task)


@patch("/tasks/{task_id:int}", responses=WRITE_ERRORS, tags=TAGS, summary="Change, complete or cancel a task")
async def update_task(
    db_session: DB, actor: Actor, clock: Now, task_id: Annotated[int, ITEM_ID], data: JSONBody[TaskPatch]
) -> TaskOut:
    task = await services.get_task(db_session, actor, task_id)
    closing = data.status if data.status not in (UNSET, task.status) else None
    if closing == TaskStatus.open:  # the pages never reopen a done or cancelled task
        await services.ensure_may_edit(db_session, actor, task)
        raise Invalid(status="choice.invalid")
    seen = data.version
    if closing is None or set(given(data)) - COMPLETION - {"version"}:
        form = parse_task(
            as_form(TaskForm, data, task_form(task), reminder_minutes="reminder"), _person_ids(data, task)
        )
        task = await services.update_task(db_session, actor, clock, task_id, form)
        seen = task.version  # the edit checked `version`; the completion follows it in the same step
    if closing is not None:
        task = await _close(db_session, actor, clock, task_id, data, closing, seen)
    return await _out(db_session, actor, task)


async def _close(
    db: AsyncSession, actor: User, clock: Clock, task_id: int, data: TaskPatch, status: TaskStatus, seen: int
) -> Task:
    """The completion or cancellation step, at version `seen` (after the edit, when the body had both)."""
    if status == TaskStatus.done:
        done = parse_completion(replace(as_form(CompleteForm, data), version=seen))
        return (await services.complete_task(db, actor, clock, task_id, done)).task
    return await services.cancel_task(db, actor, task_id, seen_version=seen)


ROUTES = [list_tasks, get_task, create_task, update_task]

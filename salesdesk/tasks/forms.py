"""Form bodies of the task pages (strings defaulting to "") and the typed input the services take."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time
from typing import Any

from salesdesk.calendar.recurrence import Repeat, repeat_of
from salesdesk.clock import Clock
from salesdesk.inputs import NOTES, TITLE, Fields
from salesdesk.pipeline.forms import DueFrom, NextActionFields, NextActionInput, business_day, parse_next_action
from salesdesk.tasks.models import TaskKind

DEFAULT_DURATION = 60  # minutes of a timed task without a length
MAX_DURATION = 24 * 60


@dataclass
class TaskForm:
    title: str = ""
    kind: str = "call"
    due_on: str = ""
    due_time: str = ""  # empty: an all-day task
    duration_minutes: str = ""  # of a timed task; empty: 60
    owner_id: str = ""
    deal_id: str = ""
    company_id: str = ""
    notes: str = ""
    version: int = 0
    due_in: str = ""  # "N営業日後": N business days from today, instead of a date (salesdesk/calendar)
    reminder: str = ""  # minutes before the start (all-day: before 9:00 of the day); empty: none
    repeat: str = ""  # 定例: calendar.recurrence.Repeat; empty: once
    repeat_until: str = ""  # the series' last day; empty: open-ended
    # person_ids is a repeated field: routes read it with request.form().getall().


@dataclass
class CompleteForm(NextActionFields):
    """Completing a task asks, in the same step, whether to log it and what happens next."""

    version: int = 0
    log_activity: str = ""  # "1": log it on the timeline as an activity
    outcome: str = ""  # what came of it: the activity's notes


@dataclass
class VersionForm:
    version: int = 0


@dataclass(frozen=True)
class TaskInput:
    """A task as typed: its date and time are wall-clock values, read in the owner's zone."""

    title: str
    due_on: date
    kind: TaskKind = TaskKind.call
    due_time: time | None = None  # None: an all-day task
    duration_minutes: int = DEFAULT_DURATION
    owner_id: int | None = None  # None: the actor (or, on an edit, the task's owner)
    deal_id: int | None = None
    company_id: int | None = None
    notes: str = ""
    person_ids: tuple[int, ...] = ()
    seen_version: int = 0
    reminder_minutes: int | None = None
    repeat: Repeat | None = None
    repeat_until: date | None = None


@dataclass(frozen=True)
class CompletionInput:
    seen_version: int
    log_activity: bool = False
    outcome: str = ""
    next_action: NextActionInput | None = None


def task_form(task: Any) -> TaskForm:
    """The edit form as drawn (and the base of an API PATCH): a timed task's time as its owner
    reads it (the zone it was typed in). `task.owner` must be loaded."""
    starts_at = Clock.of(task.owner).local(task.starts_at) if task.starts_at else None
    repeat, until = repeat_of(task.recurrence)
    return TaskForm(
        title=task.title,
        kind=task.kind,
        due_on=task.due_on.isoformat(),
        due_time=starts_at.strftime("%H:%M") if starts_at else "",
        duration_minutes=str(int((task.ends_at - task.starts_at).total_seconds() // 60))
        if task.starts_at and task.ends_at
        else "",
        owner_id=str(task.owner_id or ""),
        notes=task.notes,
        version=task.version,
        reminder="" if task.reminder_minutes is None else str(task.reminder_minutes),
        repeat=repeat or "",
        repeat_until=until.isoformat() if until else "",
    )


def parse_task(
    form: TaskForm, person_ids: list[str] | tuple[str, ...] = (), *, due_from: DueFrom | None = None
) -> TaskInput:
    """`due_from(n)` is the day n business days from today (the pages give it; "N営業日後" wins over a date)."""
    f = Fields()
    title = f.text("title", form.title, limit=TITLE, required=True)
    kind = f.choice("kind", form.kind, TaskKind)
    due_on = business_day(f, "due_in", form.due_in, due_from)
    if due_on is None and "due_in" not in f.errors:
        due_on = f.date("due_on", form.due_on, required=True)
    values = {
        "due_time": f.time("due_time", form.due_time),
        "duration_minutes": f.number(
            "duration_minutes", form.duration_minutes, low=5, high=MAX_DURATION, key="duration.invalid"
        )
        or DEFAULT_DURATION,
        "owner_id": f.id("owner_id", form.owner_id),
        "deal_id": f.id("deal_id", form.deal_id),
        "company_id": f.id("company_id", form.company_id),
        "notes": f.text("notes", form.notes, limit=NOTES, lines=True),
        "person_ids": tuple(f.ids("person_ids", list(person_ids))),
        "seen_version": f.version(form.version),
        "reminder_minutes": f.number("reminder", form.reminder, low=-MAX_DURATION, high=7 * MAX_DURATION),
        "repeat": f.choice("repeat", form.repeat, Repeat, required=False),
        "repeat_until": f.date("repeat_until", form.repeat_until),
    }
    f.done()
    assert kind is not None and due_on is not None
    return TaskInput(title=title, kind=kind, due_on=due_on, **values)


def parse_completion(form: CompleteForm, *, due_from: DueFrom | None = None) -> CompletionInput:
    """`due_from` as in parse_task: the next action's "N営業日後" becomes its date."""
    f = Fields()
    values = {
        "seen_version": f.version(form.version),
        "log_activity": form.log_activity == "1",
        "outcome": f.text("outcome", form.outcome, limit=NOTES, lines=True),
        "next_action": parse_next_action(f, form, due_from),
    }
    f.done()
    return CompletionInput(**values)

"""Recurring tasks as a series: setting a task's repetition, and scheduling the next occurrence when
one is completed or cancelled (see recurrence.py for the rules)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from salesdesk.auth.models import User
from salesdesk.calendar.recurrence import Repeat, build_rule, next_slot, slot
from salesdesk.clock import Clock
from salesdesk.tasks.models import Task, TaskStatus, new_uid


async def _owner_clock(db: AsyncSession, task: Task, clock: Clock | None = None) -> Clock:
    """The series is read in its owner's zone: 10:00 there stays 10:00."""
    owner = await db.get(User, task.owner_id) if task.owner_id is not None else None
    return (clock or Clock()).for_user(owner)


async def set_repeat(db: AsyncSession, task: Task, repeat: Repeat | None, until: date | None) -> None:
    """Make the task the open occurrence of a series from its own day on (or end its series)."""
    if repeat is None:
        # The series ends with this task; it keeps the series' UID, so calendars see that event stop repeating.
        task.recurrence = task.recurrence_id = None
        return
    zone = (await _owner_clock(db, task)).zone
    at = task.starts_at.astimezone(zone).time() if task.starts_at else None
    task.recurrence = build_rule(repeat, task.due_on, until=until, at=at, zone=zone)
    task.uid = task.uid or new_uid()
    task.series_uid = task.series_uid or task.uid  # the first occurrence's UID: the event calendars already show
    task.recurrence_id = slot(task.due_on, task.starts_at, zone)


async def schedule_next(db: AsyncSession, task: Task, clock: Clock) -> Task | None:
    """The series' next occurrence after `task` (done or cancelled now), from today on; None when the
    task does not repeat or its rule has ended. `task.persons` must be loaded."""
    if not task.recurrence or not task.recurrence_id or task.status == TaskStatus.open:
        return None
    owner_clock = await _owner_clock(db, task, clock)
    found = next_slot(task.recurrence, task.recurrence_id, owner_clock.zone, not_before=owner_clock.today())
    if found is None:
        return None
    starts_at = ends_at = None
    if isinstance(found, datetime):
        starts_at = found.astimezone(UTC)
        ends_at = starts_at + (task.ends_at - task.starts_at) if task.ends_at and task.starts_at else None
        due_on = found.date()
    else:
        due_on = found
    following = Task(
        title=task.title,
        kind=task.kind,
        due_on=due_on,
        starts_at=starts_at,
        ends_at=ends_at,
        owner_id=task.owner_id,
        deal_id=task.deal_id,
        company_id=task.company_id,
        notes=task.notes,
        persons=list(task.persons),
        reminder_minutes=task.reminder_minutes,
        uid=new_uid(),
        sequence=task.sequence + 1,  # the series' event changed: its SEQUENCE only grows
        recurrence=task.recurrence,
        series_uid=task.series_uid,
        recurrence_id=slot(due_on, starts_at, owner_clock.zone),
    )
    db.add(following)
    await db.flush()
    return following

"""Tasks: the follow-ups of a rep. A deal's next action is its earliest open task.

A task is due on a day (`due_on`, in the owner's calendar) and may have a time
(`starts_at`/`ends_at`, UTC); without a time it is an all-day task. `uid` and `sequence`
are what a calendar needs to recognise the task and its updates (iCalendar UID/SEQUENCE).
"""

from __future__ import annotations

import enum
import uuid
from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import Column, Date, ForeignKey, Index, Integer, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from salesdesk.accounts.models import Company, Person
from salesdesk.audit.models import Audited
from salesdesk.auth.models import User
from salesdesk.db import Base, IdMixin, IdType, VersionedMixin

if TYPE_CHECKING:
    from salesdesk.pipeline.models import Deal


class TaskKind(enum.StrEnum):
    call = "call"
    visit = "visit"
    meeting = "meeting"
    email = "email"
    todo = "todo"


class TaskStatus(enum.StrEnum):
    open = "open"
    done = "done"
    cancelled = "cancelled"


task_persons = Table(
    "task_persons",
    Base.metadata,
    Column("task_id", IdType, ForeignKey("tasks.id", ondelete="CASCADE"), primary_key=True),
    Column("person_id", IdType, ForeignKey("persons.id", ondelete="CASCADE"), primary_key=True),
    Index("ix_task_persons_person_id", "person_id"),
)


def new_uid() -> str:
    return f"{uuid.uuid4()}@salesdesk"


class Task(IdMixin, VersionedMixin, Audited, Base):
    __tablename__ = "tasks"
    __table_args__ = (
        Index("ix_tasks_deal_id_status_due_on", "deal_id", "status", "due_on"),
        Index("ix_tasks_owner_id_status_due_on", "owner_id", "status", "due_on"),
        Index("ix_tasks_company_id", "company_id"),
    )

    title: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20), default=TaskKind.todo)
    due_on: Mapped[date] = mapped_column(Date)
    starts_at: Mapped[datetime | None]
    ends_at: Mapped[datetime | None]
    owner_id: Mapped[int | None] = mapped_column(IdType, ForeignKey("users.id", ondelete="SET NULL"))
    deal_id: Mapped[int | None] = mapped_column(IdType, ForeignKey("deals.id", ondelete="CASCADE"))
    company_id: Mapped[int | None] = mapped_column(IdType, ForeignKey("companies.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(10), default=TaskStatus.open)
    completed_at: Mapped[datetime | None]
    notes: Mapped[str] = mapped_column(Text, default="")
    uid: Mapped[str] = mapped_column(String(100), unique=True, default=new_uid)
    sequence: Mapped[int] = mapped_column(Integer, default=0)
    reminder_minutes: Mapped[int | None] = mapped_column(Integer)  # before the start (all-day: before 0:00)
    # 定例: an RRULE (salesdesk/calendar/recurrence.py); its occurrences share `series_uid`, each knows
    # the slot the rule gave it (`recurrence_id`, ISO date or local date-time) even when moved.
    recurrence: Mapped[str | None] = mapped_column(String(200))
    series_uid: Mapped[str | None] = mapped_column(String(100), index=True)
    recurrence_id: Mapped[str | None] = mapped_column(String(20))
    # A renewal task's contract ("deal:12:2027-03-31"): unique, so it is created once however often
    # (and however concurrently) `salesdesk tasks renewals` runs.
    renewal_key: Mapped[str | None] = mapped_column(String(80), unique=True)

    owner: Mapped[User | None] = relationship(lazy="raise")
    company: Mapped[Company | None] = relationship(lazy="raise")
    deal: Mapped[Deal | None] = relationship("Deal", lazy="raise")
    persons: Mapped[list[Person]] = relationship(secondary=task_persons, lazy="raise", order_by="Person.name")

    def __str__(self) -> str:
        return self.title

    @property
    def is_open(self) -> bool:
        return self.status == TaskStatus.open

    @property
    def calendar_uid(self) -> str:
        """The UID calendars know it by: a recurring task's series is one event."""
        return self.series_uid or self.uid

    @property
    def all_day(self) -> bool:
        return self.starts_at is None

    def is_overdue(self, today: date) -> bool:
        return self.is_open and self.due_on < today


# Ordering that makes "the earliest open task" one well-defined row.
def earliest_first() -> tuple:
    return (Task.due_on, Task.starts_at.asc().nulls_first(), Task.id)

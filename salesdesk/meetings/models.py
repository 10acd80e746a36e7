"""What the meeting needs beyond the deals' own history: who was in which team when, and when
each team meets.

A deal's team is its owner's team, and a user changes team on the users' admin page; so that
"which deals were the team's last Monday" has an exact answer, every change of a user's team is
kept as a TeamMove, written by a flush hook whatever door the change came through (as the
audit log is).
"""

from __future__ import annotations

import enum
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Index, Integer, String, Text, Time, UniqueConstraint, event, inspect
from sqlalchemy.orm import Mapped, Session, mapped_column

from salesdesk.auth.models import Team, User
from salesdesk.db import Base, IdMixin, IdType, VersionedMixin, utcnow

DEFAULT_WEEKDAY = 0  # Monday
DEFAULT_TIME = time(9, 0)  # in Asia/Tokyo


class TeamMove(IdMixin, Base):
    """A user left `old_team_id` for `new_team_id` at `at` (either may be None). Team ids are
    kept as plain numbers: a deleted team stays in the past it was part of."""

    __tablename__ = "team_moves"
    __table_args__ = (Index("ix_team_moves_at", "at"),)

    user_id: Mapped[int] = mapped_column(IdType, ForeignKey("users.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    old_team_id: Mapped[int | None] = mapped_column(IdType)
    new_team_id: Mapped[int | None] = mapped_column(IdType)


class MeetingSchedule(IdMixin, VersionedMixin, Base):
    """When a team's weekly meeting starts, in Asia/Tokyo (no row: Monday 09:00). The meeting's
    period runs from one start to the next. Not audited yet: the audit log writes no `time` values."""

    __tablename__ = "meeting_schedules"

    team_id: Mapped[int] = mapped_column(IdType, ForeignKey("teams.id", ondelete="CASCADE"), unique=True)
    weekday: Mapped[int] = mapped_column(Integer, default=DEFAULT_WEEKDAY)  # 0 = Monday … 6 = Sunday
    starts_at: Mapped[time] = mapped_column(Time, default=DEFAULT_TIME)

    def __str__(self) -> str:
        return f"team {self.team_id} meets on weekday {self.weekday} at {self.starts_at:%H:%M}"


class MeetingStatus(enum.StrEnum):
    running = "running"
    paused = "paused"
    finished = "finished"


class Meeting(IdMixin, VersionedMixin, Base):
    """One weekly meeting of a team: its period (fixed when it starts), the deals it walks through
    in order (`agenda`, each with the change it had in the period, kept as it was then), where the
    lead is, and what was reviewed or skipped. Every step bumps `version`: the followers' screens
    poll it. Finished, it is the minutes and nothing changes it any more."""

    __tablename__ = "meetings"
    __table_args__ = (Index("ix_meetings_team_id_started_at", "team_id", "started_at"),)

    team_id: Mapped[int] = mapped_column(IdType, ForeignKey("teams.id", ondelete="CASCADE"))
    pipeline_id: Mapped[int | None] = mapped_column(IdType, ForeignKey("pipelines.id", ondelete="SET NULL"))
    lead_id: Mapped[int | None] = mapped_column(IdType, ForeignKey("users.id", ondelete="SET NULL"), index=True)
    since: Mapped[datetime]
    until: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(16), default=MeetingStatus.running)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
    agenda: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    position: Mapped[int] = mapped_column(Integer, default=0)  # index into agenda of the lead's deal
    reviewed: Mapped[list[int]] = mapped_column(JSON, default=list)  # deal ids, in the order reviewed
    skipped: Mapped[list[int]] = mapped_column(JSON, default=list)

    @property
    def is_finished(self) -> bool:
        return self.status == MeetingStatus.finished

    @property
    def current(self) -> dict[str, Any] | None:
        return self.agenda[self.position] if 0 <= self.position < len(self.agenda) else None

    def __str__(self) -> str:
        return f"meeting {self.id} of team {self.team_id}"


class MeetingDecision(IdMixin, Base):
    """What the meeting decided about a deal, as it was written to the deal (the minutes list them;
    the deal itself carries the change, the note or the task). Never changed afterwards."""

    __tablename__ = "meeting_decisions"

    meeting_id: Mapped[int] = mapped_column(IdType, ForeignKey("meetings.id", ondelete="CASCADE"), index=True)
    deal_id: Mapped[int] = mapped_column(IdType)  # a plain number: the deal may be deleted later
    kind: Mapped[str] = mapped_column(String(16))  # forecast | stage | note | next_action
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(IdType, ForeignKey("users.id", ondelete="SET NULL"))
    old_value: Mapped[str | None] = mapped_column(String(200))  # forecast letter, stage name
    new_value: Mapped[str | None] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text, default="")  # the reason, the note, the task's title
    owner_id: Mapped[int | None] = mapped_column(IdType, ForeignKey("users.id", ondelete="SET NULL"))
    due_on: Mapped[date | None] = mapped_column(Date)
    task_id: Mapped[int | None] = mapped_column(IdType)
    activity_id: Mapped[int | None] = mapped_column(IdType)


class MeetingAttendee(IdMixin, Base):
    """Who was at the meeting: whoever followed it on their screen, and whom the lead ticked."""

    __tablename__ = "meeting_attendees"
    __table_args__ = (UniqueConstraint("meeting_id", "user_id"),)

    meeting_id: Mapped[int] = mapped_column(IdType, ForeignKey("meetings.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(IdType, ForeignKey("users.id", ondelete="CASCADE"), index=True)
    followed_at: Mapped[datetime | None]  # first opened the meeting's page
    present: Mapped[bool] = mapped_column(default=True)


@event.listens_for(Session, "before_flush")
def _record_team_moves(session: Session, _context: Any, _instances: Any) -> None:
    for obj in list(session.dirty):
        if not isinstance(obj, User):
            continue
        history = inspect(obj).attrs.team_id.history
        if not history.has_changes():
            continue
        old = history.deleted[0] if history.deleted else None
        new = history.added[0] if history.added else None
        if old != new:
            session.add(TeamMove(user_id=obj.id, at=utcnow(), old_team_id=old, new_team_id=new))


__all__ = ["Meeting", "MeetingAttendee", "MeetingDecision", "MeetingSchedule", "MeetingStatus", "Team", "TeamMove"]

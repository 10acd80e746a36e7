"""What the meeting needs beyond the deals' own history: who was in which team when, and when
each team meets.

A deal's team is its owner's team, and a user changes team on the users' admin page; so that
"which deals were the team's last Monday" has an exact answer, every change of a user's team is
kept as a TeamMove, written by a flush hook whatever door the change came through (as the
audit log is).
"""

from __future__ import annotations

from datetime import datetime, time
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, Time, event, inspect
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


__all__ = ["MeetingSchedule", "Team", "TeamMove"]

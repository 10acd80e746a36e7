"""Calendar settings (the company's closure days, which business days skip) and CalDAV sync state."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from salesdesk.audit.models import Audited
from salesdesk.db import Base, IdMixin, IdType, VersionedMixin, utcnow


class CalendarSettings(IdMixin, VersionedMixin, Audited, Base):
    """Organisation-wide, one row, edited by admins; an install without it has the defaults."""

    __tablename__ = "calendar_settings"

    closes_year_end: Mapped[bool] = mapped_column(Boolean, default=True)  # 年末年始 12/29–1/3
    closes_obon: Mapped[bool] = mapped_column(Boolean, default=False)  # お盆 8/13–8/16
    closed_days: Mapped[list[str]] = mapped_column(JSON, default=list)  # further ISO dates (創立記念日 …)

    def __str__(self) -> str:
        return "calendar settings"


class CaldavConnection(IdMixin, VersionedMixin, Audited, Base):
    """A user's CalDAV calendar their tasks are synced with (one per user).

    The app password is kept encrypted (calendar/secrets.py) and redacted in the audit log. What the
    server told us last (`sync_token`, `ctag`) lets the next run ask only for what changed. A failed run
    leaves its reason for the settings page and the next attempt's time (backoff). Two runs never
    sync one calendar at once: each holds a lock on the connection (calendar/caldav_lock.py)."""

    __tablename__ = "caldav_connections"
    __audit_redact__ = frozenset({"password_encrypted"})
    __audit_ignore__ = frozenset({"version", "created_at", "updated_at", "sync_token", "ctag", "next_attempt_at"})

    user_id: Mapped[int] = mapped_column(IdType, ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    url: Mapped[str] = mapped_column(String(2000))  # the calendar collection
    username: Mapped[str] = mapped_column(String(200))
    password_encrypted: Mapped[str] = mapped_column(Text)
    sync_token: Mapped[str | None] = mapped_column(Text)
    ctag: Mapped[str | None] = mapped_column(String(500))
    last_synced_at: Mapped[datetime | None]
    last_error: Mapped[str] = mapped_column(String(500), default="")
    failures: Mapped[int] = mapped_column(Integer, default=0)  # in a row; the backoff grows with them
    next_attempt_at: Mapped[datetime | None]

    def __str__(self) -> str:
        return self.url


class CaldavObject(IdMixin, Base):
    """A task's event on the connected calendar: where it is (`href`), the ETag and content hash of
    the version we last saw or wrote, its body (edited, not regenerated, on the next push: fields we
    do not model are kept) and the task's version it matched. The UID is the task's, forever."""

    __tablename__ = "caldav_objects"
    __table_args__ = (
        UniqueConstraint("connection_id", "task_id"),
        UniqueConstraint("connection_id", "href"),
        Index("ix_caldav_objects_task_id", "task_id"),
    )

    connection_id: Mapped[int] = mapped_column(IdType, ForeignKey("caldav_connections.id", ondelete="CASCADE"))
    task_id: Mapped[int] = mapped_column(IdType, ForeignKey("tasks.id", ondelete="CASCADE"))
    uid: Mapped[str] = mapped_column(String(100))
    href: Mapped[str] = mapped_column(String(1000))
    etag: Mapped[str | None] = mapped_column(String(200))
    content_hash: Mapped[str] = mapped_column(String(64))
    body: Mapped[str] = mapped_column(Text)
    task_version: Mapped[int] = mapped_column(Integer)  # the task as it was when both sides agreed
    synced_at: Mapped[datetime] = mapped_column(default=utcnow)

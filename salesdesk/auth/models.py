"""Users, teams, login sessions and personal API tokens."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from salesdesk.audit.models import Audited
from salesdesk.db import Base, IdMixin, IdType, VersionedMixin, utcnow


class Role(enum.StrEnum):
    admin = "admin"
    manager = "manager"
    rep = "rep"


LOCALES = ("ja", "en")


class Team(IdMixin, VersionedMixin, Audited, Base):
    __tablename__ = "teams"

    name: Mapped[str] = mapped_column(String(100), unique=True)
    manager_id: Mapped[int | None] = mapped_column(
        IdType, ForeignKey("users.id", ondelete="SET NULL", use_alter=True), index=True
    )

    manager: Mapped[User | None] = relationship(foreign_keys=[manager_id], lazy="raise")

    def __str__(self) -> str:
        return self.name


class User(IdMixin, VersionedMixin, Audited, Base):
    __tablename__ = "users"
    __audit_redact__ = frozenset({"password_hash", "invite_token_hash", "calendar_token", "team_calendar_token"})

    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    password_hash: Mapped[str | None] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20), default=Role.rep)
    team_id: Mapped[int | None] = mapped_column(IdType, ForeignKey("teams.id", ondelete="SET NULL"), index=True)
    locale: Mapped[str] = mapped_column(String(8), default="ja")
    time_zone: Mapped[str] = mapped_column(String(64), default="Asia/Tokyo")
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    calendar_token: Mapped[str | None] = mapped_column(String(64), unique=True)  # the own ICS feed's secret
    team_calendar_token: Mapped[str | None] = mapped_column(String(64), unique=True)  # a manager's team feed
    invite_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    invite_expires_at: Mapped[datetime | None]
    last_login_at: Mapped[datetime | None]

    team: Mapped[Team | None] = relationship(foreign_keys=[team_id], lazy="raise")

    def __str__(self) -> str:
        return self.name

    @property
    def is_admin(self) -> bool:
        return self.role == Role.admin

    @property
    def is_manager(self) -> bool:
        return self.role == Role.manager

    @property
    def initials(self) -> str:
        return initials(self.name, self.email)


def initials(name: str, email: str) -> str:
    """鈴木 美咲 → 鈴木 (Japanese teams go by family name); Taro Kanri → TK."""
    parts = name.split()
    if parts and not parts[0].isascii():
        return parts[0][:2]
    return "".join(part[:1] for part in parts[:2]).upper() or email[:2]


class UserSession(IdMixin, Base):
    """A login: the cookie holds a random token, the table its SHA-256.

    Kept in the database so any worker on any machine can check it, and so logging out
    or deactivating a user ends the session everywhere at once.
    """

    __tablename__ = "user_sessions"

    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(IdType, ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    user_agent: Mapped[str] = mapped_column(String(300), default="")
    ip: Mapped[str] = mapped_column(String(64), default="")

    user: Mapped[User] = relationship(lazy="raise")


class LoginAttempt(IdMixin, Base):
    """Failed and successful logins, for throttling across workers."""

    __tablename__ = "login_attempts"
    __table_args__ = (Index("ix_login_attempts_email_at", "email", "at"), Index("ix_login_attempts_ip_at", "ip", "at"))

    email: Mapped[str] = mapped_column(String(254))
    ip: Mapped[str] = mapped_column(String(64), default="")
    succeeded: Mapped[bool] = mapped_column(Boolean, default=False)
    at: Mapped[datetime] = mapped_column(default=utcnow)


class TokenScope(enum.StrEnum):
    read = "read"
    write = "write"


class ApiToken(IdMixin, Base):
    """A personal API token: the user keeps the token, the table its SHA-256 (like a session).

    Not audited and not versioned: `last_used_at` is touched by a plain UPDATE at most once a
    minute, and revoking sets `revoked_at` (the row stays, so the settings page shows it).
    """

    __tablename__ = "api_tokens"

    user_id: Mapped[int] = mapped_column(IdType, ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    scope: Mapped[str] = mapped_column(String(10), default=TokenScope.read)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]

    user: Mapped[User] = relationship(lazy="raise")

    @property
    def may_write(self) -> bool:
        return self.scope == TokenScope.write

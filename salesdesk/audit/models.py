"""The audit log: one row per insert, update or delete of an audited row."""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from salesdesk.db import Base, IdMixin, IdType, utcnow


class Audited:
    """Marker mixin: the audit hook records every change to rows of these classes."""

    __audit_redact__: ClassVar[frozenset[str]] = frozenset()
    # Bookkeeping columns that change on every write and say nothing by themselves.
    __audit_ignore__: ClassVar[frozenset[str]] = frozenset({"version", "created_at", "updated_at"})


class AuditEntry(IdMixin, Base):
    __tablename__ = "audit_entries"
    __table_args__ = (
        Index("ix_audit_entries_entity", "entity", "entity_id"),
        Index("ix_audit_entries_at", "at"),
        Index("ix_audit_entries_actor_id", "actor_id"),
        Index("ix_audit_entries_token_id", "token_id"),
    )

    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(IdType, ForeignKey("users.id", ondelete="SET NULL"))
    # Kept as text too, so the log still says who after a user row is gone.
    actor_name: Mapped[str] = mapped_column(String(100), default="")
    entity: Mapped[str] = mapped_column(String(50))
    entity_id: Mapped[int] = mapped_column(IdType)
    label: Mapped[str] = mapped_column(String(200), default="")
    action: Mapped[str] = mapped_column(String(10))  # insert | update | delete
    changes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # Which door the change came through: "web" (pages, CLI) or "api", and for the API the token.
    via: Mapped[str] = mapped_column(String(10), default="web", server_default="web")
    token_id: Mapped[int | None] = mapped_column(IdType, ForeignKey("api_tokens.id", ondelete="SET NULL"))

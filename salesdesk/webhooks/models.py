"""Webhooks: the endpoints admins register, the outbox of events, and each delivery with its attempts.

The outbox row is written by the service in the same transaction as the change it describes, so a
change and its event commit or vanish together; `salesdesk deliver-webhooks` later fans each event
out into one delivery per subscribed endpoint and sends it. A delivery is retried with backoff and
every attempt is kept, so the admin page can show what the receiver answered and when.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from salesdesk.audit.models import Audited
from salesdesk.db import Base, IdMixin, IdType, VersionedMixin, utcnow

# The events an endpoint may subscribe to (the `event` of a payload), in the order the page lists them.
EVENTS = (
    "deal.created",
    "deal.stage_changed",
    "deal.won",
    "deal.lost",
    "deal.amount_changed",
    "deal.close_date_changed",
    "company.created",
    "company.merged",
    "task.completed",
)


class DeliveryStatus(enum.StrEnum):
    pending = "pending"  # due at next_attempt_at
    delivered = "delivered"  # the receiver answered 2xx
    failed = "failed"  # retried for 24 hours without a 2xx; "resend" starts again


class WebhookEndpoint(IdMixin, VersionedMixin, Audited, Base):
    """A receiver URL and the events it wants. The secret signs every delivery: it is kept as it is
    (signing needs it), shown to admins, and redacted in the audit log."""

    __tablename__ = "webhook_endpoints"
    __audit_redact__ = frozenset({"secret"})

    url: Mapped[str] = mapped_column(String(2000))
    description: Mapped[str] = mapped_column(String(200), default="")
    events: Mapped[list[str]] = mapped_column(JSON, default=list)
    secret: Mapped[str] = mapped_column(String(100))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)

    def __str__(self) -> str:
        return self.url


class OutboxEvent(IdMixin, Base):
    """One logical change, as the JSON body every subscriber receives (kept as sent: the signature
    covers these exact bytes, and a resend sends them again). `fanned_out_at` is empty until the
    deliverer has made its deliveries."""

    __tablename__ = "outbox_events"
    __table_args__ = (Index("ix_outbox_events_fanned_out_at", "fanned_out_at"),)

    event_id: Mapped[str] = mapped_column(String(40), unique=True)  # evt_…, the receiver's dedup key
    event: Mapped[str] = mapped_column(String(40))
    body: Mapped[str] = mapped_column(Text)
    occurred_at: Mapped[datetime] = mapped_column(default=utcnow)
    fanned_out_at: Mapped[datetime | None]


class WebhookDelivery(IdMixin, Base):
    """One event for one endpoint. `attempt_count` and `retrying_since` describe the current series
    of attempts (a resend starts a new one); the attempts themselves are WebhookAttempt rows."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        Index("ix_webhook_deliveries_due", "status", "next_attempt_at"),
        Index("ix_webhook_deliveries_endpoint_id", "endpoint_id", "id"),
        Index("ix_webhook_deliveries_outbox_event_id", "outbox_event_id"),
    )

    endpoint_id: Mapped[int] = mapped_column(IdType, ForeignKey("webhook_endpoints.id", ondelete="CASCADE"))
    outbox_event_id: Mapped[int] = mapped_column(IdType, ForeignKey("outbox_events.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(10), default=DeliveryStatus.pending)
    next_attempt_at: Mapped[datetime | None]
    attempt_count: Mapped[int] = mapped_column(Integer, default=0)
    retrying_since: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    delivered_at: Mapped[datetime | None]

    event: Mapped[OutboxEvent] = relationship(lazy="raise")
    attempts: Mapped[list[WebhookAttempt]] = relationship(
        lazy="raise", order_by="WebhookAttempt.id", cascade="all, delete-orphan", passive_deletes=True
    )


class WebhookAttempt(IdMixin, Base):
    """One request to the receiver: its HTTP status, or the error when there was none, and how long it took."""

    __tablename__ = "webhook_attempts"
    __table_args__ = (Index("ix_webhook_attempts_delivery_id", "delivery_id"),)

    delivery_id: Mapped[int] = mapped_column(IdType, ForeignKey("webhook_deliveries.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    status_code: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str] = mapped_column(String(200), default="")
    duration_ms: Mapped[int] = mapped_column(Integer, default=0)

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300

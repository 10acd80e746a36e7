"""A deal's quotes as entries of the deal's timeline: each revision made, sent, accepted or rejected
(and the discount approval's steps), with who did it and when.

The source is the audit log: its hook writes a row in the transaction of every insert and status
change of a quote, with the actor and the moment, through the pages and the API alike, so the
history needs no columns of its own (a quote keeps only its current status and dates). One query,
the newest first, as many as the timeline's page shows. The nightly expiry writes its entries
itself (status.expire_quotes), by nobody.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from salesdesk.audit.models import AuditEntry
from salesdesk.quotes.models import Quote, QuoteStatus

# A status a quote moved into -> what the entry says happened.
STEPS = {
    QuoteStatus.sent: "sent",
    QuoteStatus.accepted: "accepted",
    QuoteStatus.rejected: "rejected",
    QuoteStatus.approval_requested: "approval_requested",
    QuoteStatus.approved: "approved",
    QuoteStatus.expired: "expired",
}


@dataclass(frozen=True)
class QuoteEvent:
    at: datetime
    actor_id: int | None
    action: str  # created | sent | accepted | rejected | expired | approval_requested | approved | declined
    quote_id: int
    number: str
    revision: int
    total_jpy: int  # incl. tax, as the revision reads now


def _action(entry: AuditEntry) -> str | None:
    if entry.action == "insert":
        return "created"
    old, new = (entry.changes.get("status") or [None, None])[:2]
    if old == QuoteStatus.approval_requested and new == QuoteStatus.draft:
        return "declined"
    return STEPS.get(new)  # type: ignore[call-overload]


DEAL_QUOTE_EVENTS = (  # built once: the deal page runs it on every view
    select(AuditEntry, Quote.id, Quote.number, Quote.revision, Quote.total_jpy)
    .join(Quote, and_(AuditEntry.entity == Quote.__tablename__, AuditEntry.entity_id == Quote.id))
    .where(Quote.deal_id == bindparam("deal_id"), AuditEntry.changes["status"].is_not(None))
    .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
    .limit(bindparam("limit"))
)


async def deal_quote_events(db: AsyncSession, deal_id: int, *, limit: int) -> list[QuoteEvent]:
    """The newest `limit` steps of the deal's quotes, newest first."""
    rows = await db.execute(DEAL_QUOTE_EVENTS, {"deal_id": deal_id, "limit": limit})
    events = []
    for entry, quote_id, number, revision, total in rows:
        if (action := _action(entry)) is not None:
            events.append(QuoteEvent(entry.at, entry.actor_id, action, quote_id, number, revision, total))
    return events

"""Which deals a meeting walks through, and in what order.

The order is the one the meeting is run in: first what lost money or keeps slipping (the largest
negative change, and deals pushed out repeatedly), then deals gone stale, deals without a next
action, deals whose decision maker nobody has met (決裁者未接触), then the rest of the changes.
Each item keeps the deal's change in the period as it was when the meeting started (names,
amounts, stages), so the minutes show what the meeting saw whatever happens to the deal later.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from salesdesk.accounts.models import Activity, BuyingRole, activity_persons
from salesdesk.meetings.bridge import DealChange, Placed
from salesdesk.meetings.changes import Changes
from salesdesk.pipeline.committee import DECISION_MAKER_CONTACT_DAYS
from salesdesk.pipeline.models import DealContact, StageKind

REASONS = ("negative", "stale", "no_next_action", "decision_maker", "changed")


def _state(placed: Placed | None) -> dict[str, Any] | None:
    if placed is None:
        return None
    s = placed.state
    return {
        "stage_id": s.stage_id,
        "stage": placed.stage.name if placed.stage else "",
        "status": placed.status,
        "amount_jpy": s.amount_jpy,
        "expected_close_date": s.expected_close_date.isoformat() if s.expected_close_date else None,
        "forecast": s.forecast,
        "owner_id": s.owner_id,
        "in_scope": placed.in_scope,
    }


def _open_at_end(change: DealChange) -> bool:
    after = change.after
    return after is not None and after.in_scope and after.status == StageKind.open


async def decision_maker_gaps(db: AsyncSession, deal_ids: list[int], until: datetime) -> set[int]:
    """The deals with no decision maker in their committee, or none met within the last 90 days
    before `until` (the deal page's 決裁者未接触 rule, for many deals in one statement)."""
    if not deal_ids:
        return set()
    rows = await db.execute(
        select(DealContact.deal_id, func.max(Activity.occurred_at))
        .outerjoin(activity_persons, activity_persons.c.person_id == DealContact.person_id)
        .outerjoin(Activity, (Activity.id == activity_persons.c.activity_id) & (Activity.occurred_at <= until))
        .where(DealContact.deal_id.in_(deal_ids), DealContact.role == BuyingRole.decision_maker)
        .group_by(DealContact.deal_id)
    )
    cutoff = until - timedelta(days=DECISION_MAKER_CONTACT_DAYS)
    met = {deal_id for deal_id, last in rows if last is not None and last >= cutoff}
    return set(deal_ids) - met


def reason(change: DealChange, dm_gap: bool) -> str | None:
    """The first reason the deal is on the agenda; None: it is not (unchanged and unflagged)."""
    if (change.amount_delta_jpy < 0 and change.category != "won") or "pushed_repeatedly" in change.flags:
        return "negative"
    if "became_stale" in change.flags:
        return "stale"
    if "no_next_action" in change.flags:
        return "no_next_action"
    if dm_gap:
        return "decision_maker"
    if not change.quiet or change.flags:
        return "changed"
    return None


async def build(db: AsyncSession, result: Changes) -> list[dict[str, Any]]:
    """The meeting's agenda from the period's changes (and the quiet deals with no next action)."""
    candidates = [*result.deals, *result.quiet_deals]
    gaps = await decision_maker_gaps(db, [c.deal_id for c in candidates if _open_at_end(c)], result.until)
    items = []
    for change in candidates:
        why = reason(change, change.deal_id in gaps)
        if why is None:
            continue
        title, company = result.titles.get(change.deal_id, (f"#{change.deal_id}", ""))
        amount = (change.after or change.before).amount if (change.after or change.before) else 0
        items.append(
            {
                "deal_id": change.deal_id,
                "title": title,
                "company": company,
                "reason": why,
                "category": change.category,
                "flags": list(change.flags) + (["decision_maker_not_met"] if change.deal_id in gaps else []),
                "amount_delta_jpy": change.amount_delta_jpy,
                "amount_jpy": amount,
                "close_days": change.close_days,
                "forecast_reason": change.forecast_reason,
                "owner_id": change.owner_id,
                "before": _state(change.before),
                "after": _state(change.after),
            }
        )
    items.sort(key=_order)
    return items


def _order(item: dict[str, Any]) -> tuple[int, int, int, int]:
    rank = REASONS.index(item["reason"])
    size = item["amount_delta_jpy"] if rank == 0 else -abs(item["amount_delta_jpy"])
    return rank, size, -item["amount_jpy"], item["deal_id"]

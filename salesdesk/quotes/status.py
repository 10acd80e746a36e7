"""A quote's way: draft → (approval requested → approved) → sent → accepted / rejected / expired.

A discount over the issuer's threshold must be approved by the manager of the deal owner's team
(or an admin) before the quote may be sent. Accepting may, in the same step, set the deal's
amount to the quote's total excl. tax and move the deal to its pipeline's won stage through the
board's move service (its rules: required fields, history, won date).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from salesdesk.audit.models import AuditEntry
from salesdesk.auth import policy
from salesdesk.auth.models import User
from salesdesk.clock import Clock
from salesdesk.errors import Forbidden, Invalid
from salesdesk.pipeline import access, history, moves
from salesdesk.pipeline.forms import MoveInput
from salesdesk.pipeline.models import Stage, StageKind
from salesdesk.quotes import approval
from salesdesk.quotes.issuer import issuer
from salesdesk.quotes.models import Quote, QuoteStatus
from salesdesk.quotes.services import editable_quote, get_quote, shown_status
from salesdesk.versions import check_version, flush_or_stale


@dataclass(frozen=True)
class AcceptInput:
    seen_version: int
    set_deal_amount: bool = True  # the deal's amount becomes the quote's total excl. tax
    win_deal: bool = True  # the deal moves to 受注 (its pipeline's won stage)
    decided_on: date | None = None  # None: today


@dataclass(frozen=True)
class DecisionInput:
    seen_version: int
    note: str = ""


async def needs_approval(db: AsyncSession, quote: Quote) -> bool:
    threshold = (await issuer(db)).approval_threshold_percent
    return threshold is not None and quote.discount_percent > threshold and quote.status != QuoteStatus.approved


async def _transition(
    db: AsyncSession, actor: User, clock: Clock, quote_id: int, seen_version: int, allowed: tuple[str, ...]
) -> Quote:
    """The latest revision the actor may change, in one of `allowed` states (as shown today)."""
    quote = await editable_quote(db, actor, quote_id)
    await check_version(db, quote, seen_version)
    if not quote.is_latest:
        raise Invalid(quote="quote.not_latest")
    if shown_status(quote, clock.today()) not in allowed:
        raise Invalid(quote="quote.wrong_status")
    return quote


async def send_quote(db: AsyncSession, actor: User, clock: Clock, quote_id: int, seen_version: int) -> Quote:
    """Mark it sent (the PDF went to the customer); a discount over the threshold needs approval first."""
    quote = await _transition(db, actor, clock, quote_id, seen_version, (QuoteStatus.draft, QuoteStatus.approved))
    if await needs_approval(db, quote):
        raise Invalid(quote="quote.needs_approval")
    quote.status = QuoteStatus.sent
    quote.sent_at = clock.now()
    await flush_or_stale(db, quote)
    return quote


async def accept_quote(db: AsyncSession, actor: User, clock: Clock, quote_id: int, data: AcceptInput) -> Quote:
    quote = await _transition(db, actor, clock, quote_id, data.seen_version, (QuoteStatus.sent,))
    today = data.decided_on or clock.today()
    quote.status = QuoteStatus.accepted
    quote.decided_on = today
    await flush_or_stale(db, quote)
    deal = quote.deal
    amount = quote.subtotal_jpy if data.set_deal_amount else None
    if data.win_deal and not deal.stage.is_won:
        won = await db.scalar(
            select(Stage)
            .where(Stage.pipeline_id == deal.pipeline_id, Stage.kind == StageKind.won)
            .order_by(Stage.position)
            .limit(1)
        )
        if won is not None:
            move = MoveInput(
                stage_id=won.id,
                seen_version=deal.version,
                amount_jpy=amount,
                expected_close_date=deal.expected_close_date or today,
                closed_on=today,
            )
            await moves.move_deal(db, actor, clock, deal.id, move)
            return quote
    if amount is not None and deal.amount_jpy != amount:
        history.change(db, deal, actor, {"amount_jpy": amount})
        await flush_or_stale(db, deal, {"amount_jpy": amount})
    return quote


async def reject_quote(db: AsyncSession, actor: User, clock: Clock, quote_id: int, data: DecisionInput) -> Quote:
    """The customer said no (a later revision may still re-quote it)."""
    quote = await _transition(db, actor, clock, quote_id, data.seen_version, (QuoteStatus.sent,))
    quote.status = QuoteStatus.rejected
    quote.decided_on = clock.today()
    await flush_or_stale(db, quote)
    return quote


# --- discount approval ---------------------------------------------------------------------------


async def may_approve(db: AsyncSession, actor: User, quote: Quote) -> bool:
    """The manager of the deal owner's team, or an admin; never the one asking for it."""
    team_id = await access.team_of(db, quote.deal.owner_id)
    return policy.may_manage_team(actor, team_id) and (actor.role == "admin" or actor.id != quote.created_by_id)


async def request_approval(db: AsyncSession, actor: User, clock: Clock, quote_id: int, data: DecisionInput) -> Quote:
    quote = await _transition(db, actor, clock, quote_id, data.seen_version, (QuoteStatus.draft,))
    if not await needs_approval(db, quote):
        raise Invalid(quote="quote.no_approval_needed")
    manager = await approval.approver(db, quote)  # read before the quote changes: a query after would autoflush
    quote.status = QuoteStatus.approval_requested
    quote.approval_note = data.note
    if manager is not None:
        approval.open_task(actor, clock, quote, manager)
    await flush_or_stale(db, quote)
    return quote


async def decide_approval(
    db: AsyncSession, actor: User, clock: Clock, quote_id: int, data: DecisionInput, *, approve: bool
) -> Quote:
    """Approve (it may be sent) or send it back to draft, with a comment; the manager's task is done."""
    quote = await get_quote(db, actor, quote_id)
    if not await may_approve(db, actor, quote):
        raise Forbidden("quote.approve")
    await check_version(db, quote, data.seen_version)
    if quote.status != QuoteStatus.approval_requested:
        raise Invalid(quote="quote.wrong_status")
    await approval.close_task(db, clock, quote)
    quote.status = QuoteStatus.approved if approve else QuoteStatus.draft
    quote.approved_by_id = actor.id if approve else None
    quote.approval_note = data.note
    await flush_or_stale(db, quote)
    return quote


# --- expiry --------------------------------------------------------------------------------------


async def expire_quotes(db: AsyncSession, clock: Clock) -> int:
    """Sent quotes past their valid-until date become expired (cron: `salesdesk quotes expire`).

    One UPDATE with the condition in its WHERE: two runs at once expire each quote once, and a
    quote accepted meanwhile is no longer `sent`, so it is left alone. The version moves, so a
    form drawn before the expiry is stale. The statement passes by the ORM's audit hook, so it
    writes each quote's audit entry itself (by nobody): the deal's timeline shows the expiry."""
    now = clock.now()
    expired = (
        await db.execute(
            update(Quote)
            .where(Quote.status == QuoteStatus.sent, Quote.valid_until < clock.today())
            .values(status=QuoteStatus.expired, version=Quote.version + 1, updated_at=now)
            .returning(Quote.id, Quote.number, Quote.revision)
            .execution_options(synchronize_session=False)
        )
    ).all()
    if expired:
        await db.execute(
            insert(AuditEntry),
            [
                {"at": now, "entity": Quote.__tablename__, "entity_id": quote_id, "label": f"{number} 第{revision}版",
                 "action": "update", "changes": {"status": [QuoteStatus.sent.value, QuoteStatus.expired.value]}}
                for quote_id, number, revision in expired
            ],
        )  # fmt: skip
    return len(expired)

"""Quotes on a deal: the new quote's defaults, creating, saving (in place while a draft; a new
revision 第N+1版 once sent), reading with the deal's rights, revisions and the quote list.

Who sees a quote is who sees its deal (pipeline.access.visible_deals); who changes it is who may
edit the deal. Totals are computed here with quotes.tax on every save and stored with the quote.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import bindparam, false, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload, selectinload

from salesdesk import sync
from salesdesk.auth.models import User
from salesdesk.clock import Clock
from salesdesk.errors import Invalid, NotFound
from salesdesk.pipeline import access, committee, setup
from salesdesk.pipeline.models import Deal
from salesdesk.quotes import approval, numbering
from salesdesk.quotes.forms import QuoteForm, QuoteInput, derived_honorific, line_form
from salesdesk.quotes.issuer import issuer
from salesdesk.quotes.models import Product, Quote, QuoteLine, QuoteStatus
from salesdesk.quotes.rounding import default_rounding
from salesdesk.quotes.tax import Rounding, Totals, discount_share, line_amount, totals
from salesdesk.versions import check_version, flush_or_stale

REVISABLE = (QuoteStatus.sent, QuoteStatus.rejected, QuoteStatus.expired)  # a new revision re-quotes these
PAGE_SIZE = 50
EXPIRING_DAYS = 7  # "expiring soon": sent and valid for at most this many more days
MY_APPROVAL = "my_approval"  # the list's filter: quotes awaiting the user's approval


def is_expired(quote: Quote, today: date) -> bool:
    """Past its valid-until date while waiting for an answer (shown so even before the cron job ran)."""
    return quote.status == QuoteStatus.expired or (quote.status == QuoteStatus.sent and quote.valid_until < today)


def shown_status(quote: Quote, today: date) -> str:
    return QuoteStatus.expired if is_expired(quote, today) else quote.status


def quote_totals(quote: Quote) -> Totals:
    return totals([line.tax_line for line in quote.lines], Rounding(quote.rounding), quote.prices_include_tax)


# --- reading -----------------------------------------------------------------------------------


def _with_deal() -> Any:
    return joinedload(Quote.deal).options(
        joinedload(Deal.company), joinedload(Deal.owner), joinedload(Deal.stage), joinedload(Deal.pipeline)
    )


async def get_quote(db: AsyncSession, actor: User, quote_id: int) -> Quote:
    """The quote with its lines and deal; NotFound unless the actor sees the deal."""
    quote = await db.scalar(
        select(Quote)
        .join(Deal, Quote.deal_id == Deal.id)
        .where(Quote.id == quote_id, access.visibility(actor))
        .options(selectinload(Quote.lines), _with_deal(), joinedload(Quote.created_by))
    )
    if quote is None:
        raise NotFound("quote")
    return quote


async def editable_quote(db: AsyncSession, actor: User, quote_id: int) -> Quote:
    quote = await get_quote(db, actor, quote_id)
    await access.ensure_may_edit(db, actor, quote.deal)
    return quote


async def revisions(db: AsyncSession, quote: Quote) -> list[Quote]:
    """Every revision of the quote's number, the newest first."""
    return list(await db.scalars(select(Quote).where(Quote.number == quote.number).order_by(Quote.revision.desc())))


DEAL_QUOTES = (  # built once: the deal page runs it on every view
    select(Quote).where(Quote.deal_id == bindparam("deal_id"), Quote.is_latest.is_(True)).order_by(Quote.id.desc())
)


async def deal_quotes(db: AsyncSession, deal_id: int) -> list[Quote]:
    """The deal's quotes (their latest revisions), newest first: the deal page's panel."""
    return list(await db.scalars(DEAL_QUOTES, {"deal_id": deal_id}))


async def quotes_changed(
    db: AsyncSession, actor: User, window: sync.Window, *, deal_id: int | None = None
) -> tuple[list[Quote], str | None]:
    """Every revision of the quotes the actor sees (their deals'), oldest change first: the API's sync."""
    query = (
        select(Quote)
        .join(Deal, Quote.deal_id == Deal.id)
        .where(access.visibility(actor))
        .options(selectinload(Quote.lines))
    )
    if deal_id is not None:
        query = query.where(Quote.deal_id == deal_id)
    return await sync.page(db, query, Quote, window)


@dataclass(frozen=True)
class QuoteFilter:
    status: str = ""  # a QuoteStatus, "expiring" (sent, valid for a week at most), "my_approval" or "" (all)
    owner_id: int | None = None  # the deal's owner
    page: int = 1


@dataclass
class QuotePage:
    quotes: list[Quote]
    page: int
    has_more: bool
    total: int


async def list_quotes(db: AsyncSession, actor: User, clock: Clock, f: QuoteFilter) -> QuotePage:
    """The latest revision of every quote the actor sees, newest first, PAGE_SIZE at a time."""
    today = clock.today()
    query = (
        select(Quote).join(Deal, Quote.deal_id == Deal.id).where(Quote.is_latest.is_(True), access.visibility(actor))
    )
    if f.status == MY_APPROVAL:
        awaiting = approval.awaiting(actor)
        query = query.where(awaiting if awaiting is not None else false())
    elif f.status == "expiring":
        query = query.where(
            Quote.status == QuoteStatus.sent, Quote.valid_until.between(today, today + timedelta(days=EXPIRING_DAYS))
        )
    elif f.status == QuoteStatus.expired:
        query = query.where(
            (Quote.status == QuoteStatus.expired) | ((Quote.status == QuoteStatus.sent) & (Quote.valid_until < today))
        )
    elif f.status == QuoteStatus.sent:
        query = query.where(Quote.status == QuoteStatus.sent, Quote.valid_until >= today)
    elif f.status in QuoteStatus.__members__:
        query = query.where(Quote.status == f.status)
    if f.owner_id is not None:
        query = query.where(Deal.owner_id == f.owner_id)
    total = await db.scalar(query.with_only_columns(func.count(Quote.id)).order_by(None)) or 0
    found = list(
        await db.scalars(
            query.options(_with_deal())
            .order_by(Quote.issue_date.desc(), Quote.id.desc())
            .offset((f.page - 1) * PAGE_SIZE)
            .limit(PAGE_SIZE + 1)
        )
    )
    return QuotePage(found[:PAGE_SIZE], f.page, len(found) > PAGE_SIZE, total)


# --- the editor's forms ------------------------------------------------------------------------


async def new_quote_form(db: AsyncSession, actor: User, clock: Clock, deal_id: int) -> tuple[Deal, QuoteForm]:
    """A new quote as the editor first shows it: the deal's company and primary contact as the
    addressee, the deal's title as 件名, the issuer's payment terms, the company's rounding (else the
    issuer's), one empty line."""
    deal = await access.get_deal(db, actor, deal_id)
    await access.ensure_may_edit(db, actor, deal)
    settings = await issuer(db)
    contacts = await committee.committee(db, deal.id)
    primary = next((c.person for c in contacts if c.is_primary and c.person.company_id == deal.company_id), None)
    today = clock.today()
    form = QuoteForm(
        addressee_company=deal.company.name,
        addressee_department=primary.department.name if primary and primary.department else "",
        addressee_person=primary.name if primary else "",
        subject=deal.title,
        issue_date=today.isoformat(),
        valid_until=(today + timedelta(days=settings.default_validity_days)).isoformat(),
        payment_terms=settings.default_payment_terms,
        rounding=default_rounding(settings, deal.company).value,
        locale=actor.locale if actor.locale in ("ja", "en") else "ja",
    )
    form.lines = []
    return deal, form


def edit_form(quote: Quote) -> QuoteForm:
    """The editor as drawn for a saved quote (its values and version)."""
    return QuoteForm(
        addressee_company=quote.addressee_company,
        addressee_department=quote.addressee_department,
        addressee_person=quote.addressee_person,
        honorific=quote.honorific if quote.honorific != derived_honorific(quote.addressee_person) else "",
        subject=quote.subject,
        issue_date=quote.issue_date.isoformat(),
        valid_until=quote.valid_until.isoformat(),
        delivery=quote.delivery,
        delivery_place=quote.delivery_place,
        payment_terms=quote.payment_terms,
        notes=quote.notes,
        rounding=quote.rounding,
        prices_include_tax="1" if quote.prices_include_tax else "",
        locale=quote.locale,
        version=quote.version,
        lines=[line_form(line) for line in quote.lines],
    )


# --- writing -----------------------------------------------------------------------------------


def _header_values(data: QuoteInput, issue_date: date, validity_days: int, rounding: Rounding) -> dict[str, Any]:
    return {
        "addressee_company": data.addressee_company,
        "addressee_department": data.addressee_department,
        "addressee_person": data.addressee_person,
        "honorific": (data.honorific or derived_honorific(data.addressee_person)).value,
        "subject": data.subject,
        "issue_date": issue_date,
        "valid_until": data.valid_until or issue_date + timedelta(days=validity_days),
        "delivery": data.delivery,
        "delivery_place": data.delivery_place,
        "payment_terms": data.payment_terms,
        "notes": data.notes,
        "rounding": rounding.value,
        "prices_include_tax": data.prices_include_tax,
        "locale": data.locale,
    }


def _lines_and_totals(data: QuoteInput, rounding: Rounding) -> tuple[list[QuoteLine], dict[str, Any]]:
    """The lines to store and the totals they make; Invalid when nothing is quoted or a rate's
    sum would be negative (discounts larger than what they discount)."""
    if not data.lines:
        raise Invalid(lines="quote.no_lines")
    tax_lines = [line.tax_line for line in data.lines]
    result = totals(tax_lines, rounding, data.prices_include_tax)
    if any(c.subtotal_jpy < 0 for c in result.by_category):
        raise Invalid(lines="quote.negative_total")
    lines = [
        QuoteLine(
            position=n,
            product_id=line.product_id,
            description=line.description,
            quantity=line.quantity,
            unit=line.unit,
            unit_price_jpy=line.unit_price_jpy,
            discount_percent=line.discount_percent,
            discount_jpy=line.discount_jpy,
            tax_category=line.tax_category.value,
            amount_jpy=line_amount(line.tax_line, rounding),
        )
        for n, line in enumerate(data.lines)
    ]
    figures = {
        "subtotal_jpy": result.subtotal_jpy,
        "tax_jpy": result.tax_jpy,
        "total_jpy": result.total_jpy,
        "discount_percent": discount_share(tax_lines, rounding),
    }
    return lines, figures


async def _check_products(db: AsyncSession, data: QuoteInput) -> None:
    """A line's product must exist (a deactivated one may stay on the quotes that have it)."""
    wanted = {line.product_id for line in data.lines if line.product_id is not None}
    known = set(await db.scalars(select(Product.id).where(Product.id.in_(wanted)))) if wanted else set()
    unknown = {
        f"line-{n}-product_id": "product.unknown"
        for n, line in enumerate(data.lines)
        if line.product_id is not None and line.product_id not in known
    }
    if unknown:
        raise Invalid(**unknown)


async def create_quote(db: AsyncSession, actor: User, clock: Clock, deal_id: int, data: QuoteInput) -> Quote:
    deal = await access.get_deal(db, actor, deal_id)
    await access.ensure_may_edit(db, actor, deal)
    await _check_products(db, data)
    settings = await issuer(db)
    rounding = data.rounding or default_rounding(settings, deal.company)
    issue_date = data.issue_date or clock.today()
    lines, figures = _lines_and_totals(data, rounding)
    start_month = (await setup.sales_settings(db)).fiscal_year_start_month
    number, year, seq = await numbering.next_number(db, settings.number_pattern, issue_date, start_month)
    quote = Quote(
        deal_id=deal.id,
        number=number,
        revision=1,
        is_latest=True,
        fiscal_year=year,
        sequence=seq,
        created_by_id=actor.id,
        status=QuoteStatus.draft,
        approval_note="",
        **_header_values(data, issue_date, settings.default_validity_days, rounding),
        **figures,
    )
    quote.lines = lines
    db.add(quote)
    await flush_or_stale(db, quote)
    return quote


async def save_quote(db: AsyncSession, actor: User, clock: Clock, quote_id: int, data: QuoteInput) -> Quote:
    """Save the editor: a draft changes in place; a sent (rejected, expired) quote gets a new
    revision with these values, the earlier one kept as it was sent. Returns the quote saved."""
    quote = await editable_quote(db, actor, quote_id)
    if not quote.is_latest:
        raise Invalid(quote="quote.not_latest")
    settings = await issuer(db)
    rounding = data.rounding or Rounding(quote.rounding)
    issue_date = data.issue_date or quote.issue_date
    values = _header_values(data, issue_date, settings.default_validity_days, rounding)
    await check_version(db, quote, data.seen_version, {k: v for k, v in values.items() if k != "honorific"})
    lines, figures = _lines_and_totals(data, rounding)
    await _check_products(db, data)
    if quote.status in REVISABLE:
        return await _new_revision(db, actor, clock, quote, values | figures, lines)
    if not quote.is_editable:
        raise Invalid(quote="quote.closed")
    for key, value in (values | figures).items():
        setattr(quote, key, value)
    quote.lines = lines
    if quote.status == QuoteStatus.approved:  # an approved discount no longer holds for changed lines
        quote.status = QuoteStatus.draft
    quote.updated_at = clock.now()  # the version moves even when only the lines changed
    await flush_or_stale(db, quote, values)
    return quote


async def _new_revision(
    db: AsyncSession, actor: User, clock: Clock, quote: Quote, values: dict[str, Any], lines: list[QuoteLine]
) -> Quote:
    quote.is_latest = False
    quote.updated_at = clock.now()
    revision = Quote(
        deal_id=quote.deal_id,
        number=quote.number,
        revision=quote.revision + 1,
        is_latest=True,
        fiscal_year=quote.fiscal_year,
        sequence=quote.sequence,
        created_by_id=actor.id,
        status=QuoteStatus.draft,
        approval_note="",
        **values,
    )
    if values["issue_date"] == quote.issue_date:  # a new revision is issued today unless a date was typed
        revision.issue_date = clock.today()
        if values["valid_until"] == quote.valid_until:
            revision.valid_until = clock.today() + (quote.valid_until - quote.issue_date)
    revision.lines = lines
    db.add(revision)
    await flush_or_stale(db, quote)  # two saves of one sent quote: one new revision, the other a 409
    return revision

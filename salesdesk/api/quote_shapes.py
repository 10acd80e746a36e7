"""The shapes of /api/v1/quotes (quotes.py): a quote and its lines as the API shows them, the bodies it
takes, and how a body becomes the quote editor's form (parsed by quotes.forms.parse_quote, as the
page's is), with the form's field names turned back into the body's in a 422."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal

import msgspec
from msgspec import UNSET, Meta, Struct, UnsetType

from salesdesk.api.common import as_form
from salesdesk.api.errors import shows
from salesdesk.clock import Clock
from salesdesk.errors import Invalid
from salesdesk.inputs import NAME, NOTES, TITLE
from salesdesk.pipeline.forms import MAX_YEN
from salesdesk.quotes import services
from salesdesk.quotes.forms import DESCRIPTION, MAX_LINES, UNIT, LineForm, QuoteForm
from salesdesk.quotes.models import Honorific, Quote, QuoteLine, QuoteStatus
from salesdesk.quotes.tax import Rounding, TaxCategory

TAGS = ["quotes"]
Id = Annotated[int, Meta(ge=1, le=2**53)]
Text = Annotated[str, Meta(max_length=TITLE)]
Name = Annotated[str, Meta(max_length=NAME)]
QUANTITY = 'A decimal string above 0 with at most 3 decimals: "3", "1.5".'
PERCENT = 'Off this line, a decimal string above 0 and at most 100: "10", "12.5". Not with `discount_jpy`.'
PRICE = "Integer yen; negative on a discount line (値引き / 出精値引, printed ▲). Incl. tax with `prices_include_tax`."
CATEGORY = "standard (10%), reduced (8%, marked ※) or exempt (非課税)."
HONORIFIC = "御中 after a company or department, 様 after a person; null: derived (様 with a person)."
ROUNDING = "The tax of each rate's sum rounded once: floor 切り捨て, half_up 四捨五入, ceil 切り上げ."
INCLUDE_TAX = "Unit prices include tax (税込): each rate's tax is the part of its sum included in it."
STATUS = "As shown today: a sent quote past `valid_until` is expired even before the nightly run."
DISCOUNT_SHARE = "The part of the list price given away (line discounts and discount lines), in percent."
LINES = "Every line, in order (replaces all lines on PATCH)."

Quantity = Annotated[str, Meta(pattern=r"^[0-9]{1,7}(\.[0-9]{1,3})?$", description=QUANTITY)]
Percent = Annotated[str, Meta(pattern=r"^[0-9]{1,3}(\.[0-9]{1,2})?$", description=PERCENT)]


class LineOut(Struct):
    product_id: int | None
    description: str
    quantity: Annotated[str, Meta(description=QUANTITY)]
    unit: str
    unit_price_jpy: Annotated[int, Meta(description=PRICE)]
    discount_percent: Annotated[str | None, Meta(description="Off this line, in percent.")]
    discount_jpy: Annotated[int | None, Meta(description="Off this line, in yen.")]
    tax_category: Annotated[TaxCategory, Meta(description=CATEGORY)]
    amount_jpy: Annotated[int, Meta(description="金額: quantity × unit price less the line's discount.")]

    @classmethod
    def of(cls, line: QuoteLine) -> LineOut:
        percent = decimal_text(line.discount_percent) if line.discount_percent else None
        return cls(
            line.product_id, line.description, decimal_text(line.quantity), line.unit, line.unit_price_jpy, percent,
            line.discount_jpy or None, TaxCategory(line.tax_category), line.amount_jpy,
        )  # fmt: skip


class CategoryOut(Struct):
    tax_category: TaxCategory
    rate_percent: int
    subtotal_jpy: Annotated[int, Meta(description="This rate's lines summed, excl. tax (also for 税込 entry).")]
    tax_jpy: Annotated[int, Meta(description="The rate's tax on that sum, rounded once.")]


class TotalsOut(Struct):
    by_category: Annotated[list[CategoryOut], Meta(description="The rates the quote has lines of.")]
    subtotal_jpy: Annotated[int, Meta(description="Excl. tax.")]
    tax_jpy: int
    total_jpy: Annotated[int, Meta(description="Incl. tax.")]


class QuoteOut(Struct):
    id: int
    deal_id: int
    number: Annotated[str, Meta(description="Shared by its revisions, e.g. Q-2026-0042.")]
    revision: Annotated[int, Meta(description="第N版, from 1.")]
    is_latest: Annotated[bool, Meta(description="false: a later revision re-quotes it (read only).")]
    status: Annotated[QuoteStatus, Meta(description=STATUS)]
    locale: Annotated[str, Meta(description="The document's language: ja or en.")]
    addressee_company: str
    addressee_department: str
    addressee_person: str
    honorific: Annotated[Honorific, Meta(description=HONORIFIC)]
    subject: Annotated[str, Meta(description="件名")]
    issue_date: date
    valid_until: Annotated[date, Meta(description="有効期限")]
    delivery: Annotated[str, Meta(description="納期")]
    delivery_place: Annotated[str, Meta(description="納入場所")]
    payment_terms: Annotated[str, Meta(description="支払条件")]
    notes: Annotated[str, Meta(description="備考")]
    rounding: Annotated[Rounding, Meta(description=ROUNDING)]
    prices_include_tax: Annotated[bool, Meta(description=INCLUDE_TAX)]
    lines: list[LineOut]
    totals: TotalsOut
    discount_percent: Annotated[str, Meta(description=DISCOUNT_SHARE)]
    approved_by_id: Annotated[int | None, Meta(description="Who approved its discount.")]
    approval_note: str
    sent_at: datetime | None
    decided_on: Annotated[date | None, Meta(description="The day it was accepted or rejected.")]
    created_by_id: int | None
    created_at: datetime
    updated_at: datetime
    version: int

    @classmethod
    def of(cls, q: Quote, today: date | None = None) -> QuoteOut:
        """`q.lines` loaded (the services' reads load them)."""
        status = services.shown_status(q, today or Clock().today())
        totals = msgspec.convert(services.quote_totals(q).as_json(), TotalsOut)
        return cls(
            q.id, q.deal_id, q.number, q.revision, q.is_latest, QuoteStatus(status), q.locale, q.addressee_company,
            q.addressee_department, q.addressee_person, Honorific(q.honorific), q.subject, q.issue_date,
            q.valid_until, q.delivery, q.delivery_place, q.payment_terms, q.notes, Rounding(q.rounding),
            q.prices_include_tax, [LineOut.of(line) for line in q.lines], totals, decimal_text(q.discount_percent),
            q.approved_by_id, q.approval_note, q.sent_at, q.decided_on, q.created_by_id, q.created_at, q.updated_at,
            q.version,
        )  # fmt: skip


shows(Quote, QuoteOut.of)


class QuoteList(Struct):
    items: list[QuoteOut]
    next_cursor: str | None


def decimal_text(value: Decimal | int) -> str:
    """1.500 → "1.5", 10.000 → "10": a decimal string without exponent or grouping."""
    text = f"{Decimal(value):f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


# --- bodies ------------------------------------------------------------------------------------


class LineIn(Struct, forbid_unknown_fields=True, kw_only=True):
    product_id: Annotated[Id | None, Meta(description="The catalogue's product it is; null: free text.")] = None
    description: Annotated[str, Meta(max_length=DESCRIPTION, description="品名 as printed.")]
    quantity: Quantity
    unit: Annotated[str, Meta(max_length=UNIT, description="単位: 式, 個, 時間, 月 …")]
    unit_price_jpy: Annotated[int, Meta(gt=-MAX_YEN, lt=MAX_YEN, description=PRICE)]
    discount_percent: Percent | None = None
    discount_jpy: Annotated[int, Meta(ge=0, lt=MAX_YEN, description="Off this line, in yen.")] | None = None
    tax_category: Annotated[TaxCategory, Meta(description=CATEGORY)]


class QuoteFields(Struct, forbid_unknown_fields=True, kw_only=True):
    addressee_company: Text | UnsetType = UNSET
    addressee_department: Name | UnsetType = UNSET
    addressee_person: Name | UnsetType = UNSET
    honorific: Annotated[Honorific | None, Meta(description=HONORIFIC)] | UnsetType = UNSET
    subject: Annotated[Text, Meta(description="件名")] | UnsetType = UNSET
    issue_date: date | UnsetType = UNSET
    valid_until: Annotated[date, Meta(description="有効期限; default the issue date + the days set.")] | UnsetType = (
        UNSET
    )
    delivery: Annotated[Text, Meta(description="納期")] | UnsetType = UNSET
    delivery_place: Annotated[Text, Meta(description="納入場所")] | UnsetType = UNSET
    payment_terms: Annotated[Text, Meta(description="支払条件")] | UnsetType = UNSET
    notes: Annotated[str, Meta(max_length=NOTES, description="備考")] | UnsetType = UNSET
    rounding: Annotated[Rounding, Meta(description=ROUNDING)] | UnsetType = UNSET
    prices_include_tax: Annotated[bool, Meta(description=INCLUDE_TAX)] | UnsetType = UNSET
    locale: Annotated[Literal["ja", "en"], Meta(description="The document's language.")] | UnsetType = UNSET


class QuoteCreate(QuoteFields, kw_only=True):
    deal_id: Annotated[Id, Meta(description="A deal the user may edit.")]
    lines: Annotated[list[LineIn], Meta(min_length=1, max_length=MAX_LINES, description=LINES)]


class QuotePatch(QuoteFields, kw_only=True):
    version: Annotated[int, Meta(description="The version you read; a stale one gets 409 with `current`.")]
    lines: Annotated[list[LineIn], Meta(min_length=1, max_length=MAX_LINES, description=LINES)] | UnsetType = UNSET


def line_form(line: LineIn) -> LineForm:
    if line.discount_percent is not None:
        discount = f"{line.discount_percent}%"
    else:
        discount = str(line.discount_jpy or "")
    return LineForm(
        description=line.description,
        quantity=line.quantity,
        unit=line.unit,
        unit_price=str(line.unit_price_jpy),
        discount=discount,
        tax_category=line.tax_category.value,
        product_id=str(line.product_id or ""),
    )


def quote_form(body: QuoteFields, base: QuoteForm, lines: list[LineIn] | UnsetType) -> QuoteForm:
    """The editor's form as drawn, with the body's fields typed in (and its lines, if given)."""
    form = as_form(QuoteForm, body, base, lines="")  # lines are rows, not a field: put in below
    if isinstance(lines, UnsetType):
        return form
    both = [n for n, line in enumerate(lines) if line.discount_percent is not None and line.discount_jpy is not None]
    if both:  # the editor has one discount field per line: a percentage or yen
        raise Invalid(**{f"lines[{n}].discount_jpy": "discount.invalid" for n in both})
    return replace(form, lines=[line_form(line) for line in lines])


LINE_FIELD = re.compile(r"^line-(\d+)-(\w+)$")


def body_field(lines: list[LineIn] | UnsetType) -> Callable[[str], str]:
    """The body's name of a form field: line-2-unit_price → lines[2].unit_price_jpy."""

    def rename(name: str) -> str:
        found = LINE_FIELD.match(name)
        if found is None:
            return name
        n, field = int(found[1]), found[2]
        if field == "unit_price":
            field = "unit_price_jpy"
        elif field == "discount":
            given = lines[n] if not isinstance(lines, UnsetType) and n < len(lines) else None
            field = "discount_percent" if given is not None and given.discount_percent is not None else "discount_jpy"
        return f"lines[{n}].{field}"

    return rename


Version = Annotated[int, Meta(description="The version you read; a stale one gets 409 with `current`.")]
Note = Annotated[str, Meta(max_length=NOTES, description="A comment (the approval's, shown on the quote).")]
AMOUNT = "The deal's amount becomes the quote's total excl. tax."
WIN = "The deal moves to its pipeline's won stage (受注), with the board's rules."


class VersionBody(Struct, forbid_unknown_fields=True, kw_only=True):
    version: Version


class DecisionBody(VersionBody, kw_only=True):
    note: Note = ""


class AcceptBody(VersionBody, kw_only=True):
    set_deal_amount: Annotated[bool, Meta(description=AMOUNT)] = True
    win_deal: Annotated[bool, Meta(description=WIN)] = True
    decided_on: Annotated[date | None, Meta(description="The day the customer accepted; null: today.")] = None

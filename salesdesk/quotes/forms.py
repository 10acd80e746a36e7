"""Quote, product and issuer input at the edge: form bodies (every field a string, so nothing is
refused before we can name the field) and the typed input the services take (the JSON API builds
the same ones from its bodies). `parse_*` raise Invalid with every field's error (422).

A quote's lines come as repeated fields (line_description, line_quantity, …, one of each per row,
in order); a line's errors are keyed "line-N-field" (N from 0). One discount field per line takes
"10%" (percent) or "500" / "¥500" (yen); a unit price may be negative ("-5000", "▲5,000") on a
discount line (値引き / 出精値引).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from salesdesk.accounts import normalize as norm
from salesdesk.inputs import LINE, NAME, NOTES, TITLE, Fields
from salesdesk.pipeline.forms import MAX_YEN, parse_yen
from salesdesk.quotes import numbering
from salesdesk.quotes.models import DEFAULT_NUMBER_PATTERN, Honorific
from salesdesk.quotes.tax import Line, Rounding, TaxCategory, clean_registration_number, is_registration_number

MAX_LINES = 200
DESCRIPTION = 500
UNIT = 20
CODE = 50
MAX_QUANTITY = Decimal("9999999")
LINE_FIELDS = ("description", "quantity", "unit", "unit_price", "discount", "tax_category", "product_id")
LOCALES = ("ja", "en")


# --- forms ---------------------------------------------------------------------------------


@dataclass
class LineForm:
    description: str = ""
    quantity: str = "1"
    unit: str = ""
    unit_price: str = ""
    discount: str = ""  # "10%" or "500"
    tax_category: str = TaxCategory.standard
    product_id: str = ""

    @property
    def is_blank(self) -> bool:
        return not (self.description.strip() or self.unit_price.strip() or self.product_id.strip())


@dataclass
class QuoteForm:
    addressee_company: str = ""
    addressee_department: str = ""
    addressee_person: str = ""
    honorific: str = ""  # "": derived (様 with a person, else 御中)
    subject: str = ""
    issue_date: str = ""
    valid_until: str = ""
    delivery: str = ""
    delivery_place: str = ""
    payment_terms: str = ""
    notes: str = ""
    rounding: str = ""
    prices_include_tax: str = ""
    locale: str = "ja"
    version: int = 0
    lines: list[LineForm] = field(default_factory=list)

    @classmethod
    def from_form(cls, data: Mapping[str, Any]) -> QuoteForm:
        """From a request's form (a MultiDict: the line fields repeat, one of each per row)."""
        getall = getattr(data, "getall", lambda key, default: [data[key]] if key in data else default)
        single = {
            name: str(data.get(name) or "")
            for name in cls.__dataclass_fields__
            if name not in ("lines", "version", "locale")
        }
        columns = {name: [str(v) for v in getall(f"line_{name}", [])] for name in LINE_FIELDS}
        rows = max((len(values) for values in columns.values()), default=0)
        lines = [
            LineForm(**{name: values[n] if n < len(values) else "" for name, values in columns.items()})
            for n in range(min(rows, MAX_LINES + 1))
        ]
        version = str(data.get("version") or "0")
        return cls(**single, locale=str(data.get("locale") or "ja"), version=version, lines=lines)  # type: ignore[arg-type]


@dataclass
class ProductForm:
    code: str = ""
    name: str = ""
    description: str = ""
    unit: str = "式"
    unit_price: str = ""
    tax_category: str = TaxCategory.standard
    is_active: str = ""  # a checkbox: absent when unticked
    version: int = 0


@dataclass
class IssuerForm:
    name: str = ""
    address: str = ""
    phone: str = ""
    registration_number: str = ""
    bank_notes: str = ""
    default_payment_terms: str = ""
    default_rounding: str = Rounding.floor
    default_validity_days: str = "30"
    number_pattern: str = DEFAULT_NUMBER_PATTERN
    approval_threshold_percent: str = ""
    version: int = 0


# --- typed input ---------------------------------------------------------------------------


@dataclass(frozen=True)
class LineInput:
    description: str
    quantity: Decimal
    unit_price_jpy: int
    tax_category: TaxCategory = TaxCategory.standard
    unit: str = ""
    product_id: int | None = None
    discount_percent: Decimal | None = None
    discount_jpy: int | None = None

    @property
    def tax_line(self) -> Line:
        return Line(self.quantity, self.unit_price_jpy, self.tax_category, self.discount_percent, self.discount_jpy)


@dataclass(frozen=True)
class QuoteInput:
    addressee_company: str
    subject: str
    lines: tuple[LineInput, ...]
    addressee_department: str = ""
    addressee_person: str = ""
    honorific: Honorific | None = None  # None: derived from the addressee
    issue_date: date | None = None  # None: today
    valid_until: date | None = None  # None: the issue date + the issuer's validity days
    delivery: str = ""
    delivery_place: str = ""
    payment_terms: str = ""
    notes: str = ""
    rounding: Rounding | None = None  # None: the issuer's default
    prices_include_tax: bool = False
    locale: str = "ja"
    seen_version: int = 0  # ignored on creation


@dataclass(frozen=True)
class ProductInput:
    code: str
    name: str
    unit_price_jpy: int
    tax_category: TaxCategory = TaxCategory.standard
    unit: str = "式"
    description: str = ""
    is_active: bool = True
    seen_version: int = 0


@dataclass(frozen=True)
class IssuerInput:
    name: str
    address: str = ""
    phone: str = ""
    registration_number: str = ""
    bank_notes: str = ""
    default_payment_terms: str = ""
    default_rounding: Rounding = Rounding.floor
    default_validity_days: int = 30
    number_pattern: str = DEFAULT_NUMBER_PATTERN
    approval_threshold_percent: int | None = None
    seen_version: int = 0


def derived_honorific(person: str) -> Honorific:
    """様 after a person; 御中 after a company or department (never both)."""
    return Honorific.sama if person.strip() else Honorific.onchu


# --- parsing -------------------------------------------------------------------------------


def signed_yen(text: str) -> int | None:
    """Integer yen that may be negative: "-5,000", "▲5,000", "△5000" (discount lines); None when empty."""
    cleaned = norm.nfkc(text).strip()
    negative = cleaned[:1] in ("-", "▲", "△", "−")
    amount = parse_yen(cleaned[1:] if negative else cleaned)
    if amount is None:
        if negative:
            raise ValueError(text)
        return None
    return -amount if negative else amount


def parse_quantity(text: str) -> Decimal:
    cleaned = norm.nfkc(text).replace(",", "").strip()
    try:
        quantity = Decimal(cleaned)
    except InvalidOperation as error:
        raise ValueError(text) from error
    if not quantity.is_finite() or quantity <= 0 or quantity > MAX_QUANTITY or quantity != round(quantity, 3):
        raise ValueError(text)
    return quantity


def parse_discount(text: str) -> tuple[Decimal | None, int | None]:
    """(percent, yen) from "10%" / "12.5％" or "500" / "¥500"; (None, None) when empty."""
    cleaned = norm.nfkc(text).strip()
    if not cleaned:
        return None, None
    if cleaned.endswith("%"):
        try:
            percent = Decimal(cleaned[:-1].strip())
        except InvalidOperation as error:
            raise ValueError(text) from error
        if not percent.is_finite() or not 0 < percent <= 100 or percent != round(percent, 2):
            raise ValueError(text)
        return percent, None
    amount = parse_yen(cleaned)
    return None, (amount or None)


def parse_line(f: Fields, n: int, form: LineForm) -> LineInput | None:
    key = f"line-{n}-"
    description = f.text(key + "description", form.description, limit=DESCRIPTION, required=True)
    unit = f.text(key + "unit", form.unit, limit=UNIT)
    category = f.choice(key + "tax_category", form.tax_category, TaxCategory)
    product_id = f.id(key + "product_id", form.product_id)
    quantity = price = None
    percent = discount_jpy = None
    try:
        quantity = parse_quantity(form.quantity or "1")
    except ValueError:
        f.fail(key + "quantity", "quantity.invalid")
    try:
        price = signed_yen(form.unit_price)
        if price is None:
            f.fail(key + "unit_price", "required")
    except ValueError:
        f.fail(key + "unit_price", "amount.invalid")
    try:
        percent, discount_jpy = parse_discount(form.discount)
    except ValueError:
        f.fail(key + "discount", "discount.invalid")
    if None in (quantity, price, category) or not description:
        return None
    assert quantity is not None and price is not None and category is not None
    if (percent or discount_jpy) and price < 0:
        f.fail(key + "discount", "discount.on_discount_line")
    if discount_jpy and discount_jpy > quantity * price:
        f.fail(key + "discount", "discount.too_large")
    if abs(quantity * price) >= MAX_YEN:
        f.fail(key + "unit_price", "amount.invalid")
    return LineInput(description, quantity, price, category, unit, product_id, percent, discount_jpy)


def parse_lines(f: Fields, forms: list[LineForm]) -> tuple[LineInput, ...]:
    """The rows that hold something (the editor's empty rows are left out)."""
    if len(forms) > MAX_LINES:
        f.fail("lines", "quote.too_many_lines")
    lines = []
    for n, line in enumerate(forms[:MAX_LINES]):
        if not line.is_blank and (parsed := parse_line(f, n, line)) is not None:
            lines.append(parsed)
    return tuple(lines)


def parse_quote(form: QuoteForm) -> QuoteInput:
    f = Fields()
    honorific = f.choice("honorific", form.honorific, Honorific, required=False)
    data = QuoteInput(
        addressee_company=f.text("addressee_company", form.addressee_company, limit=TITLE, required=True),
        addressee_department=f.text("addressee_department", form.addressee_department, limit=NAME),
        addressee_person=f.text("addressee_person", form.addressee_person, limit=NAME),
        honorific=honorific,
        subject=f.text("subject", form.subject, limit=TITLE, required=True),
        issue_date=f.date("issue_date", form.issue_date),
        valid_until=f.date("valid_until", form.valid_until),
        delivery=f.text("delivery", form.delivery, limit=TITLE),
        delivery_place=f.text("delivery_place", form.delivery_place, limit=TITLE),
        payment_terms=f.text("payment_terms", form.payment_terms, limit=TITLE),
        notes=f.text("notes", form.notes, limit=NOTES, lines=True),
        rounding=f.choice("rounding", form.rounding, Rounding, required=False),
        prices_include_tax=f.flag(form.prices_include_tax),
        locale=form.locale if form.locale in LOCALES else "ja",
        seen_version=f.version(form.version),
        lines=parse_lines(f, form.lines),
    )
    if data.issue_date and data.valid_until and data.valid_until < data.issue_date:
        f.fail("valid_until", "quote.valid_before_issue")
    f.done()
    return data


def parse_product(form: ProductForm) -> ProductInput:
    f = Fields()
    code = norm.nfkc(f.text("code", form.code, limit=CODE, required=True))
    price = f.yen("unit_price", form.unit_price)
    if price is None and "unit_price" not in f.errors:
        f.fail("unit_price", "required")
    category = f.choice("tax_category", form.tax_category, TaxCategory)
    data = ProductInput(
        code=code,
        name=f.text("name", form.name, limit=TITLE, required=True),
        description=f.text("description", form.description, limit=NOTES, lines=True),
        unit=f.text("unit", form.unit, limit=UNIT),
        unit_price_jpy=price or 0,
        tax_category=category or TaxCategory.standard,
        is_active=f.flag(form.is_active),
        seen_version=f.version(form.version),
    )
    f.done()
    return data


def parse_issuer(form: IssuerForm) -> IssuerInput:
    f = Fields()
    number = clean_registration_number(form.registration_number)
    if number and not is_registration_number(number):
        f.fail("registration_number", "registration_number.invalid")
    pattern = f.text("number_pattern", form.number_pattern, limit=numbering.MAX_NUMBER, required=True)
    if pattern and (error := numbering.pattern_error(pattern)):
        f.fail("number_pattern", error)
    rounding = f.choice("default_rounding", form.default_rounding, Rounding)
    days = f.number("default_validity_days", form.default_validity_days, low=1, high=365)
    threshold = f.number("approval_threshold_percent", form.approval_threshold_percent, low=0, high=100)
    data = IssuerInput(
        name=f.text("name", form.name, limit=TITLE, required=True),
        address=f.text("address", form.address, limit=LINE * 2, lines=True),
        phone=norm.nfkc(f.text("phone", form.phone, limit=50)),
        registration_number=number,
        bank_notes=f.text("bank_notes", form.bank_notes, limit=2_000, lines=True),
        default_payment_terms=f.text("default_payment_terms", form.default_payment_terms, limit=TITLE),
        default_rounding=rounding or Rounding.floor,
        default_validity_days=days or 30,
        number_pattern=pattern,
        approval_threshold_percent=threshold,
        seen_version=f.version(form.version),
    )
    f.done()
    return data


def line_form(line: Any) -> LineForm:
    """The editor row of a saved line (a QuoteLine or a LineInput)."""
    if line.discount_percent:
        discount = f"{fmt_quantity(line.discount_percent)}%"
    else:
        discount = f"{line.discount_jpy:,}" if line.discount_jpy else ""
    return LineForm(
        description=line.description,
        quantity=fmt_quantity(line.quantity),
        unit=line.unit,
        unit_price=f"{line.unit_price_jpy:,}",
        discount=discount,
        tax_category=str(line.tax_category),
        product_id=str(line.product_id or ""),
    )


def product_form(product: Any) -> ProductForm:
    """The administration page's form of a saved product."""
    return ProductForm(
        code=product.code,
        name=product.name,
        description=product.description,
        unit=product.unit,
        unit_price=f"{product.unit_price_jpy:,}",
        tax_category=product.tax_category,
        is_active="1" if product.is_active else "",
        version=product.version,
    )


def fmt_quantity(value: Decimal | int | str) -> str:
    """1.500 → "1.5", 10.000 → "10", 1234 → "1,234": as a quantity reads on a quote."""
    text = f"{Decimal(value):,f}"
    return text.rstrip("0").rstrip(".") if "." in text else text

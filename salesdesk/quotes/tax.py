"""Consumption tax of a quote, the way the qualified-invoice rules (インボイス制度) compute it.

Per tax category the lines are summed first; the tax is computed on that sum and rounded
once per rate (切り捨て / 四捨五入 / 切り上げ, the issuer's choice), never per line. Prices are
entered tax-exclusive (税抜) or tax-inclusive (税込); with 税込 the tax of a rate is the part of
that rate's sum the tax is included in (sum × r / (100 + r)), rounded once, and the sum less
it is the subtotal excl. tax. Everything here is integers and Decimal: money is never a float.

Pure functions: services, pages, the PDF and the JSON API all total a quote through `totals()`.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_DOWN, ROUND_HALF_UP, ROUND_UP, Decimal

from salesdesk.accounts import normalize as norm


class TaxCategory(enum.StrEnum):
    standard = "standard"  # 10%
    reduced = "reduced"  # 8% (food, newspapers): marked ※ on the document
    exempt = "exempt"  # 非課税 / 不課税: no tax


RATES: dict[TaxCategory, int] = {TaxCategory.standard: 10, TaxCategory.reduced: 8, TaxCategory.exempt: 0}
CATEGORY_ORDER = (TaxCategory.standard, TaxCategory.reduced, TaxCategory.exempt)


class Rounding(enum.StrEnum):
    """How a fraction of a yen is rounded; on the magnitude, so a discount rounds like a price."""

    floor = "floor"  # 切り捨て (the usual default)
    half_up = "half_up"  # 四捨五入
    ceil = "ceil"  # 切り上げ


_MODES = {Rounding.floor: ROUND_DOWN, Rounding.half_up: ROUND_HALF_UP, Rounding.ceil: ROUND_UP}


def round_yen(amount: Decimal, rounding: Rounding) -> int:
    return int(amount.quantize(Decimal(1), rounding=_MODES[Rounding(rounding)]))


@dataclass(frozen=True)
class Line:
    """What the tax rule needs of a quote line (QuoteLine and the editor's input both give these)."""

    quantity: Decimal
    unit_price_jpy: int  # negative on a discount line (値引き)
    tax_category: TaxCategory
    discount_percent: Decimal | None = None  # off this line's quantity × price
    discount_jpy: int | None = None  # off this line's quantity × price, in yen


def line_gross(line: Line, rounding: Rounding) -> int:
    """Quantity × unit price before the line's discount, rounded to the yen (1.5 h × ¥3,333)."""
    return round_yen(Decimal(line.quantity) * line.unit_price_jpy, rounding)


def line_discount(line: Line, rounding: Rounding) -> int:
    """The yen taken off the line by its own discount (0 without one)."""
    gross = line_gross(line, rounding)
    if line.discount_percent:
        return round_yen(gross * Decimal(line.discount_percent) / 100, rounding)
    return line.discount_jpy or 0


def line_amount(line: Line, rounding: Rounding) -> int:
    """The line's 金額: what its row shows and what is summed per rate."""
    return line_gross(line, rounding) - line_discount(line, rounding)


@dataclass(frozen=True)
class CategoryTotal:
    tax_category: TaxCategory
    rate_percent: int
    subtotal_jpy: int  # excl. tax, also for 税込 entry
    tax_jpy: int

    @property
    def total_jpy(self) -> int:
        return self.subtotal_jpy + self.tax_jpy


@dataclass(frozen=True)
class Totals:
    by_category: tuple[CategoryTotal, ...]  # only the categories the quote has lines of
    prices_include_tax: bool

    @property
    def subtotal_jpy(self) -> int:
        return sum(c.subtotal_jpy for c in self.by_category)

    @property
    def tax_jpy(self) -> int:
        return sum(c.tax_jpy for c in self.by_category)

    @property
    def total_jpy(self) -> int:
        return self.subtotal_jpy + self.tax_jpy

    @property
    def has_reduced(self) -> bool:
        return any(c.tax_category == TaxCategory.reduced for c in self.by_category)

    def as_json(self) -> dict:
        """API.md's shape: per category the subtotal excl. tax and its tax; total incl. tax."""
        return {
            "by_category": [
                {
                    "tax_category": c.tax_category.value,
                    "rate_percent": c.rate_percent,
                    "subtotal_jpy": c.subtotal_jpy,
                    "tax_jpy": c.tax_jpy,
                }
                for c in self.by_category
            ],
            "subtotal_jpy": self.subtotal_jpy,
            "tax_jpy": self.tax_jpy,
            "total_jpy": self.total_jpy,
        }


def category_total(category: TaxCategory, amount: int, rounding: Rounding, prices_include_tax: bool) -> CategoryTotal:
    """The tax of one rate's sum of line amounts, rounded once."""
    rate = RATES[TaxCategory(category)]
    if prices_include_tax:
        tax = round_yen(Decimal(amount) * rate / (100 + rate), rounding)
        return CategoryTotal(TaxCategory(category), rate, amount - tax, tax)
    return CategoryTotal(TaxCategory(category), rate, amount, round_yen(Decimal(amount) * rate / 100, rounding))


def category_sums(lines: Iterable[Line], rounding: Rounding) -> dict[TaxCategory, int]:
    sums: dict[TaxCategory, int] = {}
    for line in lines:
        category = TaxCategory(line.tax_category)
        sums[category] = sums.get(category, 0) + line_amount(line, rounding)
    return sums


def totals(lines: Iterable[Line], rounding: Rounding = Rounding.floor, prices_include_tax: bool = False) -> Totals:
    sums = category_sums(lines, rounding)
    return Totals(
        tuple(category_total(c, sums[c], rounding, prices_include_tax) for c in CATEGORY_ORDER if c in sums),
        prices_include_tax,
    )


def discount_share(lines: Iterable[Line], rounding: Rounding) -> Decimal:
    """The part of the undiscounted price given away (line discounts and discount lines), in percent:
    what a discount approval threshold is compared with."""
    listed = given = 0
    for line in lines:
        gross = line_gross(line, rounding)
        if gross < 0:
            given -= gross
        else:
            listed += gross
            given += line_discount(line, rounding)
    if listed <= 0:
        return Decimal(0)
    return (Decimal(given) * 100 / listed).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


# --- 登録番号 (the issuer's qualified-invoice registration number) ------------------------------


def clean_registration_number(value: str | None) -> str:
    """As people type it: full-width, lower-case t, hyphens or spaces ("T 6-0100-0100-0001")."""
    return re.sub(r"[\s\-]", "", norm.nfkc(value)).upper()


def is_registration_number(value: str) -> bool:
    """ "T" and 13 digits whose first is the 法人番号 check digit over the other twelve."""
    return len(value) == 14 and value[0] == "T" and norm.is_corporate_number(value[1:])

"""The quote editor between saves: its buttons (add a line or a product, remove or move a line) and
the figures it shows as lines change, computed here on the server from the rows as typed.

Nothing is saved until the Save button: with htmx each change posts the whole form and gets the
editor back with new amounts and totals; without JavaScript the same buttons post the same form
and the page comes back. A row that does not parse yet shows its error and counts for nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from salesdesk.errors import Invalid
from salesdesk.inputs import Fields
from salesdesk.quotes.forms import MAX_LINES, LineForm, QuoteForm, parse_line, parse_quote
from salesdesk.quotes.models import Product
from salesdesk.quotes.tax import Rounding, Totals, line_amount, totals

SAVE = "save"


@dataclass
class Preview:
    amounts: dict[int, int]  # row index -> the row's amount, for the rows that parse
    totals: Totals
    errors: dict[str, str]  # the rows' errors, keyed "line-N-field"


def product_line(product: Product) -> LineForm:
    return LineForm(
        description=product.name,
        quantity="1",
        unit=product.unit,
        unit_price=f"{product.unit_price_jpy:,}",
        tax_category=product.tax_category,
        product_id=str(product.id),
    )


def apply(form: QuoteForm, action: str, product: Product | None = None) -> QuoteForm:
    """The form after one of the editor's buttons: add_line, add_product, remove-N, up-N, down-N."""
    lines = list(form.lines)
    verb, _, index = action.partition("-")
    n = int(index) if index.isdigit() else -1
    if verb == "add_line" and len(lines) < MAX_LINES:
        lines.append(LineForm())
    elif verb == "add_product" and product is not None and len(lines) < MAX_LINES:
        lines = [line for line in lines if not line.is_blank] + [product_line(product)]
    elif verb == "remove" and 0 <= n < len(lines):
        del lines[n]
    elif verb == "up" and 0 < n < len(lines):
        lines[n - 1], lines[n] = lines[n], lines[n - 1]
    elif verb == "down" and 0 <= n < len(lines) - 1:
        lines[n], lines[n + 1] = lines[n + 1], lines[n]
    if not lines:
        lines = [LineForm()]
    return replace(form, lines=lines)


def preview(form: QuoteForm) -> Preview:
    try:
        rounding = Rounding(form.rounding) if form.rounding else Rounding.floor
    except ValueError:
        rounding = Rounding.floor
    f = Fields()
    amounts, parsed = {}, []
    for n, row in enumerate(form.lines[:MAX_LINES]):
        if row.is_blank:
            continue
        line = parse_line(f, n, row)
        if line is not None and not any(key.startswith(f"line-{n}-") for key in f.errors):
            amounts[n] = line_amount(line.tax_line, rounding)
            parsed.append(line.tax_line)
    include_tax = f.flag(form.prices_include_tax)
    return Preview(amounts, totals(parsed, rounding, include_tax), f.errors)


def errors_of(form: QuoteForm) -> dict[str, str]:
    """Every field's error as a save would find it (the editor shows them without saving)."""
    try:
        parse_quote(form)
    except Invalid as invalid:
        return invalid.errors
    return {}

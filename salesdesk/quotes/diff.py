"""What changed from one revision of a quote to the next: its lines and its totals."""

from __future__ import annotations

from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import Any

from salesdesk.quotes.models import Quote, QuoteLine

HEADER_FIELDS = ("subject", "valid_until", "delivery", "delivery_place", "payment_terms", "notes", "addressee")


@dataclass
class LineChange:
    kind: str  # added | removed | changed | same
    old: QuoteLine | None
    new: QuoteLine | None


@dataclass
class QuoteDiff:
    lines: list[LineChange]
    totals: list[tuple[str, int, int]]  # (field, old, new) of subtotal, tax and total that differ
    fields: list[tuple[str, Any, Any]]  # the document's other fields that differ

    @property
    def is_empty(self) -> bool:
        return not self.totals and not self.fields and all(c.kind == "same" for c in self.lines)


def _key(line: QuoteLine) -> tuple:
    return (line.description, line.quantity, line.unit, line.unit_price_jpy, line.discount_percent,
            line.discount_jpy, line.tax_category)  # fmt: skip


def _pairs(old: list[QuoteLine], new: list[QuoteLine]) -> list[LineChange]:
    """Lines matched in order; a replaced block pairs its rows as changes, the rest added or removed."""
    changes: list[LineChange] = []
    matcher = SequenceMatcher(a=[_key(x) for x in old], b=[_key(x) for x in new], autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            changes += [LineChange("same", old[i], new[j]) for i, j in zip(range(i1, i2), range(j1, j2), strict=True)]
            continue
        paired = min(i2 - i1, j2 - j1) if tag == "replace" else 0
        changes += [LineChange("changed", old[i1 + k], new[j1 + k]) for k in range(paired)]
        changes += [LineChange("removed", old[i], None) for i in range(i1 + paired, i2)]
        changes += [LineChange("added", None, new[j]) for j in range(j1 + paired, j2)]
    return changes


def compare(old: Quote, new: Quote) -> QuoteDiff:
    totals = [(name, getattr(old, name), getattr(new, name)) for name in ("subtotal_jpy", "tax_jpy", "total_jpy")]
    fields = [(name, getattr(old, name), getattr(new, name)) for name in HEADER_FIELDS]
    return QuoteDiff(
        _pairs(list(old.lines), list(new.lines)),
        [t for t in totals if t[1] != t[2]],
        [f for f in fields if f[1] != f[2]],
    )

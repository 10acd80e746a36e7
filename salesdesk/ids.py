"""Ids and whole numbers from URLs and forms: the app's one parser for them.

Only ASCII digits count (full-width ０-９ from a Japanese input method are read as ASCII
first): `str.isdigit()` is also true for '᧚' or '²', which `int()` refuses or misreads.
A value must fit the database's integer (bigint; SQLite's range is the same), so a huge
number is "no such row", never an OverflowError inside the driver. Path ids are checked
before any handler runs (salesdesk.edge).
"""

from __future__ import annotations

import re

from salesdesk.errors import Invalid

MAX_ID = 2**63 - 1
MAX_PAGE = 100_000  # a page number times a page size stays far inside an OFFSET
_FULL_WIDTH = str.maketrans("－０１２３４５６７８９", "-0123456789")
DIGITS = re.compile(r"[0-9]{1,19}")  # 19 digits hold MAX_ID; more is out of range anyway
_NUMBER = re.compile(r"-?[0-9]{1,19}")


def parse_int(text: str | None, *, low: int = 0, high: int = MAX_ID) -> int | None:
    """A whole number within low..high from ASCII (or full-width) digits; None for anything else."""
    if text is None or len(text) > 40:
        return None
    value = text.translate(_FULL_WIDTH).strip()
    if not _NUMBER.fullmatch(value):
        return None
    number = int(value)
    return number if low <= number <= high else None


def parse_id(text: str | None) -> int | None:
    """A row id (1..2**63-1) or None: malformed, empty and out-of-range values alike."""
    return parse_int(text, low=1)


def parse_page(text: str | None) -> int:
    """A list's page number from the URL: 1 unless it is a sane page."""
    return parse_int(text, low=1, high=MAX_PAGE) or 1


def require_id(field: str, text: str | None) -> int:
    """A row id a form must carry: Invalid (422) for that field when it is missing or malformed."""
    if (number := parse_id(text)) is None:
        raise Invalid(**{field: "choice.invalid"})
    return number


def optional_id(field: str, text: str | None) -> int | None:
    """An optional id (an empty <select>): None when empty, Invalid when something else was sent."""
    if text is None or not text.strip():
        return None
    return require_id(field, text)

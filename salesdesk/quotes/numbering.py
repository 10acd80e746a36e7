"""Quote numbers: a configurable pattern (Q-{year}-{seq:04} → Q-2026-0042), gap-free per fiscal year.

The next sequence of a year is taken with one `UPDATE quote_counters SET last_number =
last_number + 1 … RETURNING last_number` in the transaction that saves the quote. On PostgreSQL
the UPDATE locks the year's row (what `SELECT … FOR UPDATE` would take) until that transaction
ends: a concurrent creation waits, then reads the committed value, so two quotes never get one
number; if the quote's transaction rolls back, so does its number, so none is skipped. SQLite
lets one writer in at a time, which gives the same. The year's row is created on first use with
INSERT … ON CONFLICT DO NOTHING, so two first quotes of a year do not collide either.
"""

from __future__ import annotations

import string
from datetime import date

from sqlalchemy import update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from salesdesk.pipeline import fiscal
from salesdesk.quotes.models import QuoteCounter

FIELDS = {"year", "yy", "seq"}
MAX_NUMBER = 50  # Quote.number is String(50)


def pattern_error(pattern: str) -> str | None:
    """An error key when the pattern cannot number quotes uniquely; None when it can."""
    try:
        parts = list(string.Formatter().parse(pattern))
        names = {name for _text, name, _spec, _conv in parts if name is not None}
        sample = format_number(pattern, 2026, 9999)
    except (ValueError, KeyError, IndexError):
        return "number_pattern.invalid"
    if not names <= FIELDS or "seq" not in names or not names & {"year", "yy"}:
        return "number_pattern.invalid"
    if len(sample) > MAX_NUMBER:
        return "number_pattern.too_long"
    return None


def format_number(pattern: str, year: int, seq: int) -> str:
    return pattern.format(year=year, yy=f"{year % 100:02d}", seq=seq)


async def next_sequence(db: AsyncSession, year: int) -> int:
    insert = postgresql.insert if db.bind.dialect.name == "postgresql" else sqlite.insert
    await db.execute(insert(QuoteCounter).values(fiscal_year=year, last_number=0).on_conflict_do_nothing())
    taken = await db.scalar(
        update(QuoteCounter)
        .where(QuoteCounter.fiscal_year == year)
        .values(last_number=QuoteCounter.last_number + 1)
        .returning(QuoteCounter.last_number)
    )
    assert taken is not None
    return taken


async def next_number(db: AsyncSession, pattern: str, day: date, fiscal_start_month: int) -> tuple[str, int, int]:
    """(number, fiscal year, sequence) for a quote issued on `day`."""
    year = fiscal.fiscal_year(day, fiscal_start_month)
    seq = await next_sequence(db, year)
    return format_number(pattern, year, seq), year, seq

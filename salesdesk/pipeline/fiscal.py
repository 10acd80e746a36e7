"""Fiscal years and quarters (期・四半期): most Japanese companies start in April (default), some
in January. FY2026 with an April start runs from 2026-04-01 to 2027-03-31 (2026年度)."""

from __future__ import annotations

from datetime import date, timedelta


def add_months(day: date, months: int) -> date:
    """The first of the month `months` after day's month."""
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def month_end(day: date) -> date:
    return add_months(day, 1) - timedelta(days=1)


def fiscal_year(day: date, start_month: int) -> int:
    """The fiscal year a day belongs to, named by the calendar year it starts in."""
    return day.year if day.month >= start_month else day.year - 1


def year_range(year: int, start_month: int) -> tuple[date, date]:
    first = date(year, start_month, 1)
    return first, add_months(first, 12) - timedelta(days=1)


def quarter(day: date, start_month: int) -> int:
    """1..4: 第1四半期 is the fiscal year's first three months."""
    return ((day.month - start_month) % 12) // 3 + 1


def quarter_range(day: date, start_month: int) -> tuple[date, date]:
    first = add_months(date(fiscal_year(day, start_month), start_month, 1), 3 * (quarter(day, start_month) - 1))
    return first, add_months(first, 3) - timedelta(days=1)


def months(year: int, start_month: int) -> list[date]:
    """The first day of each of the fiscal year's twelve months."""
    first = date(year, start_month, 1)
    return [add_months(first, n) for n in range(12)]

"""営業日: business days skip weekends, Japan's public holidays and the company's closure days.

Public holidays come from the `holidays` package (振替休日 and 国民の休日 included), never from a
hand-kept list. Closure days are the admin's: 年末年始 (12/29–1/3) by default, お盆 (8/13–8/16) if
chosen, and any further dates (創立記念日, a 一斉休業). "N営業日後" counts N business days after a
day, so 3営業日後 of a Friday is the Wednesday after (with no holiday between).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta

import holidays
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from salesdesk.calendar.models import CalendarSettings

YEAR_END = ((12, 29), (12, 30), (12, 31), (1, 1), (1, 2), (1, 3))
OBON = ((8, 13), (8, 14), (8, 15), (8, 16))
MAX_BUSINESS_DAYS = 250  # about a year: further than that nobody plans in business days

_PUBLIC = holidays.country_holidays("JP", language="ja")  # fills in each year on first use


def public_holiday(day: date) -> str | None:
    """The holiday's Japanese name (昭和の日, 振替休日 …), or None."""
    return _PUBLIC.get(day)


@dataclass(frozen=True)
class BusinessCalendar:
    closes_year_end: bool = True
    closes_obon: bool = False
    closed_days: frozenset[date] = field(default_factory=frozenset)

    def closure(self, day: date) -> str | None:
        """Why the company is closed that day ("year_end", "obon", "closed"), or None."""
        if self.closes_year_end and (day.month, day.day) in YEAR_END:
            return "year_end"
        if self.closes_obon and (day.month, day.day) in OBON:
            return "obon"
        if day in self.closed_days:
            return "closed"
        return None

    def is_business_day(self, day: date) -> bool:
        return day.weekday() < 5 and public_holiday(day) is None and self.closure(day) is None

    def add(self, start: date, days: int) -> date:
        """`days` business days after `start` (before it when negative); 0 is `start` itself when it
        is a business day, else the next one."""
        step = 1 if days >= 0 else -1
        day, left = start, abs(days)
        if left == 0:
            while not self.is_business_day(day):
                day += timedelta(days=1)
            return day
        while left:
            day += timedelta(days=step)
            if self.is_business_day(day):
                left -= 1
        return day

    def on_or_before(self, day: date) -> date:
        """The day itself if a business day, else the business day before (a deadline falls back)."""
        while not self.is_business_day(day):
            day -= timedelta(days=1)
        return day

    def days_off(self, start: date, end: date) -> list[tuple[date, str]]:
        """Each non-working weekday from start to end (inclusive) with its reason: a holiday's name, or
        the closure key."""
        found = []
        day = start
        while day <= end:
            if day.weekday() < 5 and not self.is_business_day(day):
                found.append((day, public_holiday(day) or self.closure(day) or ""))
            day += timedelta(days=1)
        return found


def calendar_of(settings: CalendarSettings | None) -> BusinessCalendar:
    if settings is None:
        return BusinessCalendar()
    days = frozenset(date.fromisoformat(d) for d in settings.closed_days or ())
    return BusinessCalendar(bool(settings.closes_year_end), bool(settings.closes_obon), days)


async def load_settings(db: AsyncSession) -> CalendarSettings | None:
    return await db.scalar(select(CalendarSettings).order_by(CalendarSettings.id).limit(1))


async def business_calendar(db: AsyncSession) -> BusinessCalendar:
    """The company's business calendar (the defaults until an admin saves the settings)."""
    return calendar_of(await load_settings(db))


async def business_days_from(db: AsyncSession, today: date) -> Callable[[int], date]:
    """n -> the day n business days after `today` (what a task form's "N営業日後" means)."""
    calendar = await business_calendar(db)
    return lambda days: calendar.add(today, days)


async def business_days_if_asked(db: AsyncSession, today: date, typed: str) -> Callable[[int], date] | None:
    """business_days_from, when a form's next action was given as "N営業日後" (reading the closure
    days costs a statement, which the board's moves and the deal form otherwise never pay)."""
    return await business_days_from(db, today) if typed.strip() else None


_BUSINESS_DAYS = re.compile(r"(\d{1,3})\s*(?:営業日後?|business\s*days?(?:\s*later)?|bd)?")


def parse_business_days(text: str) -> int | None:
    """ "3", "３営業日後", "3 business days" -> 3; empty -> None; ValueError when it is not one of these
    or out of range (1 to MAX_BUSINESS_DAYS)."""
    text = unicodedata.normalize("NFKC", text or "").strip().lower()
    if not text:
        return None
    match = _BUSINESS_DAYS.fullmatch(text)
    if match is None or not 1 <= int(match.group(1)) <= MAX_BUSINESS_DAYS:
        raise ValueError(text)
    return int(match.group(1))

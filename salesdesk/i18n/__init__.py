"""Translations (Babel catalogs, Japanese first) and locale-aware formatting of yen and dates.

The current locale and time zone live in context variables set per request by the
middleware, so templates, services' messages and filters all speak the user's language.
"""

from __future__ import annotations

from contextvars import ContextVar
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

from babel.support import NullTranslations, Translations

LOCALES_DIR = Path(__file__).parent / "locales"
SUPPORTED = ("ja", "en")
DEFAULT_LOCALE = "ja"
DEFAULT_TIME_ZONE = "Asia/Tokyo"

current_locale: ContextVar[str] = ContextVar("current_locale", default=DEFAULT_LOCALE)
current_time_zone: ContextVar[str] = ContextVar("current_time_zone", default=DEFAULT_TIME_ZONE)


@lru_cache(maxsize=len(SUPPORTED))
def translations(locale: str) -> NullTranslations:
    return Translations.load(str(LOCALES_DIR), [locale], domain="messages")


def gettext(message: str, **variables: object) -> str:
    text = translations(current_locale.get()).gettext(message)
    return text % variables if variables else text


def ngettext(singular: str, plural: str, n: int, **variables: object) -> str:
    """Like gettext: formatted only when given variables (num is added). Templates call it through
    Jinja's newstyle wrapper, which passes none and formats the text itself, extra placeholders too."""
    text = translations(current_locale.get()).ngettext(singular, plural, n)
    if not variables:
        return text
    variables.setdefault("num", n)
    return text % variables


_ = gettext


def pick_locale(*candidates: str | None) -> str:
    for candidate in candidates:
        if not candidate:
            continue
        for part in candidate.split(","):
            code = part.split(";")[0].strip().lower()[:2]
            if code in SUPPORTED:
                return code
    return DEFAULT_LOCALE


def yen(amount: int | Decimal | None) -> str:
    """¥1,234,567 in both languages; integer yen (money is never a float here).

    Both languages group by three with commas, so no locale lookup is needed: the board
    formats a few hundred amounts per page.
    """
    if amount is None:
        return ""
    sign = "-" if amount < 0 else ""
    return f"{sign}¥{abs(int(amount)):,}"


def _zone() -> ZoneInfo:
    try:
        return ZoneInfo(current_time_zone.get())
    except (KeyError, ValueError):
        return ZoneInfo(DEFAULT_TIME_ZONE)


def local(value: datetime) -> datetime:
    return value.astimezone(_zone())


def local_today() -> date:
    """Today in the current user's time zone (Asia/Tokyo unless they chose another)."""
    return datetime.now(_zone()).date()


JA_WEEKDAYS = "月火水木金土日"
EN_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
EN_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def fmt_date(value: date | datetime | None, with_weekday: bool = True) -> str:
    """2026/11/23(月) in Japanese, Nov 23, 2026 (Mon) in English (no CLDR lookup: hot on the board)."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = local(value).date()
    if current_locale.get() == "ja":
        text = f"{value.year}/{value.month:02d}/{value.day:02d}"
        return f"{text}({JA_WEEKDAYS[value.weekday()]})" if with_weekday else text
    text = f"{EN_MONTHS[value.month - 1]} {value.day}, {value.year}"
    return f"{text} ({EN_WEEKDAYS[value.weekday()]})" if with_weekday else text


def fmt_short_date(value: date | None) -> str:
    """11/23(月) or Nov 23: a date this year, where space is short (board cards)."""
    if value is None:
        return ""
    if current_locale.get() == "ja":
        return f"{value.month}/{value.day}({JA_WEEKDAYS[value.weekday()]})"
    return f"{EN_MONTHS[value.month - 1]} {value.day}"


def iso_date(value: date | None) -> str:
    return "" if value is None else value.isoformat()


def fmt_time(value: datetime | None) -> str:
    """14:30 in the user's time zone."""
    return "" if value is None else local(value).strftime("%H:%M")


def fmt_datetime(value: datetime | None) -> str:
    """2026/11/24(火) 00:30 or Nov 24, 2026 12:30 AM in the user's time zone (Asia/Tokyo unless they chose
    another); CLDR's patterns written out, as fmt_date does: each timeline entry shows one."""
    if value is None:
        return ""
    moment = local(value)
    if current_locale.get() == "ja":
        return f"{fmt_date(moment.date())} {moment.hour:02d}:{moment.minute:02d}"
    hour = moment.hour % 12 or 12
    noon = "AM" if moment.hour < 12 else "PM"
    return f"{EN_MONTHS[moment.month - 1]} {moment.day}, {moment.year} {hour}:{moment.minute:02d} {noon}"

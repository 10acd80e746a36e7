"""Form bodies of the pipeline pages (every field a string defaulting to "", so bad input becomes
a field error from the service, 422 with the input kept) and how typed values are read."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, time
from decimal import Decimal, InvalidOperation

from salesdesk.accounts import normalize as norm
from salesdesk.accounts.import_files import parse_when
from salesdesk.ids import parse_id as parse_id  # re-exported for callers written before salesdesk.ids
from salesdesk.ids import parse_int

MAX_YEN = 10**13  # ten trillion yen: beyond any deal, well inside a 64-bit integer times 100


@dataclass
class NextActionFields:
    """The next action asked for together with a deal's creation, a move or a completed task."""

    next_title: str = ""
    next_kind: str = "call"
    next_due_on: str = ""
    next_due_time: str = ""

    @property
    def wants_next_action(self) -> bool:
        return bool(self.next_title.strip() or self.next_due_on.strip())


@dataclass
class DealForm(NextActionFields):
    company_id: str = ""
    title: str = ""
    amount_jpy: str = ""
    expected_close_date: str = ""
    pipeline_id: str = ""
    stage_id: str = ""
    owner_id: str = ""
    forecast: str = "C"
    forecast_reason: str = ""  # why ヨミ dropped: required when it is lowered
    probability: str = ""  # empty: the stage's probability
    source: str = ""
    competitors: str = ""
    challenges: str = ""
    lost_reason_id: str = ""
    lost_note: str = ""
    version: int = 0


@dataclass
class MoveForm(NextActionFields):
    """A card dropped on a stage (or moved with the card's menu), with what that stage requires."""

    stage_id: str = ""
    version: int = 0
    after_id: str = ""  # the card just above the drop point, if any
    before_id: str = ""  # the card just below it
    amount_jpy: str = ""
    expected_close_date: str = ""
    lost_reason_id: str = ""
    lost_note: str = ""
    competitors: str = ""
    challenges: str = ""
    primary_person_id: str = ""
    closed_on: str = ""  # the won/lost date; empty: today


@dataclass
class ForecastForm:
    forecast: str = ""
    reason: str = ""
    version: int = 0


@dataclass
class ContactForm:
    person_id: str = ""
    role: str = ""
    is_primary: str = ""


# --- typed values ------------------------------------------------------------------------

_YEN = re.compile(r"^(?P<number>\d+(?:\.\d+)?)(?P<unit>万|億|千)?$")
_UNITS = {None: 1, "千": 1_000, "万": 10_000, "億": 100_000_000}


def parse_yen(text: str) -> int | None:
    """Integer yen from "1,234,567", "¥1,234,567", "1234567円", "120万", "1.5億"; None when empty.

    Raises ValueError for anything else, fractions of a yen and negative amounts included.
    """
    cleaned = re.sub(r"[,\s¥￥円]", "", norm.nfkc(text)).replace("\\", "")
    if not cleaned:
        return None
    match = _YEN.match(cleaned)
    if match is None:
        raise ValueError(text)
    try:
        amount = Decimal(match["number"]) * _UNITS[match["unit"]]
    except InvalidOperation as error:
        raise ValueError(text) from error
    if amount != amount.to_integral_value() or amount >= MAX_YEN:
        raise ValueError(text)
    return int(amount)


def parse_date(text: str) -> date | None:
    """A date as users type it (2026-12-10, 2026/12/10, 2026年12月10日, 令和8年12月10日); None when empty.

    Raises ValueError when something was typed that is not a date.
    """
    if not text.strip():
        return None
    parsed = parse_when(text.strip())
    if parsed is None:
        raise ValueError(text)
    return parsed[0]


def parse_time(text: str) -> time | None:
    value = norm.nfkc(text).strip()
    if not value:
        return None
    match = re.fullmatch(r"(\d{1,2})[:時](\d{2})分?", value)
    if match is None or int(match[1]) > 23 or int(match[2]) > 59:
        raise ValueError(text)
    return time(int(match[1]), int(match[2]))


def parse_percent(text: str) -> int | None:
    value = norm.nfkc(text).strip().rstrip("%").strip()
    if not value:
        return None
    if (percent := parse_int(value, high=100)) is None:
        raise ValueError(text)
    return percent

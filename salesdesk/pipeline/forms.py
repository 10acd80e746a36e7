"""Form bodies of the pipeline pages and the typed input the services take.

A form is what Litestar parses (every field a string defaulting to "", so nothing is refused
before we can answer with the input kept); `parse_deal(form) -> DealInput` and its siblings read
it into typed values or raise Invalid with every field's error (422). Services take only the
typed inputs, so the JSON API can build the same ones from its bodies.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, time
from decimal import Decimal, InvalidOperation

from salesdesk.accounts import normalize as norm
from salesdesk.accounts.import_files import parse_when
from salesdesk.accounts.models import BuyingRole
from salesdesk.calendar.business_days import parse_business_days
from salesdesk.ids import parse_id as parse_id  # re-exported for callers written before salesdesk.ids
from salesdesk.ids import parse_int
from salesdesk.inputs import NOTES, TITLE, Fields
from salesdesk.pipeline.models import Forecast
from salesdesk.tasks.models import TaskKind

MAX_YEN = 10**13  # ten trillion yen: beyond any deal, well inside a 64-bit integer times 100
SOURCE = 50  # a deal's source (column String(50))


@dataclass
class NextActionFields:
    """The next action asked for together with a deal's creation, a move or a completed task."""

    next_title: str = ""
    next_kind: str = "call"
    next_due_on: str = ""
    next_due_in: str = ""  # "N営業日後": N business days from today, instead of next_due_on
    next_due_time: str = ""

    @property
    def wants_next_action(self) -> bool:
        return bool(self.next_title.strip() or self.next_due_on.strip() or self.next_due_in.strip())


DueFrom = Callable[[int], date]  # n -> the day n business days from today (business_days_from)


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
    close_tasks: str = ""  # won: complete the deal's open tasks, lost: cancel them


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


# --- typed input ---------------------------------------------------------------------------


@dataclass(frozen=True)
class NextActionInput:
    """A next action given with a deal, a move or a completion (its errors are keyed next_*)."""

    title: str
    kind: TaskKind
    due_on: date
    due_time: time | None = None


@dataclass(frozen=True)
class DealInput:
    title: str
    forecast: Forecast
    seen_version: int = 0  # the version the edit form was drawn from (ignored on creation)
    company_id: int | None = None  # a new deal's company (an existing deal keeps its own)
    amount_jpy: int | None = None
    expected_close_date: date | None = None
    pipeline_id: int | None = None  # a new deal without a stage starts in this one's first stage
    stage_id: int | None = None  # None: the deal stays where it is (new: the first open stage)
    owner_id: int | None = None  # None: the deal keeps its owner (new: the actor)
    forecast_reason: str = ""  # why ヨミ dropped: required when it is lowered
    probability: int | None = None  # None: the stage's probability
    source: str = ""
    competitors: str = ""
    challenges: str = ""
    lost_reason_id: int | None = None
    lost_note: str = ""
    next_action: NextActionInput | None = None


@dataclass(frozen=True)
class MoveInput:
    """A card dropped on a stage, with what that stage requires (empty values supply nothing)."""

    stage_id: int
    seen_version: int
    after_id: int | None = None
    before_id: int | None = None
    amount_jpy: int | None = None
    expected_close_date: date | None = None
    lost_reason_id: int | None = None
    lost_note: str = ""
    competitors: str = ""
    challenges: str = ""
    primary_person_id: int | None = None
    closed_on: date | None = None  # the won/lost date; None: today
    next_action: NextActionInput | None = None
    close_tasks: bool = False  # entering won completes the deal's open tasks, lost cancels them


@dataclass(frozen=True)
class ForecastInput:
    forecast: Forecast
    reason: str
    seen_version: int


@dataclass(frozen=True)
class ContactInput:
    person_id: int | None
    role: BuyingRole | None = None  # None: the person's buying role on the account
    is_primary: bool = False


def business_day(fields: Fields, key: str, typed: str, due_from: DueFrom | None) -> date | None:
    """The day "N営業日後" names (None when nothing was typed or the page gave no calendar)."""
    try:
        days = parse_business_days(typed)
    except ValueError:
        fields.fail(key, "number.invalid")
        return None
    return due_from(days) if days is not None and due_from is not None else None


def parse_next_action(
    fields: Fields, form: NextActionFields, due_from: DueFrom | None = None
) -> NextActionInput | None:
    """The next action, when one was asked for (a title, a date or business days typed); errors go
    into `fields`. "N営業日後" wins over a date."""
    if not form.wants_next_action:
        return None
    title = fields.text("next_title", form.next_title, limit=TITLE, required=True)
    kind = fields.choice("next_kind", form.next_kind, TaskKind)
    due_on = business_day(fields, "next_due_in", form.next_due_in, due_from)
    if due_on is None and "next_due_in" not in fields.errors:
        due_on = fields.date("next_due_on", form.next_due_on, required=True)
    due_time = fields.time("next_due_time", form.next_due_time)
    if kind is None or due_on is None or not title:
        return None
    return NextActionInput(title, kind, due_on, due_time)


def _percent(fields: Fields, field: str, text: str) -> int | None:
    try:
        return parse_percent(text)
    except ValueError:
        fields.fail(field, "probability.invalid")
        return None


def parse_deal(form: DealForm, *, due_from: DueFrom | None = None) -> DealInput:
    f = Fields()
    values = {
        "company_id": f.id("company_id", form.company_id),
        "title": f.text("title", form.title, limit=TITLE, required=True),
        "amount_jpy": f.yen("amount_jpy", form.amount_jpy),
        "expected_close_date": f.date("expected_close_date", form.expected_close_date),
        "pipeline_id": f.id("pipeline_id", form.pipeline_id),
        "stage_id": f.id("stage_id", form.stage_id),
        "owner_id": f.id("owner_id", form.owner_id),
        "forecast": f.choice("forecast", form.forecast, Forecast),
        "forecast_reason": f.text("forecast_reason", form.forecast_reason, limit=NOTES, lines=True),
        "probability": _percent(f, "probability", form.probability),
        "source": f.text("source", form.source, limit=SOURCE),
        "competitors": f.text("competitors", form.competitors, limit=NOTES, lines=True),
        "challenges": f.text("challenges", form.challenges, limit=NOTES, lines=True),
        "lost_reason_id": f.id("lost_reason_id", form.lost_reason_id),
        "lost_note": f.text("lost_note", form.lost_note, limit=NOTES, lines=True),
        "seen_version": f.version(form.version),
        "next_action": parse_next_action(f, form, due_from),
    }
    f.done()
    return DealInput(**values)


def parse_move(form: MoveForm, *, due_from: DueFrom | None = None) -> MoveInput:
    f = Fields()
    stage_id = f.id("stage_id", form.stage_id)
    if stage_id is None:
        f.fail("stage_id", "stage.unknown")
    values = {
        "seen_version": f.version(form.version),
        # Where in the column it was dropped: bookkeeping, so a neighbour that cannot be read is none.
        "after_id": parse_id(form.after_id),
        "before_id": parse_id(form.before_id),
        "amount_jpy": f.yen("amount_jpy", form.amount_jpy),
        "expected_close_date": f.date("expected_close_date", form.expected_close_date),
        "lost_reason_id": f.id("lost_reason_id", form.lost_reason_id),
        "lost_note": f.text("lost_note", form.lost_note, limit=NOTES, lines=True),
        "competitors": f.text("competitors", form.competitors, limit=NOTES, lines=True),
        "challenges": f.text("challenges", form.challenges, limit=NOTES, lines=True),
        "primary_person_id": f.id("primary_person_id", form.primary_person_id),
        "closed_on": f.date("closed_on", form.closed_on),
        "next_action": parse_next_action(f, form, due_from),
        "close_tasks": f.flag(form.close_tasks),
    }
    f.done()
    assert stage_id is not None
    return MoveInput(stage_id=stage_id, **values)


def parse_forecast(form: ForecastForm) -> ForecastInput:
    f = Fields()
    forecast = f.choice("forecast", form.forecast, Forecast)
    reason = f.text("forecast_reason", form.reason, limit=NOTES, lines=True)
    seen_version = f.version(form.version)
    f.done()
    assert forecast is not None
    return ForecastInput(forecast, reason, seen_version)


def parse_contact(form: ContactForm) -> ContactInput:
    f = Fields()
    person_id = f.id("person_id", form.person_id)
    role = f.choice("role", form.role, BuyingRole, required=False)
    is_primary = f.flag(form.is_primary)
    f.done()
    return ContactInput(person_id, role, is_primary)


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

"""Form bodies of the calendar pages and the typed input their services take."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from salesdesk.inputs import Fields

MAX_CLOSED_DAYS = 100
MAX_LEAD_DAYS = 365


@dataclass
class ClosuresForm:
    closes_year_end: str = ""  # "1": closed 12/29–1/3
    closes_obon: str = ""  # "1": closed 8/13–8/16
    closed_days: str = ""  # further dates, one a line (or comma separated)
    version: int = 0


@dataclass(frozen=True)
class ClosuresInput:
    closes_year_end: bool
    closes_obon: bool
    closed_days: tuple[date, ...]
    seen_version: int


def parse_closures(form: ClosuresForm) -> ClosuresInput:
    f = Fields()
    days: set[date] = set()
    for typed in form.closed_days.replace(",", "\n").replace("、", "\n").splitlines():
        if typed.strip() and (day := f.date("closed_days", typed)) is not None:
            days.add(day)
    if len(days) > MAX_CLOSED_DAYS:
        f.fail("closed_days", "too_long")
    values = ClosuresInput(
        f.flag(form.closes_year_end), f.flag(form.closes_obon), tuple(sorted(days)), f.version(form.version)
    )
    f.done()
    return values


@dataclass
class LeadDaysForm:
    renewal_lead_days: str = ""
    version: int = 0


@dataclass(frozen=True)
class LeadDaysInput:
    renewal_lead_days: int
    seen_version: int


def parse_lead_days(form: LeadDaysForm) -> LeadDaysInput:
    f = Fields()
    days = f.number("renewal_lead_days", form.renewal_lead_days, low=0, high=MAX_LEAD_DAYS, key="number.invalid")
    if days is None and not form.renewal_lead_days.strip():
        f.fail("renewal_lead_days", "required")
    f.done()
    return LeadDaysInput(days or 0, f.version(form.version))


@dataclass(frozen=True)
class ContractInput:
    contract_end_on: date | None
    seen_version: int


@dataclass
class ContractForm:
    contract_end_on: str = ""  # empty: no contract end (no renewal task)
    version: int = 0


def parse_contract(form: ContractForm) -> ContractInput:
    f = Fields()
    values = ContractInput(f.date("contract_end_on", form.contract_end_on), f.version(form.version))
    f.done()
    return values

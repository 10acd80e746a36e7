"""定例: a task that repeats weekly, every other week or monthly, kept as an RFC 5545 RRULE.

A series is one calendar event (UID `series_uid`, the first task's own UID) whose DTSTART is the
open occurrence: completing or cancelling that occurrence schedules the next one the rule gives
(never one already past: missed meetings are not brought back), until the rule ends. Changing an
occurrence's date or time moves the series from there on (the rule is built again from the new day),
and "does not repeat" ends the series with this task, which keeps the series UID so calendars see
the same event lose its recurrence.

The rule is stored as a calendar writes it: for an all-day task UNTIL is a DATE, for a timed one a
UTC DATE-TIME (RFC 5545 3.3.10); the rule is read in the owner's zone, so 10:00 stays 10:00.
"""

from __future__ import annotations

import enum
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from dateutil.rrule import rrulestr

WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


class Repeat(enum.StrEnum):
    weekly = "weekly"
    biweekly = "biweekly"
    monthly = "monthly"  # the same day of the month (the 15th)
    monthly_weekday = "monthly_weekday"  # the same weekday of the month (the 2nd Tuesday; the last Friday)


def _nth_weekday(day: date) -> str:
    nth = (day.day - 1) // 7 + 1
    if (day + timedelta(days=7)).month != day.month:
        nth = -1  # the last Friday stays the last, also in months with four Fridays
    return f"{nth:+d}{WEEKDAYS[day.weekday()]}"


def build_rule(repeat: Repeat, first: date, *, until: date | None, at: time | None, zone: ZoneInfo) -> str:
    """The RRULE of a series whose first occurrence is `first` (at `at` in `zone`, or all day)."""
    parts = {
        Repeat.weekly: f"FREQ=WEEKLY;BYDAY={WEEKDAYS[first.weekday()]}",
        Repeat.biweekly: f"FREQ=WEEKLY;INTERVAL=2;BYDAY={WEEKDAYS[first.weekday()]}",
        Repeat.monthly: f"FREQ=MONTHLY;BYMONTHDAY={first.day}",
        Repeat.monthly_weekday: f"FREQ=MONTHLY;BYDAY={_nth_weekday(first)}",
    }[repeat]
    if until is not None:
        if at is None:
            parts += f";UNTIL={until:%Y%m%d}"
        else:
            last = datetime.combine(until, time(23, 59, 59), tzinfo=zone).astimezone(UTC)
            parts += f";UNTIL={last:%Y%m%dT%H%M%SZ}"
    return parts


def repeat_of(rule: str | None) -> tuple[Repeat | None, date | None]:
    """The form's choice and end date for a stored rule (the inverse of build_rule)."""
    if not rule:
        return None, None
    fields = dict(part.split("=", 1) for part in rule.split(";"))
    if fields.get("FREQ") == "WEEKLY":
        repeat = Repeat.biweekly if fields.get("INTERVAL") == "2" else Repeat.weekly
    else:
        repeat = Repeat.monthly if "BYMONTHDAY" in fields else Repeat.monthly_weekday
    until = fields.get("UNTIL")
    return repeat, (date(int(until[:4]), int(until[4:6]), int(until[6:8])) if until else None)


def slot(due_on: date, starts_at: datetime | None, zone: ZoneInfo) -> str:
    """An occurrence's place in its series: the date, or the local date and time ("2027-01-12T10:00")."""
    if starts_at is None:
        return due_on.isoformat()
    return starts_at.astimezone(zone).replace(tzinfo=None).isoformat(timespec="minutes")


def next_slot(rule: str, current: str, zone: ZoneInfo, *, not_before: date) -> date | datetime | None:
    """The occurrence after `current` (a slot), on `not_before` or later; None when the rule has ended.

    All-day series give a date, timed ones an aware datetime in `zone`."""
    start = datetime.fromisoformat(current)
    timed = "T" in current
    if timed:
        start = start.replace(tzinfo=zone)
    recurring = rrulestr(rule, dtstart=start)
    floor = datetime.combine(not_before, time(), tzinfo=zone if timed else None)
    after = max(start, floor - timedelta(microseconds=1))
    found = recurring.after(after)
    if found is None:
        return None
    return found if timed else found.date()

"""Reading a feed as calendar apps do: with two parsers that share no code with icalendar, which
writes it (vobject, and ical from PyPI)."""

from __future__ import annotations

from datetime import date, datetime
from itertools import islice

import vobject
from ical.calendar_stream import IcsCalendarStream
from sqlalchemy import select

from salesdesk.auth.models import User


def by_vobject(text: str) -> dict[str, dict]:
    """UID -> the event's values as vobject reads them."""
    calendar = vobject.readOne(text)
    events = {}
    for ev in calendar.vevent_list:
        events[ev.uid.value] = {
            "summary": ev.summary.value,
            "start": ev.dtstart.value,
            "end": ev.dtend.value,
            "sequence": int(ev.sequence.value),
            "description": ev.description.value,
            "url": ev.url.value,
            "rrule": ev.rrule.value if hasattr(ev, "rrule") else None,
            "next": list(islice(ev.getrruleset(addRDate=True), 3)) if hasattr(ev, "rrule") else None,
            "alarms": [alarm.trigger.value for alarm in getattr(ev, "valarm_list", [])],
        }
    return events


def by_ical(text: str) -> dict[str, dict]:
    """UID -> the event's values as `ical` reads them (recurrences expanded by its own timeline)."""
    calendar = IcsCalendarStream.calendar_from_ics(text)
    events = {}
    for ev in calendar.events:
        events[ev.uid] = {"summary": ev.summary, "start": ev.dtstart, "end": ev.dtend, "sequence": ev.sequence}
    occurrences: dict[str, list[date | datetime]] = {}
    for occurrence in islice(calendar.timeline, 200):
        occurrences.setdefault(occurrence.uid, []).append(occurrence.dtstart)
    for uid, starts in occurrences.items():
        events[uid]["occurrences"] = starts
    return events


async def feed_token(db, user: User, *, team: bool = False) -> str:
    fresh = await db.scalar(select(User).where(User.id == user.id).execution_options(populate_existing=True))
    return fresh.team_calendar_token if team else fresh.calendar_token

"""A task as an event on a CalDAV calendar, and an event read back as what the task shows.

Events (VEVENT), not to-dos (VTODO): Google Calendar, Outlook and Apple Calendar show events in
the day and week views reps plan in; to-dos go to a separate list (Apple Reminders) or nowhere.
An event has no "done", so a task done here is shown as "✓ title", and a title a rep starts with
✓ (or ✔, ☑, [x], 済) in their calendar completes the task. STATUS:CANCELLED cancels it; an
object that is a VTODO (a client that writes to-dos) is read too: STATUS:COMPLETED is done.

Updating edits the component we fetched, never regenerates it: alarms, categories, colours,
X- properties and exceptions the rep added are kept. What is never written: ATTENDEE, ORGANIZER
and METHOD (a server or client would send invitations or cancellations to the customer).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from icalendar import Calendar, Event
from icalendar.timezone.windows_to_olson import WINDOWS_TO_OLSON

from salesdesk.calendar import feed
from salesdesk.clock import zone_named
from salesdesk.inputs import NOTES, TITLE
from salesdesk.tasks.models import Task, TaskStatus

DONE_MARK = "✓ "
DONE_PREFIX = re.compile(r"^\s*(?:✓|✔|✔️|☑|☑️|✅|\[[xX]\]|済)\s*")
NEVER_WRITTEN = ("ATTENDEE", "ORGANIZER")
MODELED = ("SUMMARY", "DTSTART", "DTEND", "DUE", "DURATION", "DESCRIPTION", "STATUS", "COMPLETED")
FIELDS = ("title", "when", "description", "state")

When = tuple[date, date] | tuple[datetime, datetime]  # all day (end exclusive) or UTC moments


@dataclass(frozen=True)
class Snapshot:
    """What the sync compares of an event: the fields a task has."""

    title: str
    when: When
    description: str
    state: str  # TaskStatus

    def digest(self) -> str:
        return hashlib.sha256(repr((self.title, self.when, self.description, self.state)).encode()).hexdigest()

    def differing(self, other: Snapshot) -> set[str]:
        return {name for name in FIELDS if getattr(self, name) != getattr(other, name)}


@dataclass(frozen=True)
class Remote:
    uid: str
    snapshot: Snapshot
    modified: datetime | None  # LAST-MODIFIED, else DTSTAMP: when it was last changed there


def zone_of(tzid: str | None, fallback: ZoneInfo) -> ZoneInfo:
    """An IANA zone for a TZID as calendars write it: IANA names, Outlook's Windows names
    ("Tokyo Standard Time"), either with stray spaces; else the fallback (the owner's zone)."""
    name = (tzid or "").strip().strip('"').strip()
    for candidate in (name, WINDOWS_TO_OLSON.get(name)):
        if candidate:
            try:
                return ZoneInfo(candidate)
            except (ZoneInfoNotFoundError, ValueError):
                continue
    return fallback


def _moment(prop, zone: ZoneInfo) -> date | datetime | None:
    if prop is None:
        return None
    value = prop.dt
    if isinstance(value, datetime):
        if value.tzinfo is None:  # an unknown TZID, or a floating time: the owner's wall clock
            value = value.replace(tzinfo=zone_of(prop.params.get("TZID"), zone))
        return value.astimezone(UTC).replace(second=0, microsecond=0)
    return value if isinstance(value, date) else None


def _component(calendar: Calendar) -> Event | None:
    """The master event (or to-do): the first one without a RECURRENCE-ID."""
    for component in calendar.subcomponents:
        if component.name in ("VEVENT", "VTODO") and "RECURRENCE-ID" not in component and "UID" in component:
            return component
    return None


def _when(component, zone: ZoneInfo) -> When | None:
    start = _moment(component.get("DTSTART"), zone)
    end = _moment(component.get("DTEND") or component.get("DUE"), zone)
    if start is None:
        start = end
    if start is None:
        return None
    if end is None or type(end) is not type(start) or end <= start:
        duration = component.get("DURATION")
        if duration is not None and isinstance(duration.dt, timedelta) and duration.dt > timedelta(0):
            end = start + duration.dt
        else:
            end = start + (feed.DEFAULT_LENGTH if isinstance(start, datetime) else timedelta(days=1))
    return (start, end)  # type: ignore[return-value]


def _state(component, summary: str) -> str:
    status = str(component.get("STATUS", "")).strip().upper()
    if status == "CANCELLED":
        return TaskStatus.cancelled
    if status == "COMPLETED" or "COMPLETED" in component or DONE_PREFIX.match(summary):
        return TaskStatus.done
    return TaskStatus.open


def parse(body: str, zone: ZoneInfo) -> Remote | None:
    """The event's UID and fields; None when the object is no event we can read."""
    try:
        component = _component(Calendar.from_ical(body))
    except (ValueError, IndexError, KeyError):
        return None
    if component is None:
        return None
    when = _when(component, zone)
    if when is None:
        return None
    summary = str(component.get("SUMMARY", ""))
    stamp = component.get("LAST-MODIFIED") or component.get("DTSTAMP")
    modified = stamp.dt.astimezone(UTC) if stamp is not None and isinstance(stamp.dt, datetime) else None
    snapshot = Snapshot(
        title=DONE_PREFIX.sub("", summary, count=1).strip(),
        when=when,
        description=str(component.get("DESCRIPTION", "")).replace("\r\n", "\n").strip(),
        state=_state(component, summary),
    )
    return Remote(str(component["UID"]), snapshot, modified)


# --- the task's side -------------------------------------------------------------------------------


def describe(task: Task, base_url: str) -> str:
    """The DESCRIPTION the feed writes too: the deal and company, the notes, the link back."""
    item = feed.Item.of(task)
    return feed._description(item, feed._link(base_url, item))


def notes_from(description: str, task: Task, base_url: str) -> str:
    """The notes in a DESCRIPTION we framed (deal and company above, the link below), as the rep
    edited them; text outside the frame is kept as notes too."""
    item = feed.Item.of(task)
    text = description.replace("\r\n", "\n").strip()
    head = "\n".join(name for name in (item.deal_title, item.company_name) if name)
    if head and text.startswith(head):
        text = text[len(head) :]
    link = feed._link(base_url, item)
    if text.rstrip().endswith(link):
        text = text.rstrip()[: -len(link)]
    return text.strip()[:NOTES]


def snapshot_of(task: Task, base_url: str) -> Snapshot:
    """What the task's event should show."""
    if task.starts_at is None:
        when: When = (task.due_on, task.due_on + timedelta(days=1))
    else:
        start = task.starts_at.astimezone(UTC).replace(second=0, microsecond=0)
        end = (task.ends_at or task.starts_at + feed.DEFAULT_LENGTH).astimezone(UTC).replace(second=0, microsecond=0)
        when = (start, end)
    return Snapshot(task.title[:TITLE], when, describe(task, base_url), TaskStatus(task.status))


def write(
    body: str | None, uid: str, snapshot: Snapshot, *, zone_name: str | None, sequence: int, now: datetime
) -> str:
    """The event with the snapshot's fields: `body` (the fetched object) edited, or a new one."""
    calendar = Calendar.from_ical(body) if body else _new_calendar()
    component = _component(calendar) if body else None
    if component is None:
        component = Event()
        component.add("UID", uid)
        component.add("CREATED", now)
        calendar.add_component(component)
    for name in (*MODELED, *NEVER_WRITTEN, "DTSTAMP", "LAST-MODIFIED", "SEQUENCE"):
        component.pop(name, None)
    calendar.pop("METHOD", None)  # a stored object has none; with one a client may treat it as an invitation
    is_todo = component.name == "VTODO"
    done = snapshot.state == TaskStatus.done
    component.add("SUMMARY", snapshot.title if is_todo or not done else DONE_MARK + snapshot.title)
    start, end = snapshot.when
    if isinstance(start, datetime):
        zone = zone_named(zone_name)
        start, end = start.astimezone(zone), end.astimezone(zone)
    component.add("DTSTART", start)
    component.add("DUE" if is_todo else "DTEND", end)
    if snapshot.description:
        component.add("DESCRIPTION", snapshot.description)
    if is_todo and done:
        component.add("STATUS", "COMPLETED")
        component.add("COMPLETED", now)
    elif snapshot.state == TaskStatus.cancelled:
        component.add("STATUS", "CANCELLED")
    component.add("SEQUENCE", sequence)
    component.add("DTSTAMP", now)
    component.add("LAST-MODIFIED", now)
    if isinstance(start, datetime):
        calendar.add_missing_timezones()  # Outlook shifts times without a VTIMEZONE
    return calendar.to_ical().decode()


def _new_calendar() -> Calendar:
    calendar = Calendar()
    calendar.add("PRODID", feed.PRODID)
    calendar.add("VERSION", "2.0")
    return calendar


def sequence_of(body: str | None) -> int:
    if not body:
        return 0
    try:
        component = _component(Calendar.from_ical(body))
    except (ValueError, IndexError, KeyError):
        return 0
    return int(component.get("SEQUENCE", 0)) if component is not None else 0


def object_name(uid: str) -> str:
    """The file name of a task's event: from its UID, so a retried create lands on the same object."""
    return "salesdesk-" + re.sub(r"[^A-Za-z0-9._-]", "-", uid) + ".ics"

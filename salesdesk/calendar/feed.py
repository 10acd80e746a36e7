"""ICS feeds: a user's open tasks (or, for a manager, the team's) as an iCalendar a calendar app
subscribes to, and one task's event as a download.

What calendars need from us, and why:
- UID never changes (`tasks.uid`; a 定例 series is one event named by `series_uid`), SEQUENCE
  grows with each change of ours, DTSTAMP/LAST-MODIFIED are the task's last change, so the same
  tasks give the same bytes and the ETag answers an unchanged feed with 304.
- All-day tasks are DATE values with the exclusive DTEND (the next day): a date-time at midnight
  would land a day early at UTC+9 in some clients. Timed ones carry the owner's TZID and a VTIMEZONE
  (Outlook shifts times without one).
- Done and cancelled tasks are left out: a subscribed calendar replaces its copy at each refresh,
  so they disappear. A downloaded event is imported, not replaced, so the download of a closed task
  is STATUS:CANCELLED with a higher SEQUENCE (the client removes or strikes it).
- No ATTENDEE or ORGANIZER, ever: with them some clients send invitations or cancellations to the
  customer.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import Select, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from salesdesk.accounts.models import Company
from salesdesk.auth.models import Role, User
from salesdesk.calendar import ics
from salesdesk.clock import zone_named
from salesdesk.errors import NotFound
from salesdesk.pipeline.models import Deal
from salesdesk.tasks.models import Task, TaskStatus

PRODID = "-//salesdesk//tasks//JA"
REFRESH = timedelta(hours=1)  # REFRESH-INTERVAL and X-PUBLISHED-TTL: how often clients should look
ALL_DAY_REMINDER_AT = time(9)  # an all-day task's reminder counts from 9:00 on its day
DEFAULT_LENGTH = timedelta(hours=1)


@dataclass(frozen=True)
class Feed:
    user: User
    team: bool  # the manager's team feed, not the user's own


def may_have_team_feed(user: User) -> bool:
    return user.role in (Role.manager, Role.admin) and user.team_id is not None


async def feed_for(db: AsyncSession, token: str) -> Feed:
    """The feed a secret URL names; NotFound for an unknown, regenerated or deactivated one."""
    if not token or len(token) > 64:
        raise NotFound("feed")
    user = await db.scalar(
        select(User).where(or_(User.calendar_token == token, User.team_calendar_token == token), User.is_active)
    )
    if user is None:
        raise NotFound("feed")
    team = user.team_calendar_token == token
    if team and not may_have_team_feed(user):  # no longer a manager: the team feed is gone
        raise NotFound("feed")
    return Feed(user, team)


@dataclass(frozen=True, slots=True)
class Item:
    """What an event shows of a task: read as plain rows, one query for the whole feed (1,000 ORM
    objects with their deal, company and owner cost more than writing the feed)."""

    id: int
    uid: str
    series_uid: str | None
    title: str
    due_on: date
    starts_at: datetime | None
    ends_at: datetime | None
    status: str
    notes: str
    sequence: int
    reminder_minutes: int | None
    recurrence: str | None
    recurrence_id: str | None
    created_at: datetime
    updated_at: datetime
    deal_id: int | None
    deal_title: str | None
    company_id: int | None
    company_name: str | None
    owner_name: str | None
    owner_zone: str | None

    @classmethod
    def of(cls, task: Task) -> Item:
        """A task loaded with its deal, company and owner (get_task's)."""
        values = {name: getattr(task, name) for name in cls.__slots__ if hasattr(Task, name)}
        return cls(
            **values,
            deal_title=task.deal.title if task.deal else None,
            company_name=task.company.name if task.company else None,
            owner_name=task.owner.name if task.owner else None,
            owner_zone=task.owner.time_zone if task.owner else None,
        )


_ITEM_COLUMNS = [getattr(Task, name) for name in Item.__slots__ if hasattr(Task, name)]


def _of_feed(query: Select, feed: Feed) -> Select:
    """The feed's open tasks joined to what their events show (deal, company, owner)."""
    owners = (
        select(User.id).where(User.team_id == feed.user.team_id).scalar_subquery()
        if feed.team
        else select(User.id).where(User.id == feed.user.id).scalar_subquery()
    )
    return (
        query.select_from(Task)
        .outerjoin(Deal, Deal.id == Task.deal_id)
        .outerjoin(Company, Company.id == Task.company_id)
        .outerjoin(User, User.id == Task.owner_id)
        .where(Task.owner_id.in_(owners), Task.status == TaskStatus.open)
    )


async def feed_items(db: AsyncSession, feed: Feed) -> list[Item]:
    """The open tasks of the feed, earliest first, in one query."""
    names = (
        Deal.title.label("deal_title"),
        Company.name.label("company_name"),
        User.name.label("owner_name"),
        User.time_zone.label("owner_zone"),
    )
    rows = await db.execute(_of_feed(select(*_ITEM_COLUMNS, *names), feed).order_by(Task.due_on, Task.id))
    return [Item(**row._mapping) for row in rows]


# Bump when render() writes other bytes for the same tasks: the ETag must change with the format.
FORMAT = "1"


async def feed_etag(db: AsyncSession, feed: Feed, *context: str) -> str:
    """The feed's ETag without writing it (an unchanged feed's 304 costs one small query): which tasks
    are in it (count, sum of ids) and how often they, their deals, companies and owners have changed
    (versions only grow; the newest updated_at besides). `context` is what else the bytes depend on
    (the feed's name, the base URL)."""
    aggregates = [func.count(Task.id), func.sum(Task.id), func.sum(Task.version), func.max(Task.updated_at)]
    for table in (Deal, Company, User):
        aggregates += [func.sum(table.version), func.max(table.updated_at)]
    row = (await db.execute(_of_feed(select(*aggregates), feed))).one()
    return etag(repr((FORMAT, feed.team, context, tuple(row))).encode())


def _link(base_url: str, item: Item) -> str:
    if item.deal_id is not None:
        return f"{base_url}/deals/{item.deal_id}"
    if item.company_id is not None:
        return f"{base_url}/accounts/{item.company_id}"
    return f"{base_url}/tasks/{item.id}/edit"


def _description(item: Item, link: str) -> str:
    lines = [name for name in (item.deal_title, item.company_name) if name]
    if item.notes:
        lines += ["", item.notes]
    return "\n".join([*lines, "", link]).strip()


def _event(out: ics.Lines, task: Item, base_url: str, *, with_owner: bool) -> str | None:
    """The task as a VEVENT (a series' open occurrence carries the series' RRULE); the TZID it uses."""
    link = _link(base_url, task)
    is_open = task.status == TaskStatus.open
    out.add("BEGIN", "VEVENT")
    out.add("UID", ics.text(task.series_uid or task.uid))  # Task.calendar_uid: a series is one event
    out.add("SEQUENCE", str(task.sequence))
    out.add("DTSTAMP", ics.utc(task.updated_at))
    out.add("CREATED", ics.utc(task.created_at))
    out.add("LAST-MODIFIED", ics.utc(task.updated_at))
    summary = f"{task.owner_name}: {task.title}" if with_owner and task.owner_name else task.title
    out.add("SUMMARY", ics.text(summary))
    zone = None
    if task.starts_at is None:
        out.add("DTSTART;VALUE=DATE", ics.day(task.due_on))
        out.add("DTEND;VALUE=DATE", ics.day(task.due_on + timedelta(days=1)))  # exclusive: the next day
        out.add("TRANSP", "TRANSPARENT")  # a day's to-do does not make the rep busy all day
    else:
        tz = zone_named(task.owner_zone)
        zone = tz.key
        out.add(f"DTSTART;TZID={zone}", ics.local(task.starts_at.astimezone(tz)))
        out.add(f"DTEND;TZID={zone}", ics.local((task.ends_at or task.starts_at + DEFAULT_LENGTH).astimezone(tz)))
        out.add("TRANSP", "OPAQUE")
    if task.recurrence and is_open:
        out.add("RRULE", task.recurrence)
    elif task.recurrence and task.recurrence_id and task.series_uid:
        # A closed occurrence of a series that went on (a download): cancel this instance, not the series.
        if "T" in task.recurrence_id:
            zone = zone_named(task.owner_zone).key
            out.add(f"RECURRENCE-ID;TZID={zone}", ics.local(datetime.fromisoformat(task.recurrence_id)))
        else:
            out.add("RECURRENCE-ID;VALUE=DATE", ics.day(date.fromisoformat(task.recurrence_id)))
    out.add("STATUS", "CONFIRMED" if is_open else "CANCELLED")
    out.add("DESCRIPTION", ics.text(_description(task, link)))
    out.add("URL", link)
    if task.reminder_minutes is not None and is_open:
        _alarm(out, task)
    out.add("END", "VEVENT")
    return zone


def _alarm(out: ics.Lines, task: Item) -> None:
    before = timedelta(minutes=task.reminder_minutes or 0)
    out.add("BEGIN", "VALARM")
    out.add("ACTION", "DISPLAY")
    out.add("DESCRIPTION", ics.text(task.title))
    if task.starts_at is None:  # relative to the day's start (0:00): 9:00 on the day, less the reminder
        out.add("TRIGGER", ics.duration(timedelta(hours=ALL_DAY_REMINDER_AT.hour) - before))
    else:
        out.add("TRIGGER", ics.duration(-before))
    out.add("END", "VALARM")


def render(tasks: Iterable[Item], *, name: str, base_url: str, team: bool = False) -> bytes:
    """The VCALENDAR of the tasks' events, with a VTIMEZONE for each zone they use."""
    events, zones = ics.Lines(), set()
    for task in tasks:
        if zone := _event(events, task, base_url, with_owner=team):
            zones.add(zone)
    out = ics.Lines()
    out.add("BEGIN", "VCALENDAR")
    out.add("VERSION", "2.0")
    out.add("PRODID", PRODID)
    out.add("CALSCALE", "GREGORIAN")
    out.add("METHOD", "PUBLISH")
    out.add("NAME", ics.text(name))
    out.add("X-WR-CALNAME", ics.text(name))
    out.add("REFRESH-INTERVAL;VALUE=DURATION", ics.duration(REFRESH))
    out.add("X-PUBLISHED-TTL", ics.duration(REFRESH))
    for zone in sorted(zones):
        out.raw(ics.vtimezone(zone))
    out.lines += events.lines
    out.add("END", "VCALENDAR")
    return out.ical()


def etag(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def matches(if_none_match: str | None, tag: str) -> bool:
    """If-None-Match names this ETag (or *): the client's copy is current."""
    if not if_none_match:
        return False
    given = {part.strip().removeprefix("W/") for part in if_none_match.split(",")}
    return "*" in given or tag in given

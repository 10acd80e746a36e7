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
from datetime import time, timedelta

from icalendar import Alarm, Calendar, Event, vDuration, vRecur
from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import load_only, selectinload

from salesdesk.accounts.models import Company
from salesdesk.auth.models import Role, User
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


def _loaded() -> tuple:
    """What an event shows of a task's deal, company and owner: three queries, however many tasks."""
    return (
        selectinload(Task.deal).options(load_only(Deal.id, Deal.title)),
        selectinload(Task.company).options(load_only(Company.id, Company.name)),
        selectinload(Task.owner).options(load_only(User.id, User.name, User.time_zone)),
    )


async def feed_tasks(db: AsyncSession, feed: Feed) -> list[Task]:
    """The open tasks of the feed, earliest first."""
    owners = (
        select(User.id).where(User.team_id == feed.user.team_id).scalar_subquery()
        if feed.team
        else select(User.id).where(User.id == feed.user.id).scalar_subquery()
    )
    query = select(Task).where(Task.owner_id.in_(owners), Task.status == TaskStatus.open)
    return list(await db.scalars(query.options(*_loaded()).order_by(Task.due_on, Task.id)))


def _link(base_url: str, task: Task) -> str:
    if task.deal_id is not None:
        return f"{base_url}/deals/{task.deal_id}"
    if task.company_id is not None:
        return f"{base_url}/accounts/{task.company_id}"
    return f"{base_url}/tasks/{task.id}/edit"


def _description(task: Task, link: str) -> str:
    lines = []
    if task.deal is not None:
        lines.append(task.deal.title)
    if task.company is not None:
        lines.append(task.company.name)
    if task.notes:
        lines += ["", task.notes]
    return "\n".join([*lines, "", link]).strip()


def event(task: Task, base_url: str, *, with_owner: bool = False) -> Event:
    """The task as a VEVENT (a series' open occurrence carries the series' RRULE)."""
    link = _link(base_url, task)
    ev = Event()
    ev.add("uid", task.calendar_uid)
    ev.add("sequence", task.sequence)
    ev.add("dtstamp", task.updated_at)
    ev.add("created", task.created_at)
    ev.add("last-modified", task.updated_at)
    owner_name = task.owner.name if task.owner is not None else ""
    ev.add("summary", f"{owner_name}: {task.title}" if with_owner and owner_name else task.title)
    if task.starts_at is None:
        ev.add("dtstart", task.due_on)
        ev.add("dtend", task.due_on + timedelta(days=1))
        ev.add("transp", "TRANSPARENT")  # a day's to-do does not make the rep busy all day
    else:
        zone = zone_named(task.owner.time_zone if task.owner is not None else None)
        ev.add("dtstart", task.starts_at.astimezone(zone))
        ev.add("dtend", (task.ends_at or task.starts_at + DEFAULT_LENGTH).astimezone(zone))
        ev.add("transp", "OPAQUE")
    if task.recurrence and task.is_open:
        ev.add("rrule", vRecur.from_ical(task.recurrence))
    ev.add("status", "CONFIRMED" if task.is_open else "CANCELLED")
    ev.add("description", _description(task, link))
    ev.add("url", link)
    if task.reminder_minutes is not None and task.is_open:
        ev.add_component(_alarm(task))
    return ev


def _alarm(task: Task) -> Alarm:
    before = timedelta(minutes=task.reminder_minutes or 0)
    alarm = Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("description", task.title)
    if task.starts_at is None:  # relative to the day's start (0:00): 9:00 on the day, less the reminder
        alarm.add("trigger", timedelta(hours=ALL_DAY_REMINDER_AT.hour) - before)
    else:
        alarm.add("trigger", -before)
    return alarm


def calendar(events: Iterable[Event], *, name: str) -> Calendar:
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("name", name)
    cal.add("x-wr-calname", name)
    cal.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
    cal.add("x-published-ttl", vDuration(REFRESH))
    for ev in events:
        cal.add_component(ev)
    cal.add_missing_timezones()  # a VTIMEZONE for each TZID used
    return cal


def feed_body(tasks: list[Task], *, name: str, base_url: str, team: bool = False) -> bytes:
    return calendar((event(task, base_url, with_owner=team) for task in tasks), name=name).to_ical()


def etag(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def matches(if_none_match: str | None, tag: str) -> bool:
    """If-None-Match names this ETag (or *): the client's copy is current."""
    if not if_none_match:
        return False
    given = {part.strip().removeprefix("W/") for part in if_none_match.split(",")}
    return "*" in given or tag in given

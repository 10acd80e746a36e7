"""The meeting's period: from one weekly meeting to the next, on the team's day and time in
Asia/Tokyo (default Monday 09:00); without a team, the last 7 days. A change at 08:59 on meeting
day belongs to the week that meeting reviews, one at 09:01 to the next."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from salesdesk import sync
from salesdesk.auth import policy
from salesdesk.auth.models import Team, User
from salesdesk.errors import Forbidden, Invalid, NotFound
from salesdesk.meetings.models import DEFAULT_TIME, DEFAULT_WEEKDAY, MeetingSchedule
from salesdesk.versions import check_version, flush_or_stale

MEETING_ZONE = ZoneInfo("Asia/Tokyo")
WEEK = timedelta(days=7)


@dataclass(frozen=True)
class Slot:
    weekday: int = DEFAULT_WEEKDAY
    starts_at: time = DEFAULT_TIME

    def last_start(self, now: datetime) -> datetime:
        """The latest meeting start before `now` (aware, UTC): at 09:00 sharp, the meeting that
        starts reviews the week since the previous one."""
        local = now.astimezone(MEETING_ZONE)
        day = local.date() - timedelta(days=(local.weekday() - self.weekday) % 7)
        start = datetime.combine(day, self.starts_at, tzinfo=MEETING_ZONE)
        if start >= local:
            start -= WEEK
        return start.astimezone(UTC)


async def slot_of(db: AsyncSession, team_id: int | None) -> Slot | None:
    if team_id is None:
        return None
    schedule = await db.scalar(select(MeetingSchedule).where(MeetingSchedule.team_id == team_id))
    return Slot(schedule.weekday, schedule.starts_at) if schedule else Slot()


async def default_since(db: AsyncSession, team_id: int | None, now: datetime) -> datetime:
    """Since the team's last meeting start (its schedule), else 7 days back."""
    slot = await slot_of(db, team_id)
    return slot.last_start(now) if slot else now - WEEK


def parse_period(since: str | None, until: str | None) -> tuple[datetime | None, datetime | None]:
    """ISO 8601 moments from a URL (without an offset: UTC), 422 naming the field otherwise."""
    return sync.parse_moment("since", since or None), sync.parse_moment("until", until or None)


async def resolve(
    db: AsyncSession, team_id: int | None, since: datetime | None, until: datetime | None, now: datetime
) -> tuple[datetime, datetime]:
    until = min(until or now, now)
    since = since or await default_since(db, team_id, until)
    if since >= until:
        raise Invalid(until="period.order")
    return since, until


async def get_schedule(db: AsyncSession, team_id: int) -> MeetingSchedule | None:
    return await db.scalar(select(MeetingSchedule).where(MeetingSchedule.team_id == team_id))


async def set_schedule(
    db: AsyncSession, actor: User, team_id: int, *, weekday: int, starts_at: time, seen_version: int | None
) -> MeetingSchedule:
    """The team's manager or an admin sets when the team meets (a stale version: 409)."""
    team = await db.get(Team, team_id)
    if team is None:
        raise NotFound("team")
    if not policy.may_manage_team(actor, team_id):
        raise Forbidden("team.meeting")
    if not 0 <= weekday <= 6:
        raise Invalid(weekday="choice.invalid")
    schedule = await get_schedule(db, team_id)
    if schedule is None:
        schedule = MeetingSchedule(team_id=team_id, weekday=weekday, starts_at=starts_at)
        db.add(schedule)
        await db.flush()
        return schedule
    await check_version(db, schedule, seen_version, {"weekday": weekday, "starts_at": starts_at})
    schedule.weekday, schedule.starts_at = weekday, starts_at
    await flush_or_stale(db, schedule)
    return schedule

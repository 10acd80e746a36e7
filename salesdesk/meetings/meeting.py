"""Running a weekly meeting: starting it (which fixes its period and its agenda), the lead's walk
through the deals (next, back, skip), pause and resume, attendees, and finishing it.

Rights: the team's manager or an admin starts a meeting and leads it; the team's members (and
admins) see it and follow it; nobody else even sees it (404). A finished meeting is the minutes:
every write to it is refused (409). Every step bumps the meeting's version, which the followers'
screens poll (routes.py answers 304 while it stays the same).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from salesdesk import sync
from salesdesk.auth import policy
from salesdesk.auth.models import Role, Team, User
from salesdesk.clock import Clock
from salesdesk.db import utcnow
from salesdesk.errors import Conflict, Forbidden, Invalid, NotFound
from salesdesk.meetings import agenda, changes, period
from salesdesk.meetings.bridge import Scope
from salesdesk.meetings.models import Meeting, MeetingAttendee, MeetingStatus
from salesdesk.pipeline.models import Pipeline


async def previous_until(db: AsyncSession, team_id: int) -> datetime | None:
    """Where the team's last finished meeting's period ended: the next one starts there."""
    return await db.scalar(
        select(Meeting.until)
        .where(Meeting.team_id == team_id, Meeting.status == MeetingStatus.finished)
        .order_by(Meeting.until.desc())
        .limit(1)
    )


async def start(db: AsyncSession, actor: User, clock: Clock, *, team_id: int, pipeline_id: int | None) -> Meeting:
    """A new meeting of the team led by the actor: the period runs from the end of the team's last
    finished meeting (else its schedule's last start) until now; the agenda is fixed with it."""
    errors = {}
    if await db.get(Team, team_id) is None:
        errors["team_id"] = "team.unknown"
    if pipeline_id is not None and await db.get(Pipeline, pipeline_id) is None:
        errors["pipeline_id"] = "pipeline.unknown"
    if errors:
        raise Invalid(**errors)
    if not policy.may_manage_team(actor, team_id):
        raise Forbidden("meeting.start")
    until = clock.now()
    since = await previous_until(db, team_id) or await period.default_since(db, team_id, until)
    if since >= until:
        raise Invalid(team_id="meeting.period_empty")
    result = await changes.compute(db, Scope(actor, pipeline_id, team_id), since, until, list_quiet=True)
    meeting = Meeting(
        team_id=team_id,
        pipeline_id=pipeline_id,
        lead_id=actor.id,
        since=since,
        until=until,
        started_at=until,
        agenda=await agenda.build(db, result),
        status=MeetingStatus.running,
        reviewed=[],
        skipped=[],
        position=0,
    )
    db.add(meeting)
    await db.flush()
    db.add(MeetingAttendee(meeting_id=meeting.id, user_id=actor.id, followed_at=until, present=True))
    await db.flush()
    return meeting


def may_see(actor: User, meeting: Meeting) -> bool:
    return actor.role == Role.admin or actor.id == meeting.lead_id or actor.team_id == meeting.team_id


async def get(db: AsyncSession, actor: User, meeting_id: int) -> Meeting:
    meeting = await db.get(Meeting, meeting_id)
    if meeting is None or not may_see(actor, meeting):
        raise NotFound("meeting")
    return meeting


async def led(db: AsyncSession, actor: User, meeting_id: int, *, running: bool = True) -> Meeting:
    """The meeting, for a write by its lead: Forbidden for the others, Conflict once finished (and,
    with `running`, while paused)."""
    meeting = await get(db, actor, meeting_id)
    if actor.id != meeting.lead_id:
        raise Forbidden("meeting.lead")
    if meeting.is_finished or (running and meeting.status != MeetingStatus.running):
        raise Conflict("meeting")
    return meeting


def touch(meeting: Meeting) -> None:
    """Something the followers should see changed (the version goes up at the flush)."""
    meeting.updated_at = utcnow()


async def step(db: AsyncSession, actor: User, meeting_id: int, *, at_deal: int | None, action: str) -> Meeting:
    """next: the deal is reviewed, on to the next; skip: on without reviewing it; prev: back one;
    a number: jump there. `at_deal` is the deal the lead's screen showed: a second press of the
    same key (the screen not yet redrawn) is not a second step."""
    meeting = await led(db, actor, meeting_id)
    current = meeting.current
    if at_deal is not None and (current is None or current["deal_id"] != at_deal):
        return meeting
    if action in ("next", "skip") and current is not None:
        deal_id = current["deal_id"]
        if action == "next" and deal_id not in meeting.reviewed:
            meeting.reviewed = [*meeting.reviewed, deal_id]
            meeting.skipped = [d for d in meeting.skipped if d != deal_id]
        elif action == "skip" and deal_id not in meeting.reviewed and deal_id not in meeting.skipped:
            meeting.skipped = [*meeting.skipped, deal_id]
        meeting.position = min(meeting.position + 1, len(meeting.agenda))
    elif action == "prev":
        meeting.position = max(meeting.position - 1, 0)
    elif action.isdigit():
        meeting.position = min(int(action), len(meeting.agenda))
    else:
        raise Invalid(action="choice.invalid")
    touch(meeting)
    await db.flush()
    return meeting


def mark_reviewed(meeting: Meeting, deal_id: int) -> None:
    """A decision about a deal counts it as reviewed."""
    if deal_id not in meeting.reviewed:
        meeting.reviewed = [*meeting.reviewed, deal_id]
        meeting.skipped = [d for d in meeting.skipped if d != deal_id]
    touch(meeting)


async def pause(db: AsyncSession, actor: User, meeting_id: int) -> Meeting:
    meeting = await led(db, actor, meeting_id)
    meeting.status = MeetingStatus.paused
    await db.flush()
    return meeting


async def resume(db: AsyncSession, actor: User, meeting_id: int) -> Meeting:
    meeting = await led(db, actor, meeting_id, running=False)
    meeting.status = MeetingStatus.running
    await db.flush()
    return meeting


async def finish(db: AsyncSession, actor: User, clock: Clock, meeting_id: int) -> Meeting:
    """The minutes are what was decided until now; from here on the meeting does not change."""
    meeting = await led(db, actor, meeting_id, running=False)
    meeting.status = MeetingStatus.finished
    meeting.finished_at = clock.now()
    await db.flush()
    return meeting


async def team_members(db: AsyncSession, team_id: int) -> list[User]:
    return list(
        await db.scalars(select(User).where(User.team_id == team_id, User.is_active.is_(True)).order_by(User.name))
    )


async def attendees(db: AsyncSession, meeting_id: int) -> list[MeetingAttendee]:
    return list(await db.scalars(select(MeetingAttendee).where(MeetingAttendee.meeting_id == meeting_id)))


async def follow(db: AsyncSession, actor: User, clock: Clock, meeting: Meeting) -> None:
    """Someone opened the meeting while it runs: they are at it (once; two tabs are one person)."""
    if meeting.is_finished:
        return
    if await db.scalar(
        select(MeetingAttendee.id).where(MeetingAttendee.meeting_id == meeting.id, MeetingAttendee.user_id == actor.id)
    ):
        return
    try:
        async with db.begin_nested():
            db.add(MeetingAttendee(meeting_id=meeting.id, user_id=actor.id, followed_at=clock.now(), present=True))
    except IntegrityError:
        pass  # the same person's other tab was first


async def set_attendees(db: AsyncSession, actor: User, meeting_id: int, user_ids: list[int]) -> Meeting:
    """The lead ticks who is at the meeting (the team's members, and anyone already recorded)."""
    meeting = await led(db, actor, meeting_id, running=False)
    rows = {a.user_id: a for a in await attendees(db, meeting.id)}
    allowed = {u.id for u in await team_members(db, meeting.team_id)} | rows.keys()
    if set(user_ids) - allowed:
        raise Invalid(user_ids="user.unknown")
    for user_id in allowed:
        row = rows.get(user_id)
        if row is None and user_id in user_ids:
            db.add(MeetingAttendee(meeting_id=meeting.id, user_id=user_id, present=True))
        elif row is not None:
            row.present = user_id in user_ids
    touch(meeting)
    await db.flush()
    return meeting


async def team_meetings(db: AsyncSession, actor: User, team_id: int | None, *, limit: int = 100) -> list[Meeting]:
    """A team's meetings, newest first (the actor's team unless given; admins: every team's)."""
    query = select(Meeting).order_by(Meeting.started_at.desc(), Meeting.id.desc()).limit(limit)
    team = team_id if team_id is not None else (None if actor.role == Role.admin else actor.team_id)
    if team is not None:
        query = query.where(Meeting.team_id == team)
    meetings = [m for m in await db.scalars(query) if may_see(actor, m)]
    return meetings


async def meetings_changed(
    db: AsyncSession, actor: User, window: sync.Window, *, team_id: int | None = None
) -> tuple[list[Meeting], str | None]:
    """The meetings the actor sees (their team's, those they led; admins every one), oldest change
    first, for the API's sync."""
    query = select(Meeting)
    if actor.role != Role.admin:
        query = query.where(or_(Meeting.team_id == actor.team_id, Meeting.lead_id == actor.id))
    if team_id is not None:
        query = query.where(Meeting.team_id == team_id)
    return await sync.page(db, query, Meeting, window)

"""What the meeting's screen shows about the deal the lead is on: its change in the period (from the
agenda), the deal as it is now, its buying committee's coverage, its last activities, its next
action and what the meeting has decided about it so far. The lead's screen adds the choices its
forms need (stages, team members). A fixed handful of statements per deal."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload

from salesdesk.accounts.models import Activity
from salesdesk.auth.models import User
from salesdesk.clock import Clock
from salesdesk.errors import NotFound
from salesdesk.meetings import decisions, meeting
from salesdesk.meetings.models import Meeting, MeetingDecision
from salesdesk.pipeline import access, committee
from salesdesk.pipeline.models import Deal, DealContact, Stage
from salesdesk.tasks import services as tasks
from salesdesk.tasks.models import Task

LAST_ACTIVITIES = 3


@dataclass
class Panel:
    meeting: Meeting
    item: dict[str, Any] | None  # the agenda's entry of the lead's deal; None: past the last one
    deal: Deal | None = None  # None: deleted since, or not visible to the reader
    contacts: list[DealContact] = field(default_factory=list)
    coverage: committee.Coverage | None = None
    activities: list[Activity] = field(default_factory=list)
    next_action: Task | None = None
    decided: list[MeetingDecision] = field(default_factory=list)
    stages: list[Stage] = field(default_factory=list)
    members: list[User] = field(default_factory=list)

    @property
    def progress(self) -> tuple[int, int]:
        return len(self.meeting.reviewed), len(self.meeting.agenda)


async def panel(db: AsyncSession, actor: User, clock: Clock, m: Meeting, *, for_lead: bool) -> Panel:
    view = Panel(m, m.current)
    if view.item is None:
        return view
    deal_id = view.item["deal_id"]
    try:
        view.deal = await access.get_deal(db, actor, deal_id)
    except NotFound:
        return view
    view.contacts = await committee.committee(db, deal_id)
    view.coverage = await committee.coverage(db, view.contacts, now=clock.now())
    view.activities = list(
        await db.scalars(
            select(Activity)
            .where(Activity.deal_id == deal_id)
            .options(joinedload(Activity.user))
            .order_by(Activity.occurred_at.desc(), Activity.id.desc())
            .limit(LAST_ACTIVITIES)
        )
    )
    view.next_action = await tasks.next_action(db, deal_id)
    view.decided = [d for d in await decisions.of_meeting(db, m.id) if d.deal_id == deal_id]
    if for_lead:
        view.stages = list(
            await db.scalars(select(Stage).where(Stage.pipeline_id == view.deal.pipeline_id).order_by(Stage.position))
        )
        view.members = await meeting.team_members(db, m.team_id)
    return view

"""What the lead decides about a deal without leaving the meeting: ヨミ, stage, a note, a next action.

Each goes through the pipeline's own services (a lowered ヨミ needs its reason, a stage move runs
the board's rules, a next action is a task of the tasks service with its owner and due date, a
note is a timeline entry of the deal), so no rule is written twice; the meeting then records the
decision for the minutes and counts the deal as reviewed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from salesdesk.accounts.forms import ActivityInput
from salesdesk.accounts.models import ActivityKind
from salesdesk.auth.models import User
from salesdesk.clock import Clock
from salesdesk.errors import NotFound
from salesdesk.i18n import _
from salesdesk.meetings import meeting as meetings
from salesdesk.meetings.models import Meeting, MeetingDecision
from salesdesk.pipeline import deal_page, moves, services
from salesdesk.pipeline.forms import MoveInput
from salesdesk.pipeline.models import Stage
from salesdesk.tasks import services as tasks
from salesdesk.tasks.forms import TaskInput
from salesdesk.tasks.models import TaskKind


@dataclass(frozen=True)
class NextActionDecision:
    title: str
    due_on: date
    owner_id: int | None  # None: the deal's owner
    kind: TaskKind = TaskKind.call


async def _on_agenda(db: AsyncSession, actor: User, meeting_id: int, deal_id: int) -> Meeting:
    meeting = await meetings.led(db, actor, meeting_id)
    if all(item["deal_id"] != deal_id for item in meeting.agenda):
        raise NotFound("deal")
    return meeting


def _record(db: AsyncSession, meeting: Meeting, actor: User, clock: Clock, deal_id: int, kind: str, **values) -> None:
    db.add(
        MeetingDecision(meeting_id=meeting.id, deal_id=deal_id, kind=kind, actor_id=actor.id, at=clock.now(), **values)
    )
    meetings.mark_reviewed(meeting, deal_id)


async def set_forecast(
    db: AsyncSession,
    actor: User,
    clock: Clock,
    meeting_id: int,
    deal_id: int,
    *,
    forecast: str,
    reason: str,
    seen_version: int,
) -> None:
    meeting = await _on_agenda(db, actor, meeting_id, deal_id)
    before = (await services.get_deal(db, actor, deal_id)).forecast
    deal = await services.set_forecast(db, actor, deal_id, forecast=forecast, reason=reason, seen_version=seen_version)
    _record(
        db, meeting, actor, clock, deal_id, "forecast", old_value=before, new_value=deal.forecast, text=reason.strip()
    )
    await db.flush()


async def move_stage(
    db: AsyncSession, actor: User, clock: Clock, meeting_id: int, deal_id: int, data: MoveInput
) -> None:
    """The board's move (its required fields, won/lost, next-action rule), from the meeting."""
    meeting = await _on_agenda(db, actor, meeting_id, deal_id)
    move = await moves.move_deal(db, actor, clock, deal_id, data)
    if move.changed_stage:
        new = await db.scalar(select(Stage.name).where(Stage.id == move.deal.stage_id))
        _record(db, meeting, actor, clock, deal_id, "stage", old_value=move.from_stage.name, new_value=new)
    await db.flush()


async def add_note(db: AsyncSession, actor: User, clock: Clock, meeting_id: int, deal_id: int, note: str) -> None:
    """A note on the deal's timeline, its subject saying it comes from the meeting (and which)."""
    meeting = await _on_agenda(db, actor, meeting_id, deal_id)
    subject = _("Weekly meeting note (%(day)s)", day=clock.local(meeting.started_at).strftime("%Y-%m-%d"))
    activity = await deal_page.log_activity(
        db, actor, clock, deal_id, ActivityInput(subject=subject, kind=ActivityKind.note, body=note)
    )
    _record(db, meeting, actor, clock, deal_id, "note", text=note, activity_id=activity.id)
    await db.flush()


async def assign_next_action(
    db: AsyncSession, actor: User, clock: Clock, meeting_id: int, deal_id: int, action: NextActionDecision
) -> None:
    """A task on the deal for its owner (or whom the lead names), due when the meeting says."""
    meeting = await _on_agenda(db, actor, meeting_id, deal_id)
    deal = await services.get_deal(db, actor, deal_id)
    owner_id = action.owner_id if action.owner_id is not None else deal.owner_id
    data = TaskInput(title=action.title, due_on=action.due_on, kind=action.kind, owner_id=owner_id, deal_id=deal_id)
    task = await tasks.create_task(db, actor, clock, data)
    _record(
        db, meeting, actor, clock, deal_id, "next_action",
        text=action.title, owner_id=task.owner_id, due_on=action.due_on, task_id=task.id,
    )  # fmt: skip
    await db.flush()


async def of_meeting(db: AsyncSession, meeting_id: int) -> list[MeetingDecision]:
    return list(
        await db.scalars(
            select(MeetingDecision).where(MeetingDecision.meeting_id == meeting_id).order_by(MeetingDecision.id)
        )
    )

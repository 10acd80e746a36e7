"""/api/v1/meetings: the weekly meetings and their minutes, through meetings' services like the pages.

A team's manager (or an admin) starts one for the team (the period is fixed then: from where the
team's last finished meeting ended, else the schedule's last start, until now); the team's members
and admins read it (another team's user: 404). One meeting comes with its agenda, attendees, every
decision (ヨミ, stage, note, next action with owner and due date) and its bridge, recomputed from the
deals' history as of the period, so an old meeting reads the same figures every time. The minutes
as an A4 PDF at /meetings/{id}/minutes.pdf.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from litestar import Request, Response, get, post
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import JSONBody, Parameter
from msgspec import Meta, Struct

from salesdesk import sync
from salesdesk.api.common import ITEM_ID, Cursor, Limit, UpdatedSince
from salesdesk.api.errors import READ_ERRORS, WRITE_ERRORS
from salesdesk.api.pipeline_changes import BridgeOut, TotalsOut
from salesdesk.deps import DB, Actor, Now
from salesdesk.meetings import agenda, meeting, minutes
from salesdesk.meetings.models import Meeting, MeetingAttendee, MeetingDecision

TAGS = ["meetings"]
Id = Annotated[int, Meta(ge=1, le=2**53)]
TeamFilter = Annotated[int | None, Parameter(ge=1, le=2**53, description="Only this team's meetings.")]


class MeetingCreate(Struct):
    team_id: Id
    pipeline_id: Annotated[Id | None, Meta(description="Only this pipeline's deals; null: every pipeline.")] = None


class AgendaItemOut(Struct):
    deal_id: int
    title: str
    company: str
    reason: Annotated[
        str, Meta(description="Why it is on the agenda, in the walk's order: " + ", ".join(agenda.REASONS))
    ]
    category: Annotated[str, Meta(description="Its bridge category in the period.")]
    flags: list[str]
    amount_delta_jpy: int
    status: Annotated[str, Meta(description="reviewed, skipped or pending.")]


class AttendeeOut(Struct):
    user_id: int
    present: bool
    followed_at: datetime | None


class DecisionOut(Struct):
    id: int
    deal_id: int
    kind: Annotated[str, Meta(description="forecast, stage, note or next_action.")]
    at: datetime
    actor_id: int | None
    old_value: Annotated[str | None, Meta(description="forecast: the ヨミ before; stage: the stage's name before.")]
    new_value: str | None
    text: Annotated[str, Meta(description="forecast: the reason; note: the note; next_action: the task's title.")]
    owner_id: Annotated[int | None, Meta(description="next_action: whose task it is.")]
    due_on: date | None
    task_id: int | None
    activity_id: Annotated[int | None, Meta(description="note: the activity on the deal's timeline.")]

    @classmethod
    def of(cls, d: MeetingDecision) -> DecisionOut:
        return cls(
            d.id, d.deal_id, d.kind, d.at, d.actor_id, d.old_value, d.new_value, d.text, d.owner_id, d.due_on,
            d.task_id, d.activity_id,
        )  # fmt: skip


class MinutesOut(Struct):
    start: TotalsOut
    end: TotalsOut
    bridge: list[BridgeOut]
    agenda: list[AgendaItemOut]
    attendees: list[AttendeeOut]
    decisions: list[DecisionOut]


class MeetingOut(Struct):
    id: int
    team_id: int
    pipeline_id: int | None
    lead_id: int | None
    status: Annotated[str, Meta(description="running, paused or finished (finished: the minutes, immutable).")]
    since: datetime
    until: datetime
    started_at: datetime
    finished_at: datetime | None
    reviewed_count: int
    agenda_count: int
    created_at: datetime
    updated_at: datetime
    version: int
    minutes: Annotated[MinutesOut | None, Meta(description="One meeting only (null in lists).")] = None

    @classmethod
    def of(cls, m: Meeting, details: MinutesOut | None = None) -> MeetingOut:
        return cls(
            m.id, m.team_id, m.pipeline_id, m.lead_id, m.status, m.since, m.until, m.started_at, m.finished_at,
            len(m.reviewed), len(m.agenda), m.created_at, m.updated_at, m.version, details,
        )  # fmt: skip


class MeetingList(Struct):
    items: list[MeetingOut]
    next_cursor: str | None


def _item(m: Meeting, item: dict) -> AgendaItemOut:
    deal_id = item["deal_id"]
    status = "reviewed" if deal_id in m.reviewed else "skipped" if deal_id in m.skipped else "pending"
    return AgendaItemOut(
        deal_id, item["title"], item["company"], item["reason"], item["category"], list(item["flags"]),
        item["amount_delta_jpy"], status,
    )  # fmt: skip


def _attendee(a: MeetingAttendee) -> AttendeeOut:
    return AttendeeOut(a.user_id, a.present, a.followed_at)


@get("/meetings", responses=READ_ERRORS, tags=TAGS, summary="Weekly meetings the user sees, oldest change first")
async def list_meetings(
    db_session: DB,
    actor: Actor,
    limit: Limit = sync.DEFAULT_LIMIT,
    cursor: Cursor = None,
    updated_since: UpdatedSince = None,
    team_id: TeamFilter = None,
) -> MeetingList:
    window = sync.parse_window(limit, cursor, updated_since)
    rows, next_cursor = await meeting.meetings_changed(db_session, actor, window, team_id=team_id)
    return MeetingList([MeetingOut.of(row) for row in rows], next_cursor)


@post("/meetings", responses=WRITE_ERRORS, tags=TAGS, summary="Start a team's weekly meeting (its manager, admins)")
async def start_meeting(db_session: DB, actor: Actor, clock: Now, data: JSONBody[MeetingCreate]) -> MeetingOut:
    started = await meeting.start(db_session, actor, clock, team_id=data.team_id, pipeline_id=data.pipeline_id)
    return await _one(db_session, actor, started.id)


async def _one(db: DB, actor: Actor, meeting_id: int) -> MeetingOut:
    view = await minutes.minutes(db, actor, meeting_id)
    m, result = view.meeting, view.result
    details = MinutesOut(
        TotalsOut.of(result.start),
        TotalsOut.of(result.end),
        [BridgeOut(row.category, row.count, row.amount_jpy) for row in result.bridge],
        [_item(m, item) for item in m.agenda],
        [_attendee(a) for _name, a in view.attendees],
        [DecisionOut.of(d) for d in view.decisions],
    )
    return MeetingOut.of(m, details)


@get("/meetings/{meeting_id:int}", responses=WRITE_ERRORS, tags=TAGS, summary="One meeting with its decisions")
async def get_meeting(db_session: DB, actor: Actor, meeting_id: Annotated[int, ITEM_ID]) -> MeetingOut:
    return await _one(db_session, actor, meeting_id)


PDF = ResponseSpec(
    data_container=bytes, media_type="application/pdf", description="The minutes, A4.", generate_examples=False
)


@get(
    "/meetings/{meeting_id:int}/minutes.pdf",
    responses={200: PDF} | WRITE_ERRORS,
    media_type="application/pdf",
    tags=TAGS,
    summary="The minutes as an A4 PDF (in the token user's language)",
)
async def minutes_pdf(
    request: Request, db_session: DB, actor: Actor, meeting_id: Annotated[int, ITEM_ID]
) -> Response[bytes]:
    """The document the minutes page downloads."""
    return await minutes.pdf_response(request.app.template_engine, await minutes.minutes(db_session, actor, meeting_id))


ROUTES = [list_meetings, start_meeting, get_meeting, minutes_pdf]

"""The meeting's pages: start one, the lead's walk through the deals (plain forms and links, keys
added by static/js/meeting.js), the followers' view that polls the lead's deal, and the minutes
as a page and a PDF. Every write is post/redirect/get back to the meeting; a refused one shows
the meeting with the error beside the form that caused it (422, 409)."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Request, Response, get, post
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from salesdesk.auth.models import Team, User
from salesdesk.calendar.feed import etag, matches
from salesdesk.clock import Clock
from salesdesk.deps import DB, Actor, Now
from salesdesk.errors import Invalid, StaleEdit
from salesdesk.i18n import _, current_locale
from salesdesk.ids import parse_id
from salesdesk.meetings import decisions, forms, meeting, minutes, walk
from salesdesk.meetings.models import Meeting
from salesdesk.pipeline import setup
from salesdesk.pipeline.models import Forecast
from salesdesk.tasks.models import TaskKind
from salesdesk.web import FORM, Page, redirect, render

FOLLOW_HEADERS = {"Cache-Control": "private, no-cache"}


async def _names(db: AsyncSession) -> dict[int, str]:
    return {row.id: row.name for row in await db.execute(select(User.id, User.name))}


async def _walk_page(
    db: AsyncSession, actor: User, clock: Clock, m: Meeting, *, status_code: int = 200, **extra: Any
) -> Page:
    is_lead = actor.id == m.lead_id
    view = await walk.panel(db, actor, clock, m, for_lead=is_lead)
    team = await db.scalar(select(Team.name).where(Team.id == m.team_id))
    context = {
        "m": m,
        "view": view,
        "is_lead": is_lead,
        "team_name": team,
        "users": await _names(db),
        "Forecast": Forecast,
        "TaskKind": TaskKind,
        "errors": {},
        "forms": {},
        "lost_reasons": await setup.list_lost_reasons(db) if is_lead else [],
        "attendees": await meeting.attendees(db, m.id),
        "members": await meeting.team_members(db, m.team_id) if is_lead else [],
        "today": clock.today(),
    }
    return render("meetings/walk.html", status_code=status_code, **(context | extra))


@get("/meetings")
async def meeting_list(db_session: DB, actor: Actor, team_id: str = "") -> Page:
    """A team's meetings and their minutes, newest first; the form to start one."""
    team = parse_id(team_id)
    return render(
        "meetings/list.html",
        meetings=await meeting.team_meetings(db_session, actor, team),
        teams={t.id: t.name for t in await db_session.scalars(select(Team))},
        users=await _names(db_session),
        pipelines=await setup.list_pipelines(db_session),
        team_id=team or actor.team_id,
    )


@post("/meetings")
async def start_meeting(
    request: Request, db_session: DB, actor: Actor, clock: Now, data: Annotated[forms.StartForm, FORM]
) -> Response | Page:
    try:
        team_id, pipeline_id = forms.parse_start(data)
        started = await meeting.start(db_session, actor, clock, team_id=team_id, pipeline_id=pipeline_id)
    except Invalid as error:
        return render(
            "meetings/list.html",
            status_code=422,
            meetings=await meeting.team_meetings(db_session, actor, None),
            teams={t.id: t.name for t in await db_session.scalars(select(Team))},
            users=await _names(db_session),
            pipelines=await setup.list_pipelines(db_session),
            team_id=actor.team_id,
            errors=error.errors,
        )
    return redirect(request, f"/meetings/{started.id}")


@get("/meetings/{meeting_id:int}")
async def meeting_page(db_session: DB, actor: Actor, clock: Now, meeting_id: int) -> Page:
    """The lead's walk, or a follower's view of it; once finished, the minutes."""
    m = await meeting.get(db_session, actor, meeting_id)
    if m.is_finished:
        return await _minutes_page(db_session, actor, meeting_id)
    if actor.id != m.lead_id:
        await meeting.follow(db_session, actor, clock, m)
    return await _walk_page(db_session, actor, clock, m)


@get("/meetings/{meeting_id:int}/now")
async def meeting_now(request: Request, db_session: DB, actor: Actor, clock: Now, meeting_id: int) -> Response | Page:
    """The followers' poll: the lead's deal, 304 while the meeting's version is the same."""
    m = await meeting.get(db_session, actor, meeting_id)
    tag = etag(repr((m.id, m.version, actor.id, current_locale.get())).encode())
    headers = FOLLOW_HEADERS | {"ETag": tag}
    if matches(request.headers.get("if-none-match"), tag):
        return Response(b"", status_code=304, headers=headers)
    view = await walk.panel(db_session, actor, clock, m, for_lead=False)
    return render("meetings/walk.html", block="follow", headers=headers, m=m, view=view, users=await _names(db_session))


async def _after(request: Request, meeting_id: int, message: str | None = None) -> Response:
    return redirect(request, f"/meetings/{meeting_id}", flash=("success", message) if message else None)


@post("/meetings/{meeting_id:int}/step")
async def step(
    request: Request, db_session: DB, actor: Actor, meeting_id: int, data: Annotated[forms.StepForm, FORM]
) -> Response:
    await meeting.step(db_session, actor, meeting_id, at_deal=parse_id(data.at), action=data.action)
    return await _after(request, meeting_id)


@post("/meetings/{meeting_id:int}/pause")
async def pause(request: Request, db_session: DB, actor: Actor, meeting_id: int) -> Response:
    await meeting.pause(db_session, actor, meeting_id)
    return await _after(request, meeting_id, _("Meeting paused."))


@post("/meetings/{meeting_id:int}/resume")
async def resume(request: Request, db_session: DB, actor: Actor, meeting_id: int) -> Response:
    await meeting.resume(db_session, actor, meeting_id)
    return await _after(request, meeting_id, _("Meeting resumed."))


@post("/meetings/{meeting_id:int}/finish")
async def finish(request: Request, db_session: DB, actor: Actor, clock: Now, meeting_id: int) -> Response:
    await meeting.finish(db_session, actor, clock, meeting_id)
    return redirect(
        request, f"/meetings/{meeting_id}/minutes", flash=("success", _("Meeting finished: minutes saved."))
    )


@post("/meetings/{meeting_id:int}/attendees")
async def set_attendees(request: Request, db_session: DB, actor: Actor, meeting_id: int) -> Response:
    ids = [i for i in (parse_id(v) for v in (await request.form()).getall("user_ids", [])) if i is not None]
    await meeting.set_attendees(db_session, actor, meeting_id, ids)
    return await _after(request, meeting_id, _("Attendees saved."))


async def _decide(
    request: Request, db: AsyncSession, actor: User, clock: Clock, meeting_id: int, name: str, form: Any, action: Any
) -> Response | Page:
    """Run a decision; a refusal redraws the meeting with the error at that form, its input kept."""
    try:
        await action()
    except Invalid as error:
        m = await meeting.get(db, actor, meeting_id)
        return await _walk_page(db, actor, clock, m, status_code=422, errors={name: error.errors}, forms={name: form})
    except StaleEdit:
        m = await meeting.get(db, actor, meeting_id)
        stale = {"deal": "deal.stale"}
        return await _walk_page(db, actor, clock, m, status_code=409, errors={name: stale}, forms={name: form})
    return await _after(request, meeting_id, _("Decision recorded."))


@post("/meetings/{meeting_id:int}/deals/{deal_id:int}/forecast")
async def decide_forecast(
    request: Request, db_session: DB, actor: Actor, clock: Now, meeting_id: int, deal_id: int,
    data: Annotated[forms.MeetingForecastForm, FORM],
) -> Response | Page:  # fmt: skip
    async def action() -> None:
        forecast, reason, version = forms.parse_forecast(data)
        await decisions.set_forecast(
            db_session, actor, clock, meeting_id, deal_id, forecast=forecast, reason=reason, seen_version=version
        )

    return await _decide(request, db_session, actor, clock, meeting_id, "forecast", data, action)


@post("/meetings/{meeting_id:int}/deals/{deal_id:int}/stage")
async def decide_stage(
    request: Request, db_session: DB, actor: Actor, clock: Now, meeting_id: int, deal_id: int,
    data: Annotated[forms.MeetingStageForm, FORM],
) -> Response | Page:  # fmt: skip
    async def action() -> None:
        await decisions.move_stage(db_session, actor, clock, meeting_id, deal_id, forms.parse_stage(data))

    return await _decide(request, db_session, actor, clock, meeting_id, "stage", data, action)


@post("/meetings/{meeting_id:int}/deals/{deal_id:int}/note")
async def decide_note(
    request: Request, db_session: DB, actor: Actor, clock: Now, meeting_id: int, deal_id: int,
    data: Annotated[forms.NoteForm, FORM],
) -> Response | Page:  # fmt: skip
    async def action() -> None:
        await decisions.add_note(db_session, actor, clock, meeting_id, deal_id, forms.parse_note(data))

    return await _decide(request, db_session, actor, clock, meeting_id, "note", data, action)


@post("/meetings/{meeting_id:int}/deals/{deal_id:int}/next-action")
async def decide_next_action(
    request: Request, db_session: DB, actor: Actor, clock: Now, meeting_id: int, deal_id: int,
    data: Annotated[forms.NextActionForm, FORM],
) -> Response | Page:  # fmt: skip
    async def action() -> None:
        await decisions.assign_next_action(db_session, actor, clock, meeting_id, deal_id, forms.parse_next_action(data))

    return await _decide(request, db_session, actor, clock, meeting_id, "next_action", data, action)


async def _minutes_page(db: AsyncSession, actor: User, meeting_id: int) -> Page:
    view = await minutes.minutes(db, actor, meeting_id)
    return render("meetings/minutes.html", v=view, chart=minutes.review)


@get("/meetings/{meeting_id:int}/minutes")
async def minutes_page(db_session: DB, actor: Actor, meeting_id: int) -> Page:
    return await _minutes_page(db_session, actor, meeting_id)


@get("/meetings/{meeting_id:int}/minutes.pdf")
async def minutes_pdf(request: Request, db_session: DB, actor: Actor, meeting_id: int) -> Response:
    """The minutes on A4, in the reader's language (the template is the page's, printed)."""
    return await minutes.pdf_response(request.app.template_engine, await minutes.minutes(db_session, actor, meeting_id))


ROUTES = [
    meeting_list, start_meeting, meeting_page, meeting_now, step, pause, resume, finish, set_attendees,
    decide_forecast, decide_stage, decide_note, decide_next_action, minutes_page, minutes_pdf,
]  # fmt: skip

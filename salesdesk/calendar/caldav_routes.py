"""The settings page's CalDAV panel: connect a calendar, disconnect it, sync now.

The panel is fetched after the settings page (htmx), so the page's own queries stay as they are
and a calendar server that misbehaves never breaks it; without JavaScript it is a page of its own.
"""

from __future__ import annotations

from typing import Annotated, Any

import httpx
from litestar import Request, Response, get, post

from salesdesk.calendar import caldav_services as caldav
from salesdesk.calendar.feed_routes import base_url
from salesdesk.deps import DB, Actor, Now
from salesdesk.errors import Invalid
from salesdesk.i18n import _
from salesdesk.web import FORM, redirect, render


async def _panel(db: DB, actor: Actor, *, status_code: int = 200, **context: Any) -> Response:
    context.setdefault("form", caldav.ConnectForm())
    return render(
        "calendar/caldav.html",
        block="caldav_panel",
        status_code=status_code,
        connection=await caldav.connection_of(db, actor),
        conflicts=await caldav.recent_conflicts(db, actor),
        errors=context.pop("errors", {}),
        **context,
    )


@get("/settings/caldav")
async def caldav_panel(db_session: DB, actor: Actor) -> Response:
    return await _panel(db_session, actor)


@post("/settings/caldav")
async def connect_caldav(
    request: Request, db_session: DB, actor: Actor, data: Annotated[caldav.ConnectForm, FORM]
) -> Response:
    try:
        parsed = caldav.parse_connect(data)
        async with httpx.AsyncClient(follow_redirects=True) as http:
            secret = request.app.state.settings.secret_key
            await caldav.connect(db_session, actor, parsed, secret_key=secret, http=http)
    except Invalid as error:  # the form again, as typed (the password is not shown back)
        data.password = ""
        return await _panel(db_session, actor, form=data, errors=error.errors, status_code=422)
    message = _("The calendar is connected. Your tasks appear there at the next sync.")
    return redirect(request, "/settings#caldav", flash=("success", message))


@post("/settings/caldav/disconnect")
async def disconnect_caldav(request: Request, db_session: DB, actor: Actor) -> Response:
    await caldav.disconnect(db_session, actor)
    message = _("The calendar is disconnected. The events already there stay in it.")
    return redirect(request, "/settings#caldav", flash=("success", message))


@post("/settings/caldav/sync")
async def sync_caldav(request: Request, db_session: DB, actor: Actor, clock: Now) -> Response:
    """Sync now, whatever the backoff says; the panel shows what came of it."""
    if await caldav.connection_of(db_session, actor) is None:
        return await _panel(db_session, actor)
    await db_session.commit()  # the run's own sessions must not wait on this request's transaction
    run = await caldav.sync_all(
        request.app.state.alchemy.get_engine(),
        clock,
        secret_key=request.app.state.settings.secret_key,
        base_url=base_url(request),
        email=actor.email,
        due_only=False,
    )
    if not request.headers.get("hx-request"):
        return redirect(request, "/settings/caldav")
    return await _panel(db_session, actor, run=run)


ROUTES = [caldav_panel, connect_caldav, disconnect_caldav, sync_caldav]

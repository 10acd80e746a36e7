"""/admin/calendar: closure days and renewal lead times (admins only; the services check it)."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Request, Response, get, post

from salesdesk.calendar import admin
from salesdesk.calendar.forms import ClosuresForm, LeadDaysForm, parse_closures, parse_lead_days
from salesdesk.deps import DB, Actor, Now
from salesdesk.errors import Invalid
from salesdesk.i18n import _
from salesdesk.web import FORM, Page, redirect, render

PAGE = "/admin/calendar"


async def _page(db: DB, actor: Actor, clock: Now, *, status_code: int = 200, **context: Any) -> Page:
    config = await admin.configuration(db, actor, clock.today())
    context = {"form": None, "errors": {}, "failed": ""} | context
    return render("calendar/admin.html", status_code=status_code, config=config, **context)


@get(PAGE)
async def calendar_settings(db_session: DB, actor: Actor, clock: Now) -> Page:
    return await _page(db_session, actor, clock)


@post(PAGE)
async def save_closures(
    request: Request, db_session: DB, actor: Actor, clock: Now, data: Annotated[ClosuresForm, FORM]
) -> Response | Page:
    try:
        await admin.save_closures(db_session, actor, parse_closures(data))
    except Invalid as error:
        return await _page(db_session, actor, clock, status_code=422, form=data, errors=error.errors, failed="closures")
    return redirect(request, PAGE, flash=("success", _("Closure days saved.")))


@post(PAGE + "/pipelines/{pipeline_id:int}")
async def save_lead_days(
    request: Request, db_session: DB, actor: Actor, clock: Now, pipeline_id: int, data: Annotated[LeadDaysForm, FORM]
) -> Response | Page:
    try:
        await admin.save_lead_days(db_session, actor, pipeline_id, parse_lead_days(data))
    except Invalid as error:
        failed = f"pipeline-{pipeline_id}"
        return await _page(db_session, actor, clock, status_code=422, form=data, errors=error.errors, failed=failed)
    return redirect(request, PAGE, flash=("success", _("Renewal lead time saved.")))


ROUTES = [calendar_settings, save_closures, save_lead_days]

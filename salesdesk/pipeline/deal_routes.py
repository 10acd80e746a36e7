"""Deal pages: the deal (summary, stage progress, buying committee, timeline, next actions), the
new and edit forms, ヨミ, the quick activity log and the committee's actions.

An htmx request gets back the block of pipeline/deal.html it replaces; a plain post redirects to
the deal page with a flash (post/redirect/get), and a refused one shows the page with the error.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated, Any

from litestar import Request, Response, get, post
from sqlalchemy.ext.asyncio import AsyncSession

from salesdesk.accounts.forms import ActivityForm, parse_activity
from salesdesk.accounts.models import ActivityKind, BuyingRole
from salesdesk.auth.models import User
from salesdesk.calendar.business_days import business_days_if_asked
from salesdesk.clock import Clock
from salesdesk.deps import DB, Actor, Now
from salesdesk.errors import Invalid, StaleEdit
from salesdesk.i18n import _
from salesdesk.i18n.messages import error_text
from salesdesk.ids import parse_id, parse_page
from salesdesk.pipeline import committee, deal_page, moves, services
from salesdesk.pipeline.forms import (
    ContactForm,
    DealForm,
    ForecastForm,
    MoveForm,
    parse_contact,
    parse_deal,
    parse_forecast,
    parse_move,
)
from salesdesk.pipeline.models import Deal, Forecast
from salesdesk.quotes import services as quote_services
from salesdesk.tasks.models import TaskKind
from salesdesk.web import FORM, Page, is_fragment_request, redirect, render

DEAL_CONTEXT = {"BuyingRole": BuyingRole, "ActivityKind": ActivityKind, "Forecast": Forecast, "TaskKind": TaskKind}


async def deal_context(db: AsyncSession, actor: User, clock: Clock, deal_id: int, *, page: int = 1) -> dict[str, Any]:
    """Everything the deal page and its fragments (e.g. block "next_actions") render from."""
    view = await deal_page.deal_page(db, actor, clock, deal_id, page=page)
    quotes = await quote_services.deal_quotes(db, view.deal.id)
    return {"deal": view.deal, "dv": view, "today": view.today, "quotes": quotes, **DEAL_CONTEXT}


async def _deal_block(
    request: Request, db: AsyncSession, actor: User, deal_id: int, block: str, *, status_code: int = 200, **extra: Any
) -> Page:
    """The block for htmx; the whole page (with the same error shown in place) for a plain post."""
    context = await deal_context(db, actor, Clock.of(actor), deal_id)
    return render(
        "pipeline/deal.html",
        block=block,
        status_code=status_code,
        full_page=not is_fragment_request(request),
        **context,
        **extra,
    )


# --- the deal page -----------------------------------------------------------------------


@get("/deals/{deal_id:int}")
async def deal_detail(db_session: DB, actor: Actor, clock: Now, deal_id: int, page: str = "", prompt: str = "") -> Page:
    """The page; htmx asks it for the timeline's other pages."""
    context = await deal_context(db_session, actor, clock, deal_id, page=parse_page(page))
    return render("pipeline/deal.html", block="timeline", full_page=True, prompt_next=prompt == "next", **context)


@post("/deals/{deal_id:int}/forecast")
async def set_forecast(
    request: Request, db_session: DB, actor: Actor, deal_id: int, data: Annotated[ForecastForm, FORM]
) -> Response | Page:
    try:
        wanted = parse_forecast(data)
        await services.set_forecast(
            db_session,
            actor,
            deal_id,
            forecast=wanted.forecast,
            reason=wanted.reason,
            seen_version=wanted.seen_version,
        )
    except Invalid as error:
        return await _deal_block(
            request,
            db_session,
            actor,
            deal_id,
            "summary",
            status_code=422,
            forecast_form=data,
            forecast_errors=error.errors,
        )
    except StaleEdit as stale:  # the panel keeps the user's choice, now drawn from the current version
        return await _deal_block(
            request,
            db_session,
            actor,
            deal_id,
            "summary",
            status_code=409,
            forecast_form=replace(data, version=stale.current.version),
            forecast_stale=stale,
        )
    if not is_fragment_request(request):
        return redirect(request, f"/deals/{deal_id}", flash=("success", _("Forecast saved.")))
    return await _deal_block(request, db_session, actor, deal_id, "summary")


@post("/deals/{deal_id:int}/activities")
async def log_activity(
    request: Request, db_session: DB, actor: Actor, clock: Now, deal_id: int, data: Annotated[ActivityForm, FORM]
) -> Response | Page:
    """htmx: the timeline comes back with the new entry on top (and the committee's warning redrawn)."""
    person_ids = (await request.form()).getall("person_ids", [])
    try:
        await deal_page.log_activity(db_session, actor, clock, deal_id, parse_activity(data, clock, person_ids))
    except Invalid as error:
        return await _deal_block(
            request,
            db_session,
            actor,
            deal_id,
            "timeline",
            status_code=422,
            activity_form=data,
            activity_errors=error.errors,
        )
    if not is_fragment_request(request):
        return redirect(request, f"/deals/{deal_id}#deal-timeline", flash=("success", _("Activity logged.")))
    return await _deal_block(request, db_session, actor, deal_id, "activity_logged", just_added=True)


@post("/deals/{deal_id:int}/reopen")
async def reopen_deal(
    request: Request, db_session: DB, actor: Actor, clock: Now, deal_id: int, data: Annotated[MoveForm, FORM]
) -> Response:
    """A won or lost deal back into an open stage: the board's move (its rules, its history row),
    so the weekly meeting counts it as added back to the pipeline."""
    try:
        due_from = await business_days_if_asked(db_session, clock.today(), data.next_due_in)
        await moves.move_deal(db_session, actor, clock, deal_id, parse_move(data, due_from=due_from))
    except Invalid as error:
        problems = "、".join(error_text(key) for key in error.errors.values())
        return redirect(
            request, f"/deals/{deal_id}", flash=("error", _("The deal was not reopened: %(why)s", why=problems))
        )
    return redirect(request, f"/deals/{deal_id}", flash=("success", _("The deal is open again.")))


# --- the buying committee --------------------------------------------------------------------


async def _committee_answer(request: Request, db: AsyncSession, actor: User, deal_id: int, message: str) -> Any:
    if not is_fragment_request(request):
        return redirect(request, f"/deals/{deal_id}#committee", flash=("success", message))
    return await _deal_block(request, db, actor, deal_id, "committee_changed")


@post("/deals/{deal_id:int}/contacts")
async def add_contact(
    request: Request, db_session: DB, actor: Actor, deal_id: int, data: Annotated[ContactForm, FORM]
) -> Response | Page:
    try:
        await committee.add_contact(db_session, actor, deal_id, parse_contact(data))
    except Invalid as error:
        return await _deal_block(
            request,
            db_session,
            actor,
            deal_id,
            "committee",
            status_code=422,
            contact_form=data,
            contact_errors=error.errors,
        )
    return await _committee_answer(request, db_session, actor, deal_id, _("Added to the buying committee."))


@post("/deals/{deal_id:int}/contacts/{person_id:int}")
async def update_contact(
    request: Request, db_session: DB, actor: Actor, deal_id: int, person_id: int, data: Annotated[ContactForm, FORM]
) -> Response | Page:
    """The person's role in this deal, or making them the primary contact."""
    try:
        await committee.update_contact(
            db_session, actor, deal_id, person_id, parse_contact(replace(data, person_id=str(person_id)))
        )
    except Invalid as error:
        return await _deal_block(
            request,
            db_session,
            actor,
            deal_id,
            "committee",
            status_code=422,
            contact_form=ContactForm(person_id=str(person_id), role=data.role),
            contact_errors=error.errors,
        )
    return await _committee_answer(request, db_session, actor, deal_id, _("Buying committee saved."))


@post("/deals/{deal_id:int}/contacts/{person_id:int}/delete")
async def remove_contact(request: Request, db_session: DB, actor: Actor, deal_id: int, person_id: int) -> Any:
    await committee.remove_contact(db_session, actor, deal_id, person_id)
    return await _committee_answer(request, db_session, actor, deal_id, _("Removed from the buying committee."))


# --- new and edit ----------------------------------------------------------------------------


async def _form_page(
    db: AsyncSession,
    actor: User,
    form: DealForm,
    *,
    deal: Deal | None = None,
    status_code: int = 200,
    errors: dict[str, str] | None = None,
    company_q: str = "",
    asks_next_action: bool = False,
    stale: StaleEdit | None = None,
) -> Page:
    choices = await deal_page.form_choices(db, actor, form, deal=deal, company_q=company_q)
    return render(
        "pipeline/deal_form.html",
        status_code=status_code,
        form=form,
        deal=deal,
        errors=errors or {},
        company_q=company_q,
        asks_next_action=asks_next_action,
        stale=stale,
        **choices,
    )


@get("/deals/new")
async def new_deal(db_session: DB, actor: Actor, company_id: str = "", company_q: str = "") -> Page:
    """From a company page the company is chosen; otherwise the form searches for one."""
    form = DealForm(company_id=str(parse_id(company_id) or ""), owner_id=str(actor.id))
    return await _form_page(db_session, actor, form, company_q=company_q)


@get("/deals/new/companies")
async def company_options(db_session: DB, actor: Actor, company_q: str = "") -> Page:
    """The company picker's options for what was typed (htmx, as the user types)."""
    companies = await deal_page.company_choices(db_session, company_q)
    return render("pipeline/_deal_company_options.html", companies=companies, company_q=company_q, form=None)


@post("/deals")
async def create_deal(
    request: Request, db_session: DB, actor: Actor, clock: Now, data: Annotated[DealForm, FORM]
) -> Response | Page:
    try:
        due_from = await business_days_if_asked(db_session, clock.today(), data.next_due_in)
        saved = await deal_page.open_deal(db_session, actor, clock, parse_deal(data, due_from=due_from))
    except Invalid as error:
        return await _form_page(db_session, actor, data, status_code=422, errors=error.errors)
    if saved.needs_next_action:
        return redirect(
            request,
            f"/deals/{saved.deal.id}?prompt=next",
            flash=("warning", _("Deal created. What is its next action?")),
        )
    return redirect(request, f"/deals/{saved.deal.id}", flash=("success", _("Deal created.")))


@get("/deals/{deal_id:int}/edit")
async def edit_deal(db_session: DB, actor: Actor, deal_id: int) -> Page:
    deal, form, lacks_next = await deal_page.edit_form(db_session, actor, deal_id)
    return await _form_page(db_session, actor, form, deal=deal, asks_next_action=lacks_next)


@post("/deals/{deal_id:int}")
async def update_deal(
    request: Request, db_session: DB, actor: Actor, clock: Now, deal_id: int, data: Annotated[DealForm, FORM]
) -> Response | Page:
    try:
        due_from = await business_days_if_asked(db_session, clock.today(), data.next_due_in)
        saved = await deal_page.save_deal(db_session, actor, clock, deal_id, parse_deal(data, due_from=due_from))
    except Invalid as error:
        deal, _saved, lacks_next = await deal_page.edit_form(db_session, actor, deal_id)
        return await _form_page(
            db_session,
            actor,
            data,
            deal=deal,
            status_code=422,
            errors=error.errors,
            asks_next_action=lacks_next or data.wants_next_action,
        )
    except StaleEdit as stale:  # the user's input stays, with the current version: saving again overwrites
        deal, _saved, lacks_next = await deal_page.edit_form(db_session, actor, deal_id)
        return await _form_page(
            db_session,
            actor,
            replace(data, version=deal.version),
            deal=deal,
            status_code=409,
            stale=stale,
            asks_next_action=lacks_next or data.wants_next_action,
        )
    if saved.needs_next_action:
        return redirect(
            request,
            f"/deals/{deal_id}?prompt=next",
            flash=("warning", _("Deal saved. It has no next action now: plan one.")),
        )
    return redirect(request, f"/deals/{deal_id}", flash=("success", _("Deal saved.")))


ROUTES = [
    reopen_deal,
    deal_detail,
    set_forecast,
    log_activity,
    add_contact,
    update_contact,
    remove_contact,
    new_deal,
    company_options,
    create_deal,
    edit_deal,
    update_deal,
]

"""Writing tasks: adding one, completing one (log it? what next?), editing, cancelling.

The same forms are used from the board card, the deal, company and person pages, "My day" and the
team view. A form posted by htmx is answered in its own place (its 422/409 with the user's input,
or a short "saved" note) with an `HX-Trigger` event naming what changed (`task-changed`, and
`task-changed-deal-N` for the one board card of that deal): every panel showing tasks listens and
fetches itself again (salesdesk/tasks/panels.py), so no route needs to know which page asked.
Without JavaScript every action posts, redirects to `next` and shows a flash message.
"""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Annotated, Any

from litestar import Request, Response, get, post
from sqlalchemy.ext.asyncio import AsyncSession

from salesdesk.auth.models import User
from salesdesk.calendar.business_days import business_days_from
from salesdesk.deps import DB, Actor, Now
from salesdesk.errors import Invalid, StaleEdit
from salesdesk.i18n import _
from salesdesk.ids import parse_id
from salesdesk.pipeline import access
from salesdesk.tasks import services
from salesdesk.tasks.forms import CompleteForm, TaskForm, VersionForm, parse_completion, parse_task, task_form
from salesdesk.tasks.models import Task, TaskKind
from salesdesk.web import FORM, Page, is_fragment_request, redirect, render, safe_next

TASK_CONTEXT = {"TaskKind": TaskKind}


def changed(task: Task) -> dict[str, str]:
    """The `HX-Trigger` header of a task write: the page's panels listen to `task-changed`; a board
    card only to its own deal's event (a board has a hundred cards, and htmx filters need eval)."""
    detail = {"task_id": task.id, "deal_id": task.deal_id, "company_id": task.company_id}
    events = {"task-changed": detail}
    if task.deal_id is not None:
        events[f"task-changed-deal-{task.deal_id}"] = detail
    return {"HX-Trigger": json.dumps(events)}


def _answer(request: Request, task: Task, message: str, *, next_url: str, prompt_next: bool = False) -> Response | Page:
    """htmx: a note in the form's place, and the event; a plain post: back to `next` with a flash."""
    if not is_fragment_request(request):
        flash = ("warning", _("Plan the next action for this deal.")) if prompt_next else ("success", message)
        return redirect(
            request, safe_next(next_url, f"/deals/{task.deal_id}" if task.deal_id else "/tasks"), flash=flash
        )
    return render("tasks/complete.html", block="saved", message=message, headers=changed(task))


def _new_form(form: TaskForm, *, status_code: int = 200, **extra: Any) -> Page:
    return render(
        "tasks/new.html",
        block="task_form",
        status_code=status_code,
        form=form,
        **({"errors": {}, "next_url": "", "form_id": None, "compact": False, "saved": None} | extra),
        **TASK_CONTEXT,
    )


@get("/tasks/new")
async def new_task(db_session: DB, actor: Actor, deal_id: str = "", company_id: str = "", next: str = "") -> Page:
    """The form adding a task (e.g. a deal's next action): a board card fetches it when "Add" opens."""
    deal, company = parse_id(deal_id), parse_id(company_id)
    await services.ensure_may_add(db_session, actor, deal_id=deal, company_id=company)
    return _new_form(TaskForm(deal_id=str(deal or ""), company_id=str(company or "")), next_url=safe_next(next, ""))


@post("/tasks")
async def create_task(
    request: Request, db_session: DB, actor: Actor, clock: Now, data: Annotated[TaskForm, FORM]
) -> Any:
    form = await request.form()
    shape = {
        "next_url": safe_next(form.get("next", ""), ""),
        "form_id": form.get("form_id", "") or None,
        "compact": form.get("compact", "") == "1",
    }
    try:
        due_from = await business_days_from(db_session, clock.today())
        task = await services.create_task(
            db_session, actor, clock, parse_task(data, form.getall("person_ids", []), due_from=due_from)
        )
    except Invalid as error:
        return _new_form(data, status_code=422, errors=error.errors, **shape)
    message = _("Task “%(title)s” added.", title=task.title)
    if not is_fragment_request(request):
        return _answer(request, task, message, next_url=shape["next_url"])
    blank = TaskForm(deal_id=data.deal_id, company_id=data.company_id)
    return _new_form(blank, saved=message, headers=changed(task), **shape)  # ready for the next one


@get("/tasks/{task_id:int}/complete")
async def complete_form(db_session: DB, actor: Actor, task_id: int, next: str = "") -> Page:
    """The completion step: log it as an activity? what is the next action? (or cancel, or edit)."""
    task = await services.get_task(db_session, actor, task_id)
    await services.ensure_may_edit(db_session, actor, task)
    return _complete_form(task, CompleteForm(version=task.version), next_url=safe_next(next, ""))


def _complete_form(task: Task, form: CompleteForm, *, status_code: int = 200, **extra: Any) -> Page:
    return render(
        "tasks/complete.html",
        block="complete_form",
        status_code=status_code,
        task=task,
        form=replace(form, version=task.version) if status_code == 409 else form,
        **({"errors": {}} | extra),
        **TASK_CONTEXT,
    )


@post("/tasks/{task_id:int}/complete")
async def complete_task(
    request: Request, db_session: DB, actor: Actor, clock: Now, task_id: int, data: Annotated[CompleteForm, FORM]
) -> Any:
    next_url = safe_next((await request.form()).get("next", ""), "")
    try:
        due_from = await business_days_from(db_session, clock.today())
        done = await services.complete_task(
            db_session, actor, clock, task_id, parse_completion(data, due_from=due_from)
        )
    except (Invalid, StaleEdit) as error:
        task = await services.get_task(db_session, actor, task_id)
        errors = error.errors if isinstance(error, Invalid) else {}
        stale = error if isinstance(error, StaleEdit) else None
        return _complete_form(task, data, status_code=error.status_code, errors=errors, stale=stale, next_url=next_url)
    return _answer(
        request,
        done.task,
        _("Done: %(title)s", title=done.task.title),
        next_url=next_url,
        prompt_next=done.needs_next_action,
    )


@post("/tasks/{task_id:int}/cancel")
async def cancel_task(
    request: Request, db_session: DB, actor: Actor, clock: Now, task_id: int, data: Annotated[VersionForm, FORM]
) -> Any:
    """A 409 here is the app's conflict answer (a fragment for htmx): cancelling carries no input to keep."""
    task = await services.cancel_task(db_session, actor, task_id, seen_version=data.version, clock=clock)
    next_url = (await request.form()).get("next", "")
    return _answer(request, task, _("Task cancelled: %(title)s", title=task.title), next_url=next_url)


async def _edit_page(db: AsyncSession, actor: User, task: Task, form: TaskForm, **extra: Any) -> Page:
    """The edit page, or for htmx its form alone (opened in place in a list or on a card)."""
    return render(
        "tasks/edit.html",
        block="edit_form",
        task=task,
        form=form,
        users=await access.assignable_users(db, actor),
        **({"errors": {}, "next_url": ""} | extra),
        **TASK_CONTEXT,
    )


@get("/tasks/{task_id:int}/edit")
async def edit_task(db_session: DB, actor: Actor, task_id: int, next: str = "") -> Page:
    task = await services.get_task(db_session, actor, task_id)
    await services.ensure_may_edit(db_session, actor, task)
    return await _edit_page(db_session, actor, task, task_form(task), next_url=safe_next(next, ""))


@post("/tasks/{task_id:int}")
async def update_task(
    request: Request, db_session: DB, actor: Actor, clock: Now, task_id: int, data: Annotated[TaskForm, FORM]
) -> Response | Page:
    form = await request.form()
    next_url = safe_next(form.get("next", ""), "")
    try:
        due_from = await business_days_from(db_session, clock.today())
        task = await services.update_task(
            db_session, actor, clock, task_id, parse_task(data, form.getall("person_ids", []), due_from=due_from)
        )
    except (Invalid, StaleEdit) as error:
        task = await services.get_task(db_session, actor, task_id)
        stale = error if isinstance(error, StaleEdit) else None
        return await _edit_page(
            db_session,
            actor,
            task,
            replace(data, version=task.version) if stale else data,  # saving again is a deliberate overwrite
            status_code=error.status_code,
            errors=error.errors if isinstance(error, Invalid) else {},
            stale=stale,
            next_url=next_url,
        )
    return _answer(request, task, _("Task saved."), next_url=next_url)


ROUTES = [new_task, create_task, complete_form, complete_task, cancel_task, edit_task, update_task]

"""Tasks and next actions: the rep's list, adding one, completing one (log it? what next?).

The same actions are used from the board card, the deal page, the home page and /tasks; the
hidden `view` field says which fragment an htmx request gets back (see `_answer`). Without
JavaScript every action posts, redirects to `next` and shows a flash message.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Annotated, Any

from litestar import Request, Response, get, post
from sqlalchemy.ext.asyncio import AsyncSession

from salesdesk.auth.models import User
from salesdesk.calendar.business_days import business_days_from
from salesdesk.clock import Clock
from salesdesk.deps import DB, Actor, Now
from salesdesk.errors import Invalid, StaleEdit
from salesdesk.i18n import _
from salesdesk.ids import parse_id
from salesdesk.pipeline import access, board, setup
from salesdesk.tasks import services
from salesdesk.tasks.forms import CompleteForm, TaskForm, VersionForm, parse_completion, parse_task, task_form
from salesdesk.tasks.models import TaskKind
from salesdesk.web import FORM, Page, is_fragment_request, redirect, render, safe_next

VIEWS = ("card", "deal", "home", "tasks")
TASK_CONTEXT = {"TaskKind": TaskKind}


def _in_place(form_id: str) -> dict[str, str]:
    """htmx headers that swap a form's 422 answer over the form itself, not over the view it targets."""
    if not re.fullmatch(r"[a-z0-9-]{1,60}", form_id):
        return {}
    return {"HX-Retarget": f"#{form_id}", "HX-Reswap": "outerHTML"}


async def _answer(
    request: Request,
    db: AsyncSession,
    actor: User,
    clock: Clock,
    *,
    view: str,
    deal_id: int | None,
    message: str,
    prompt_next: bool = False,
    next_url: str = "",
) -> Response | Page:
    """What the page that asked gets back: its fragment for htmx, else a redirect with a flash."""
    if not is_fragment_request(request):
        default = f"/deals/{deal_id}" if deal_id else "/tasks"
        flash = ("warning", _("Plan the next action for this deal.")) if prompt_next else ("success", message)
        return redirect(request, safe_next(next_url, default), flash=flash)
    if view == "card" and deal_id is not None:
        card = await board.card(db, actor, deal_id)
        stages = (await setup.get_pipeline(db, card.deal.pipeline_id)).stages
        return render(
            "pipeline/board.html", block="card", card=card, stages=stages, prompt_next=prompt_next, **TASK_CONTEXT
        )
    if view == "deal" and deal_id is not None:
        from salesdesk.pipeline.deal_routes import deal_context

        context = await deal_context(db, actor, clock, deal_id)
        return render("pipeline/deal.html", block="next_actions", prompt_next=prompt_next, **context)
    buckets = await services.my_tasks(db, actor, clock)
    template = "home.html" if view == "home" else "tasks/index.html"
    return render(template, block="my_tasks", buckets=buckets, **TASK_CONTEXT)


@get("/tasks")
async def task_list(db_session: DB, actor: Actor, clock: Now) -> Page:
    return render("tasks/index.html", buckets=await services.my_tasks(db_session, actor, clock), **TASK_CONTEXT)


@get("/tasks/new")
async def new_task(
    db_session: DB,
    actor: Actor,
    view: str = "tasks",
    deal_id: str = "",
    company_id: str = "",
    next: str = "",
) -> Page:
    """The form adding a task (e.g. a deal's next action): a board card fetches it when "Add" opens."""
    deal, company = parse_id(deal_id), parse_id(company_id)
    await services.ensure_may_add(db_session, actor, deal_id=deal, company_id=company)
    form = TaskForm(deal_id=str(deal or ""), company_id=str(company or ""))
    return render(
        "tasks/new.html",
        block="task_form",
        form=form,
        errors={},
        view=view,
        next_url=safe_next(next, ""),
        form_id=None,
        **TASK_CONTEXT,
    )


@post("/tasks")
async def create_task(
    request: Request, db_session: DB, actor: Actor, clock: Now, data: Annotated[TaskForm, FORM]
) -> Any:
    form = await request.form()
    view, next_url = form.get("view", ""), safe_next(form.get("next", ""), "")
    try:
        due_from = await business_days_from(db_session, clock.today())
        task = await services.create_task(
            db_session, actor, clock, parse_task(data, form.getall("person_ids", []), due_from=due_from)
        )
    except Invalid as error:
        return render(
            "tasks/new.html",
            block="task_form",
            status_code=422,
            form=data,
            errors=error.errors,
            view=view,
            next_url=next_url,
            form_id=form.get("form_id", ""),
            headers=_in_place(form.get("form_id", "")),
            **TASK_CONTEXT,
        )
    return await _answer(
        request,
        db_session,
        actor,
        clock,
        view=view,
        deal_id=task.deal_id,
        next_url=next_url,
        message=_("Task “%(title)s” added.", title=task.title),
    )


@get("/tasks/{task_id:int}/complete")
async def complete_form(db_session: DB, actor: Actor, task_id: int, view: str = "", next: str = "") -> Page:
    """The completion step: log it as an activity? what is the next action?"""
    task = await services.get_task(db_session, actor, task_id)
    await services.ensure_may_edit(db_session, actor, task)
    return render(
        "tasks/complete.html",
        block="complete_form",
        task=task,
        form=CompleteForm(version=task.version),
        errors={},
        view=view,
        next_url=safe_next(next, ""),
        **TASK_CONTEXT,
    )


async def _complete_form(
    db: AsyncSession,
    actor: User,
    task_id: int,
    form: CompleteForm,
    *,
    status_code: int,
    view: str,
    next_url: str,
    **extra: Any,
) -> Page:
    """The completion form again with the user's input (422 errors, or a 409 with the current version)."""
    task = await services.get_task(db, actor, task_id)
    return render(
        "tasks/complete.html",
        block="complete_form",
        status_code=status_code,
        task=task,
        form=replace(form, version=task.version) if status_code == 409 else form,
        view=view,
        next_url=next_url,
        headers=_in_place(f"complete-{task_id}"),
        **({"errors": {}} | extra),
        **TASK_CONTEXT,
    )


@post("/tasks/{task_id:int}/complete")
async def complete_task(
    request: Request, db_session: DB, actor: Actor, clock: Now, task_id: int, data: Annotated[CompleteForm, FORM]
) -> Any:
    form = await request.form()
    view, next_url = form.get("view", ""), safe_next(form.get("next", ""), "")
    answer = {"view": view, "next_url": next_url}
    try:
        done = await services.complete_task(db_session, actor, clock, task_id, parse_completion(data))
    except Invalid as error:
        return await _complete_form(db_session, actor, task_id, data, status_code=422, errors=error.errors, **answer)
    except StaleEdit as stale:
        return await _complete_form(db_session, actor, task_id, data, status_code=409, stale=stale, **answer)
    return await _answer(
        request,
        db_session,
        actor,
        clock,
        view=view,
        deal_id=done.task.deal_id,
        next_url=next_url,
        prompt_next=done.needs_next_action,
        message=_("Done: %(title)s", title=done.task.title),
    )


@post("/tasks/{task_id:int}/cancel")
async def cancel_task(
    request: Request, db_session: DB, actor: Actor, clock: Now, task_id: int, data: Annotated[VersionForm, FORM]
) -> Any:
    """A 409 here is the app's conflict answer (a fragment for htmx): cancelling carries no input to keep."""
    form = await request.form()
    task = await services.cancel_task(db_session, actor, task_id, seen_version=data.version, clock=clock)
    return await _answer(
        request,
        db_session,
        actor,
        clock,
        view=form.get("view", ""),
        deal_id=task.deal_id,
        next_url=form.get("next", ""),
        message=_("Task cancelled."),
    )


@get("/tasks/{task_id:int}/edit")
async def edit_task(db_session: DB, actor: Actor, task_id: int) -> Page:
    task = await services.get_task(db_session, actor, task_id)
    await services.ensure_may_edit(db_session, actor, task)
    return render(
        "tasks/edit.html",
        task=task,
        form=task_form(task),
        errors={},
        users=await access.assignable_users(db_session, actor),
        **TASK_CONTEXT,
    )


@post("/tasks/{task_id:int}")
async def update_task(
    request: Request, db_session: DB, actor: Actor, clock: Now, task_id: int, data: Annotated[TaskForm, FORM]
) -> Response | Page:
    person_ids = (await request.form()).getall("person_ids", [])
    try:
        data_in = parse_task(data, person_ids, due_from=await business_days_from(db_session, clock.today()))
        task = await services.update_task(db_session, actor, clock, task_id, data_in)
    except (Invalid, StaleEdit) as error:
        task = await services.get_task(db_session, actor, task_id)
        stale = error if isinstance(error, StaleEdit) else None
        return render(
            "tasks/edit.html",
            status_code=error.status_code,
            task=task,
            form=replace(data, version=task.version) if stale else data,  # saving again is a deliberate overwrite
            errors=error.errors if isinstance(error, Invalid) else {},
            stale=stale,
            users=await access.assignable_users(db_session, actor),
            **TASK_CONTEXT,
        )
    return redirect(
        request, f"/deals/{task.deal_id}" if task.deal_id else "/tasks", flash=("success", _("Task saved."))
    )


ROUTES = [task_list, new_task, create_task, complete_form, complete_task, cancel_task, edit_task, update_task]

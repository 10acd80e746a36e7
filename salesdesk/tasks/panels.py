"""Reading tasks: "My day" (/tasks, also on home), the team's day for managers, the header's overdue
badge, and the fragments each task panel fetches again when a task changes (`task-changed`): a
board card, a deal's next actions, a company's or a person's tasks.

Every panel is its own URL, so it can be fetched alone; without JavaScript the page shows it
(My day, team) or links to it (a company's or person's tasks, a full page then).
"""

from __future__ import annotations

from datetime import date

from litestar import Request, Response, get

from salesdesk.deps import DB, Actor, Now
from salesdesk.pipeline import board, setup
from salesdesk.tasks import views
from salesdesk.tasks.models import Task
from salesdesk.tasks.routes import TASK_CONTEXT
from salesdesk.web import Page, is_fragment_request, redirect, render


@get("/tasks")
async def my_day(request: Request, db_session: DB, actor: Actor, clock: Now, show: str = "") -> Page:
    """My day, and for managers their team's; htmx (a list listening for changes) gets My day alone.
    `show` names a bucket to list in full (overdue, due_today, next_days, later)."""
    with_team = views.may_see_team(actor) and not is_fragment_request(request)
    team = await views.team_day(db_session, actor, clock) if with_team else None
    day = await views.my_day(db_session, actor, clock, in_full=show)
    return render("tasks/index.html", block="my_day", day=day, team=team, **TASK_CONTEXT)


@get("/tasks/team")
async def team_day(db_session: DB, actor: Actor, clock: Now) -> Page:
    """The team's open tasks per rep, overdue first (managers: their team; admins: everyone)."""
    team = await views.team_day(db_session, actor, clock)
    return render("tasks/team.html", block="team", team=team, today=clock.today(), **TASK_CONTEXT)


@get("/tasks/overdue-badge")
async def overdue_badge(db_session: DB, actor: Actor, clock: Now) -> Page:
    """The header's count, fetched after the page (so no page pays a query for it) and on every change."""
    return render("tasks/_badge.html", overdue=await views.overdue_count(db_session, actor, clock))


@get("/tasks/panels/card/{deal_id:int}")
async def card_panel(request: Request, db_session: DB, actor: Actor, deal_id: int) -> Response | Page:
    """A board card drawn again; it asks for the next action when the deal was left without one."""
    card = await board.card(db_session, actor, deal_id)  # NotFound unless the actor sees the deal
    if not is_fragment_request(request):
        return redirect(request, f"/deals/{deal_id}")
    stages = (await setup.get_pipeline(db_session, card.deal.pipeline_id)).stages
    return render(
        "pipeline/_card.html",
        block="card",
        card=card,
        stages=stages,
        prompt_next=card.lacks_next_action,
        **TASK_CONTEXT,
    )


@get("/tasks/panels/deal/{deal_id:int}")
async def deal_panel(request: Request, db_session: DB, actor: Actor, clock: Now, deal_id: int) -> Response | Page:
    """The deal page's next actions, with the panels a completion changes (summary, timeline) out of band."""
    from salesdesk.pipeline.deal_routes import deal_context  # the deal page's own context

    context = await deal_context(db_session, actor, clock, deal_id)  # NotFound unless the actor sees it
    if not is_fragment_request(request):
        return redirect(request, f"/deals/{deal_id}")
    return render("pipeline/deal.html", block="next_actions", prompt_next=True, **context)


@get("/tasks/panels/company/{company_id:int}")
async def company_panel(db_session: DB, actor: Actor, clock: Now, company_id: int) -> Page:
    company, tasks = await views.company_tasks(db_session, actor, company_id)
    return _related(f"/tasks/panels/company/{company.id}", company.name, tasks, clock.today(), company_id=company.id)


@get("/tasks/panels/person/{person_id:int}")
async def person_panel(db_session: DB, actor: Actor, clock: Now, person_id: int) -> Page:
    person, tasks = await views.person_tasks(db_session, actor, person_id)
    return _related(f"/tasks/panels/person/{person.id}", person.name, tasks, clock.today(), company_id=None)


def _related(url: str, name: str, tasks: list[Task], today: date, *, company_id: int | None) -> Page:
    return render(
        "tasks/related.html",
        block="related",
        url=url,
        name=name,
        tasks=tasks,
        today=today,
        company_id=company_id,
        **TASK_CONTEXT,
    )


ROUTES = [my_day, team_day, overdue_badge, card_panel, deal_panel, company_panel, person_panel]

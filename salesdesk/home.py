"""Home page, header search and the health check."""

from __future__ import annotations

from litestar import Response, get
from litestar.status_codes import HTTP_200_OK, HTTP_503_SERVICE_UNAVAILABLE
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from salesdesk.accounts import search as account_search
from salesdesk.auth.middleware import PUBLIC
from salesdesk.db import utcnow
from salesdesk.deps import DB, Actor, Now
from salesdesk.tasks import views as tasks
from salesdesk.web import Page, render


@get("/")
async def home(db_session: DB, actor: Actor, clock: Now) -> Page:
    """My day first; a manager also sees the team's next actions (overdue first, per rep)."""
    team = await tasks.team_day(db_session, actor, clock) if tasks.may_see_team(actor) else None
    return render("home.html", now=utcnow(), day=await tasks.my_day(db_session, actor, clock), team=team)


@get("/search")
async def search(db_session: DB, actor: Actor, q: str = "") -> Page:
    """A full page without JavaScript; the header box gets the results block live (htmx)."""
    results = await account_search.search(db_session, actor, q.strip()[:100])
    return render("search.html", block="results", q=q, results=results)


@get("/healthz", opt={PUBLIC: True, "exclude_from_csrf": True})
async def healthz(db_session: DB) -> Response:
    try:
        await db_session.execute(text("SELECT 1"))
    except (SQLAlchemyError, OSError):
        return Response({"status": "error", "database": "unreachable"}, status_code=HTTP_503_SERVICE_UNAVAILABLE)
    return Response({"status": "ok", "database": "ok"}, status_code=HTTP_200_OK)


ROUTES = [home, search, healthz]

"""The ICS feeds (public, the URL's token is the key), a task's event as a download, and the
settings action that regenerates a feed URL."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from litestar import Request, Response, get, post

from salesdesk.auth.middleware import PUBLIC
from salesdesk.calendar import feed, tokens
from salesdesk.deps import DB, Actor
from salesdesk.errors import NotFound
from salesdesk.i18n import _, current_locale
from salesdesk.tasks import services as tasks
from salesdesk.web import FORM, redirect

ICS = "text/calendar; charset=utf-8"


def base_url(request: Request) -> str:
    """SALESDESK_BASE_URL, else the URL this request came in on."""
    return request.app.state.settings.base_url or str(request.base_url).rstrip("/")


def feed_links(request: Request, user: Any) -> dict[str, tokens.FeedLinks | None]:
    """The settings page's links (a Jinja global): the user's own feed, and the team's for managers."""
    links = {"own": tokens.links(base_url(request), user.calendar_token)}
    if feed.may_have_team_feed(user):
        links["team"] = tokens.links(base_url(request), user.team_calendar_token)
    return links


@get("/calendar/{name:str}", opt={PUBLIC: True, "exclude_from_csrf": True})
async def calendar_feed(request: Request, db_session: DB, name: str) -> Response:
    """The feed at /calendar/<token>.ics; 304 when the client's copy (If-None-Match) is current."""
    if not name.endswith(".ics"):
        raise NotFound("feed")
    subscribed = await feed.feed_for(db_session, name.removesuffix(".ics"))
    current_locale.set(subscribed.user.locale)  # the calendar's name in its owner's language
    name = _("salesdesk: team tasks") if subscribed.team else _("salesdesk: my tasks")
    base = base_url(request)
    tag = await feed.feed_etag(db_session, subscribed, name, base)
    headers = {"ETag": tag, "Cache-Control": "private, no-cache"}
    if feed.matches(request.headers.get("if-none-match"), tag):
        return Response(b"", status_code=304, headers=headers)
    found = await feed.feed_items(db_session, subscribed)
    return Response(feed.render(found, name=name, base_url=base, team=subscribed.team), media_type=ICS, headers=headers)


@get("/tasks/{task_id:int}/calendar.ics")
async def task_event(request: Request, db_session: DB, actor: Actor, task_id: int) -> Response:
    """One task as an .ics to import (a closed task's download cancels the imported copy)."""
    task = await tasks.get_task(db_session, actor, task_id)
    body = feed.render([feed.Item.of(task)], name=task.title, base_url=base_url(request))
    disposition = f'attachment; filename="salesdesk-task-{task.id}.ics"'
    return Response(body, media_type=ICS, headers={"Content-Disposition": disposition})


@dataclass
class RegenerateForm:
    feed: str = "own"  # or "team"


@post("/settings/calendar")
async def regenerate_feed(
    request: Request, db_session: DB, actor: Actor, data: Annotated[RegenerateForm, FORM]
) -> Response:
    await tokens.regenerate(db_session, actor, team=data.feed == "team")
    message = _("A new feed URL was made; the old one no longer works. Subscribe again with the new one.")
    return redirect(request, "/settings#calendar-feeds", flash=("success", message))


ROUTES = [calendar_feed, task_event, regenerate_feed]

"""The review page: GET /pipeline/changes — the week's bridge as a waterfall, the changed deals by
category, one bridge per rep. Its filters (period, pipeline, team, owner) live in the URL."""

from __future__ import annotations

from datetime import UTC, datetime

from litestar import Request, get
from sqlalchemy import select

from salesdesk.auth.models import User
from salesdesk.clock import Clock
from salesdesk.deps import DB, Actor, Now
from salesdesk.errors import Invalid
from salesdesk.ids import parse_id
from salesdesk.meetings import changes, meeting_routes, review, services
from salesdesk.meetings.bridge import CATEGORIES
from salesdesk.pipeline import filters, setup
from salesdesk.web import Page, render


def _moment(clock: Clock, key: str, text: str | None) -> datetime | None:
    """A period end from the URL: ISO 8601, or the form's local date-time in the user's zone."""
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise Invalid(**{key: "date.invalid"}) from None
    return (moment.replace(tzinfo=clock.zone) if moment.tzinfo is None else moment).astimezone(UTC)


@get("/pipeline/changes")
async def changes_page(request: Request, db_session: DB, actor: Actor, clock: Now) -> Page:
    params = request.query_params
    scope = {key: parse_id(params.get(key)) for key in ("pipeline_id", "team_id", "owner_id")}
    result = await services.pipeline_changes(
        db_session,
        actor,
        clock,
        since=_moment(clock, "since", params.get("since")),
        until=_moment(clock, "until", params.get("until")),
        figures_only=True,
        **scope,
    )
    groups = review.grouped(result, limit=None if params.get("all") else review.LISTED)
    await changes.detail(db_session, result, [change for _category, deals, _count in groups for change in deals])
    users = {row.id: row.name for row in await db_session.execute(select(User.id, User.name))}
    stage_names = {s.id: s.name for s in result.world.stages.values()}
    return render(
        "meetings/changes.html",
        result=result,
        scope=scope,
        bars=review.waterfall(result),
        chart=review,
        groups=groups,
        all_url=f"{request.url.path}?{request.url.query}&all=1#deals",
        reps=review.per_rep(result),
        users=users,
        stage_names=stage_names,
        field_changes=lambda change: review.field_changes(change, stage_names, users),
        categories=CATEGORIES,
        since_local=clock.local(result.since).strftime("%Y-%m-%dT%H:%M"),
        until_local=clock.local(result.until).strftime("%Y-%m-%dT%H:%M"),
        pipelines=await setup.list_pipelines(db_session),
        **await filters.filter_choices(db_session, actor),
    )


ROUTES = [changes_page, *meeting_routes.ROUTES]

"""/api/v1: thin handlers over the same services as the pages."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from litestar import Router, get
from litestar.params import Parameter

from salesdesk import sync
from salesdesk.api.auth import token_login
from salesdesk.api.errors import READ_ERRORS
from salesdesk.api.schemas import Me, TeamList, TeamOut, UserList, UserOut
from salesdesk.auth import services
from salesdesk.deps import DB, Actor

Limit = Annotated[int, Parameter(ge=1, le=sync.MAX_LIMIT, description="Rows per page (at most 500).")]
Cursor = Annotated[str | None, Parameter(max_length=200, description="`next_cursor` of the previous page.")]
UpdatedSince = Annotated[
    datetime | None,
    Parameter(description="Only rows saved at or after this moment (ISO 8601; without a zone: UTC)."),
]


@get("/me", responses=READ_ERRORS, summary="The token's user")
async def me(actor: Actor) -> Me:
    return Me.of(actor)


@get("/users", responses=READ_ERRORS, summary="Users, oldest change first")
async def users(
    db_session: DB,
    actor: Actor,
    limit: Limit = sync.DEFAULT_LIMIT,
    cursor: Cursor = None,
    updated_since: UpdatedSince = None,
) -> UserList:
    rows, next_cursor = await services.users_changed(db_session, actor, sync.parse_window(limit, cursor, updated_since))
    return UserList([UserOut.of(row) for row in rows], next_cursor)


@get("/teams", responses=READ_ERRORS, summary="Teams, oldest change first")
async def teams(
    db_session: DB,
    actor: Actor,
    limit: Limit = sync.DEFAULT_LIMIT,
    cursor: Cursor = None,
    updated_since: UpdatedSince = None,
) -> TeamList:
    rows, next_cursor = await services.teams_changed(db_session, actor, sync.parse_window(limit, cursor, updated_since))
    return TeamList([TeamOut.of(row) for row in rows], next_cursor)


API = Router(
    path="/api/v1",
    route_handlers=[me, users, teams],
    guards=[token_login],
    security=[{"bearer": []}],
    tags=["directory"],
)

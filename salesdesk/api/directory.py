"""/api/v1/me, /users and /teams: who the token is, and the directory (read only)."""

from __future__ import annotations

from litestar import get

from salesdesk import sync
from salesdesk.api.common import Cursor, Limit, UpdatedSince
from salesdesk.api.errors import READ_ERRORS
from salesdesk.api.schemas import Me, TeamList, TeamOut, UserList, UserOut
from salesdesk.auth import services
from salesdesk.deps import DB, Actor


@get("/me", responses=READ_ERRORS, tags=["directory"], summary="The token's user")
async def me(actor: Actor) -> Me:
    return Me.of(actor)


@get("/users", responses=READ_ERRORS, tags=["directory"], summary="Users, oldest change first")
async def users(
    db_session: DB,
    actor: Actor,
    limit: Limit = sync.DEFAULT_LIMIT,
    cursor: Cursor = None,
    updated_since: UpdatedSince = None,
) -> UserList:
    rows, next_cursor = await services.users_changed(db_session, actor, sync.parse_window(limit, cursor, updated_since))
    return UserList([UserOut.of(row) for row in rows], next_cursor)


@get("/teams", responses=READ_ERRORS, tags=["directory"], summary="Teams, oldest change first")
async def teams(
    db_session: DB,
    actor: Actor,
    limit: Limit = sync.DEFAULT_LIMIT,
    cursor: Cursor = None,
    updated_since: UpdatedSince = None,
) -> TeamList:
    rows, next_cursor = await services.teams_changed(db_session, actor, sync.parse_window(limit, cursor, updated_since))
    return TeamList([TeamOut.of(row) for row in rows], next_cursor)


ROUTES = [me, users, teams]

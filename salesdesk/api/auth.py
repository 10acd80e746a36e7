"""Bearer-token login for /api/v1: a guard on the API router (the pages' session middleware and
CSRF check skip /api/, so a session cookie alone gets nothing here, and no CSRF token is asked)."""

from __future__ import annotations

from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException
from litestar.handlers.base import BaseRouteHandler

from salesdesk.audit.hook import set_actor
from salesdesk.auth import tokens
from salesdesk.clock import Clock
from salesdesk.errors import Forbidden
from salesdesk.i18n import current_locale, current_time_zone

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def bearer(connection: ASGIConnection) -> str:
    scheme, _, token = connection.headers.get("authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


async def token_login(connection: ASGIConnection, _: BaseRouteHandler) -> None:
    """The token's user becomes the request's user (and the audit's actor), in their language;
    401 at once for a missing, unknown or revoked token or a deactivated user, 403 for a read
    token on a method that writes."""
    plain = bearer(connection)
    if not plain:
        raise NotAuthorizedException("API token required")
    alchemy = connection.app.state.alchemy
    db = alchemy.provide_session(connection.app.state, connection.scope)
    found = await tokens.token_user(db, plain, Clock())
    if found is None:
        raise NotAuthorizedException("unknown or revoked API token")
    user, token = found
    connection.app.state.api_rate.take(token.id)
    connection.scope["user"] = user
    connection.scope["auth"] = token
    set_actor(db, user, token=token)
    current_locale.set(user.locale)
    current_time_zone.set(user.time_zone)
    if connection.scope.get("method", "GET") not in SAFE_METHODS and not token.may_write:
        raise Forbidden("api_token.read_only")

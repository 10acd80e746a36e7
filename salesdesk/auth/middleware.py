"""Request context (language, time zone) and login on every route but the public ones."""

from __future__ import annotations

from typing import Any

from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException
from litestar.middleware import AbstractAuthenticationMiddleware, AuthenticationResult
from litestar.types import ASGIApp, Receive, Scope, Send

from salesdesk.audit.hook import set_actor
from salesdesk.auth import services
from salesdesk.i18n import current_locale, current_time_zone, pick_locale

SESSION_COOKIE = "salesdesk_session"
LANG_COOKIE = "salesdesk_lang"
PUBLIC = "public"  # route opt key: {"public": True} lets anonymous visitors in


def _header(scope: Scope, name: bytes) -> str:
    for key, value in scope.get("headers", []):
        if key == name:
            return value.decode("latin-1")
    return ""


def _cookie(scope: Scope, name: str) -> str | None:
    for part in _header(scope, b"cookie").split(";"):
        key, _, value = part.strip().partition("=")
        if key == name:
            return value
    return None


class RequestContextMiddleware:
    """Language and time zone for anonymous pages: the language cookie, else the browser's."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        locale = pick_locale(_cookie(scope, LANG_COOKIE), _header(scope, b"accept-language"))
        token = current_locale.set(locale)
        try:
            await self.app(scope, receive, send)
        finally:
            current_locale.reset(token)


class SessionAuthMiddleware(AbstractAuthenticationMiddleware):
    """Finds the user behind the session cookie, using the request's own database session."""

    def __init__(self, app: ASGIApp, alchemy: Any, **kwargs: Any) -> None:
        super().__init__(app, exclude_from_auth_key=PUBLIC, **kwargs)
        self.alchemy = alchemy

    async def authenticate_request(self, connection: ASGIConnection) -> AuthenticationResult:
        db = self.alchemy.provide_session(connection.app.state, connection.scope)
        user = await services.session_user(db, connection.cookies.get(SESSION_COOKIE))
        if user is None:
            raise NotAuthorizedException("login required")
        set_actor(db, user)
        current_locale.set(user.locale)
        current_time_zone.set(user.time_zone)
        return AuthenticationResult(user=user, auth=None)

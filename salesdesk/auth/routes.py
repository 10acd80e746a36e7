"""Login, logout, invitations and the user's own settings."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from litestar import Request, Response, get, post
from litestar.datastructures import Cookie
from litestar.middleware.csrf import generate_csrf_token

from salesdesk.audit.hook import set_actor
from salesdesk.auth import logins, services, tokens
from salesdesk.auth.forms import InviteAcceptForm, LoginForm, PasswordForm, PreferencesForm, TokenForm, parse_token
from salesdesk.auth.middleware import LANG_COOKIE, PUBLIC, SESSION_COOKIE
from salesdesk.deps import DB, Actor, Now
from salesdesk.errors import Invalid, Throttled
from salesdesk.i18n import SUPPORTED, _, current_locale, current_time_zone
from salesdesk.web import FORM, Page, redirect, render, safe_next

TIME_ZONES = (
    "Asia/Tokyo",
    "Asia/Seoul",
    "Asia/Shanghai",
    "Asia/Singapore",
    "Asia/Bangkok",
    "Asia/Kolkata",
    "Europe/London",
    "Europe/Berlin",
    "America/New_York",
    "America/Los_Angeles",
    "UTC",
)


def _session_cookie(request: Request, token: str, days: int) -> Cookie:
    settings = request.app.state.settings
    return Cookie(
        key=SESSION_COOKIE,
        value=token,
        path="/",
        httponly=True,
        samesite="lax",
        secure=settings.secure_cookies or request.url.scheme == "https",
        max_age=int(timedelta(days=days).total_seconds()),
    )


def _new_csrf_cookie(request: Request) -> Cookie:
    """A login gets a CSRF token of its own: one planted before it (a shared computer, a
    cookie set by a sibling subdomain) must not carry over into the logged-in session."""
    config = request.app.csrf_config
    assert config is not None
    return Cookie(
        key=config.cookie_name,
        value=generate_csrf_token(config.secret),
        path=config.cookie_path,
        domain=config.cookie_domain,
        secure=config.cookie_secure,
        httponly=config.cookie_httponly,
        samesite=config.cookie_samesite,
    )


def _client_ip(request: Request) -> str:
    """The peer address; behind a proxy, the server must be told to trust its X-Forwarded-For
    (uvicorn --forwarded-allow-ips), or every login seems to come from the proxy."""
    return request.client.host if request.client else ""


def _login_failed(data: LoginForm, error: Invalid | Throttled) -> Page:
    status, message = (429, "login.throttled") if isinstance(error, Throttled) else (422, "login.invalid")
    data.password = ""
    return render("auth/login.html", status_code=status, form=data, errors={"form": message})


@get("/login", opt={PUBLIC: True}, name="login")
async def login_page(next: str = "") -> Page:
    return render("auth/login.html", form=LoginForm(next=safe_next(next, "")), errors={})


@post("/login", opt={PUBLIC: True})
async def login(request: Request, db_session: DB, data: Annotated[LoginForm, FORM]) -> Response | Page:
    settings = request.app.state.settings
    limits = logins.LoginLimits(
        max_failures=settings.login_max_failures, window=timedelta(minutes=settings.login_window_minutes)
    )
    data.next = safe_next(data.next, "")
    try:
        attempt = await logins.begin(db_session, data.email, ip=_client_ip(request), limits=limits)
    except (Throttled, Invalid) as error:
        return _login_failed(data, error)
    # The attempt counts for parallel guesses before its password is checked, and neither
    # the back-off nor argon2 holds a database lock.
    await db_session.commit()
    try:
        user = await logins.finish(db_session, attempt, data.password)
    except Invalid as error:
        return _login_failed(data, error)
    token = await services.start_session(
        db_session,
        user,
        days=settings.session_days,
        user_agent=request.headers.get("user-agent", ""),
        ip=_client_ip(request),
    )
    response = redirect(request, safe_next(data.next))
    response.cookies.extend([_session_cookie(request, token, settings.session_days), _new_csrf_cookie(request)])
    return response


@post("/logout")
async def logout(request: Request, db_session: DB) -> Response:
    await services.end_session(db_session, request.cookies.get(SESSION_COOKIE))
    response = redirect(request, "/login")
    response.cookies.append(Cookie(key=SESSION_COOKIE, value="", path="/", max_age=0, httponly=True, samesite="lax"))
    return response


@post("/lang/{code:str}", opt={PUBLIC: True})
async def set_language(request: Request, db_session: DB, code: str, next: str = "/") -> Response:
    """Switch language: saved on the user when logged in, in a cookie for the login page."""
    code = code if code in SUPPORTED else "ja"
    user = await services.session_user(db_session, request.cookies.get(SESSION_COOKIE))
    if user is not None:
        set_actor(db_session, user)
        await services.update_preferences(db_session, user, locale=code)
    response = redirect(request, safe_next(next))
    response.cookies.append(Cookie(key=LANG_COOKIE, value=code, path="/", max_age=3600 * 24 * 365, samesite="lax"))
    return response


async def _settings(db: DB, actor: Actor, *, status_code: int = 200, **context: object) -> Page:
    """The settings page; `context` overrides its forms (input kept on a 422, a new token shown)."""
    context = {
        "form": PreferencesForm(locale=actor.locale, time_zone=actor.time_zone),
        "errors": {},
        "token_form": TokenForm(),
        "token_errors": {},
        "new_token": None,
    } | context
    api_tokens = await tokens.list_tokens(db, actor)
    return render(
        "auth/settings.html", status_code=status_code, time_zones=TIME_ZONES, api_tokens=api_tokens, **context
    )


@get("/settings")
async def settings_page(db_session: DB, actor: Actor) -> Page:
    return await _settings(db_session, actor)


@post("/settings")
async def save_settings(
    request: Request, db_session: DB, actor: Actor, data: Annotated[PreferencesForm, FORM]
) -> Response | Page:
    try:
        await services.update_preferences(db_session, actor, locale=data.locale, time_zone=data.time_zone)
    except Invalid as error:
        return await _settings(db_session, actor, status_code=422, form=data, errors=error.errors)
    current_locale.set(actor.locale)  # the flash below speaks the language just chosen
    current_time_zone.set(actor.time_zone)
    return redirect(request, "/settings", flash=("success", _("Settings saved.")))


@post("/settings/password")
async def save_password(
    request: Request, db_session: DB, actor: Actor, data: Annotated[PasswordForm, FORM]
) -> Response | Page:
    try:
        await services.change_password(
            db_session,
            actor,
            current=data.current_password,
            new=data.new_password,
            keep_session=request.cookies.get(SESSION_COOKIE),
        )
    except Invalid as error:
        return await _settings(db_session, actor, status_code=422, errors=error.errors)
    return redirect(request, "/settings", flash=("success", _("Password changed.")))


@post("/settings/tokens")
async def create_token(db_session: DB, actor: Actor, clock: Now, data: Annotated[TokenForm, FORM]) -> Page:
    """The page itself answers, not a redirect: the plain token is shown this once and never stored."""
    try:
        _token, plain = await tokens.create_token(db_session, actor, clock, parse_token(data))
    except Invalid as error:
        return await _settings(db_session, actor, status_code=422, token_form=data, token_errors=error.errors)
    return await _settings(db_session, actor, status_code=201, new_token=plain)


@post("/settings/tokens/{token_id:int}/revoke")
async def revoke_token(request: Request, db_session: DB, actor: Actor, clock: Now, token_id: int) -> Response:
    await tokens.revoke_token(db_session, actor, token_id, clock)
    return redirect(request, "/settings", flash=("success", _("The API token was revoked.")))


@get("/invite/{token:str}", opt={PUBLIC: True})
async def invite_page(db_session: DB, token: str) -> Page:
    user = await services.user_for_invite(db_session, token)
    return render("auth/invite.html", invited=user, token=token, errors={})


@post("/invite/{token:str}", opt={PUBLIC: True})
async def accept_invite(
    request: Request, db_session: DB, token: str, data: Annotated[InviteAcceptForm, FORM]
) -> Response | Page:
    settings = request.app.state.settings
    try:
        user = await services.accept_invite(
            db_session, token, password=data.password, password_again=data.password_again
        )
    except Invalid as error:
        invited = await services.user_for_invite(db_session, token)
        return render("auth/invite.html", status_code=422, invited=invited, token=token, errors=error.errors)
    session = await services.start_session(db_session, user, days=settings.session_days)
    response = redirect(request, "/", flash=("success", _("Welcome to salesdesk.")))
    response.cookies.extend([_session_cookie(request, session, settings.session_days), _new_csrf_cookie(request)])
    return response


ROUTES = [
    login_page,
    login,
    logout,
    set_language,
    settings_page,
    save_settings,
    save_password,
    create_token,
    revoke_token,
    invite_page,
    accept_invite,
]

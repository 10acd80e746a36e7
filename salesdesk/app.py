"""create_app(settings) -> Litestar: the one place plugins, middleware and routes are wired."""

from __future__ import annotations

import gc
import logging
from typing import Any
from urllib.parse import quote

from advanced_alchemy.extensions.litestar import (
    AsyncSessionConfig,
    EngineConfig,
    SQLAlchemyAsyncConfig,
    SQLAlchemyPlugin,
)
from jinja2 import BytecodeCache, Environment
from jinja2.bccache import Bucket
from litestar import Litestar, Request, Response, Router
from litestar.config.csrf import CSRFConfig
from litestar.di import Provide
from litestar.exceptions import HTTPException, NotAuthorizedException
from litestar.middleware import DefineMiddleware
from litestar.openapi import OpenAPIConfig
from litestar.openapi.spec import Components, SecurityScheme
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.static_files import create_static_files_router
from litestar.template.config import TemplateConfig
from markupsafe import Markup
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from salesdesk import audit, edge, home
from salesdesk.accounts import import_routes, person_routes
from salesdesk.accounts import routes as accounts_routes
from salesdesk.api import is_api_path
from salesdesk.api import routes as api_routes
from salesdesk.api.docs import ApiDocs, ApiSchema
from salesdesk.api.errors import error_response as api_error
from salesdesk.api.limits import RateLimiter
from salesdesk.audit import routes as audit_routes
from salesdesk.audit.labels import column_label, value_label
from salesdesk.auth import admin_routes, passwords
from salesdesk.auth import routes as auth_routes
from salesdesk.auth.middleware import RequestContextMiddleware, SessionAuthMiddleware
from salesdesk.auth.models import Role, User
from salesdesk.calendar import routes as calendar_routes
from salesdesk.calendar.feed_routes import feed_links as calendar_feed_links
from salesdesk.clock import Clock
from salesdesk.db import engine_options
from salesdesk.errors import Conflict, DomainError, Invalid, StaleEdit
from salesdesk.i18n import (
    SUPPORTED,
    current_locale,
    fmt_date,
    fmt_datetime,
    fmt_short_date,
    fmt_time,
    gettext,
    iso_date,
    local_today,
    ngettext,
    yen,
)
from salesdesk.i18n.messages import error_text, field_label
from salesdesk.meetings import routes as meeting_routes
from salesdesk.pipeline import admin_routes as pipeline_admin_routes
from salesdesk.pipeline import deal_routes, report_routes
from salesdesk.pipeline import routes as pipeline_routes
from salesdesk.quotes import admin_routes as quotes_admin_routes
from salesdesk.quotes import routes as quotes_routes
from salesdesk.reports import routes as reports_routes
from salesdesk.request_id import add_request_id, request_id
from salesdesk.security import add_security_headers
from salesdesk.settings import ROOT, Settings
from salesdesk.tasks import panels as task_panels
from salesdesk.tasks import routes as tasks_routes
from salesdesk.web import render, safe_next
from salesdesk.webhooks import routes as webhook_routes

TEMPLATES = ROOT / "templates"
STATIC = ROOT / "static"
NODE_MODULES = ROOT / "node_modules"

assert audit  # the audit hook registers itself on import
log = logging.getLogger("salesdesk")


class _ProcessBytecodeCache(BytecodeCache):
    """Compiled templates shared by every app instance of the process (tests build many; Jinja
    checks each entry against the template's source, so an edited template compiles again)."""

    def __init__(self) -> None:
        self.compiled: dict[str, bytes] = {}

    def load_bytecode(self, bucket: Bucket) -> None:
        if (code := self.compiled.get(bucket.key)) is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket: Bucket) -> None:
        self.compiled[bucket.key] = bucket.bytecode_to_string()


BYTECODE_CACHE = _ProcessBytecodeCache()


def _template_gettext(message: str, **variables: object) -> Markup:
    return Markup(gettext(message)) % variables


def _template_ngettext(singular: str, plural: str, num: int, **variables: object) -> Markup:
    variables.setdefault("num", num)
    return Markup(ngettext(singular, plural, num)) % variables


def _configure_jinja(engine: JinjaTemplateEngine) -> None:
    env: Environment = engine.engine
    env.bytecode_cache = BYTECODE_CACHE
    env.add_extension("jinja2.ext.i18n")
    env.install_gettext_callables(gettext, ngettext, newstyle=True)  # type: ignore[attr-defined]
    # The same newstyle behaviour (the translation is markup, the values escaped, always %-formatted) without
    # Jinja's wrappers, which take the template's context: called in a loop, each call copied it.
    env.globals.update(_=_template_gettext, gettext=_template_gettext, ngettext=_template_ngettext)
    env.filters.update(
        yen=yen,
        date=fmt_date,
        short_date=fmt_short_date,
        datetime=fmt_datetime,
        time=fmt_time,
        iso=iso_date,  # a <time datetime>: a filter, not .isoformat(), whose call costs more on a hot page
        error=error_text,
        safe_next=safe_next,  # every link taken from input (a `next`, the Referer)
    )
    env.globals.update(
        Role=Role,
        LOCALES=SUPPORTED,
        error_text=error_text,
        current_locale=current_locale.get,
        today_local=local_today,
        field_label=field_label,
        column_label=column_label,  # a stored column and value as words (the audit log, a 409)
        value_label=value_label,
        calendar_feeds=calendar_feed_links,
    )


async def provide_actor(request: Request) -> User:
    return request.user


async def provide_clock(request: Request) -> Clock:
    """Now, in the logged-in user's time zone (Asia/Tokyo on public pages)."""
    return Clock.of(request.scope.get("user"))


def _wants_html(request: Request) -> bool:
    return not request.url.path.startswith("/api/") and "application/json" not in request.headers.get("accept", "")


def _error_page(request: Request, status: int, **context: Any) -> Response:
    """The error page; for an htmx fragment request only its `error` block, so a refusal inside a
    panel shows in that panel instead of swapping a whole page (header included) into it."""
    return render("errors/error.html", block="error", status_code=status, status=status, **context)


def handle_not_authorized(request: Request, exc: NotAuthorizedException) -> Response:
    """Anonymous visitors go to the login page and come back where they were."""
    if is_api_path(request.url.path):
        return api_error(request, exc)
    if not _wants_html(request):
        return Response({"detail": "login required"}, status_code=401)
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    login = f"/login?next={quote(target, safe='/')}" if target not in ("/", "") else "/login"
    if request.headers.get("hx-request") == "true":
        return Response("", status_code=401, headers={"HX-Redirect": login})
    return Response("", status_code=303, headers={"Location": login})


def handle_domain_error(request: Request, exc: DomainError) -> Response:
    if is_api_path(request.url.path):
        return api_error(request, exc)
    if not _wants_html(request):
        body: dict[str, Any] = {"detail": type(exc).__name__}
        if isinstance(exc, Invalid):
            body["errors"] = exc.errors
        return Response(body, status_code=exc.status_code)
    if isinstance(exc, StaleEdit):
        return _error_page(request, 409, stale=exc)
    if isinstance(exc, Invalid):
        return _error_page(request, 422, errors=exc.errors)
    return _error_page(request, exc.status_code)


def handle_lost_race(request: Request, exc: Exception) -> Response:
    """A write that lost a race outside salesdesk.versions (which turns these into StaleEdit/Conflict):
    two concurrent saves of one row, or two inserts of one unique value. The request's transaction is
    rolled back by the session plugin (no 2xx); the user is told to reload, never shown a 500."""
    log.warning("lost write race in %s %s: %s", request.method, request.url.path, type(exc).__name__)
    return handle_domain_error(request, Conflict(type(exc).__name__))


# A transaction the database gave up on because of another one: PostgreSQL's deadlock detected and
# serialization failure, SQLite's database locked past the busy timeout. Two writes of the same
# forecast cells (their triggers) or deal rows in opposite orders can meet so.
LOST_TO_ANOTHER_TRANSACTION = {"40P01", "40001"}


def lost_to_another_transaction(exc: DBAPIError) -> bool:
    code = getattr(exc.orig, "pgcode", None) or getattr(exc.orig, "sqlite_errorname", None)
    return code in LOST_TO_ANOTHER_TRANSACTION or code == "SQLITE_BUSY"


def handle_database_error(request: Request, exc: DBAPIError) -> Response:
    """A transaction that lost to another is a lost race (409: reload and try again); anything else a bug."""
    if lost_to_another_transaction(exc):
        return handle_lost_race(request, exc)
    return handle_unexpected(request, exc)


def handle_http_error(request: Request, exc: HTTPException) -> Response:
    if is_api_path(request.url.path):
        return api_error(request, exc)
    if not _wants_html(request):
        return Response({"detail": exc.detail}, status_code=exc.status_code)
    return _error_page(request, exc.status_code, detail=exc.detail)


def handle_unexpected(request: Request, exc: Exception) -> Response:
    """A bug: its traceback goes to the log under the request id that the 500 page shows."""
    if is_api_path(request.url.path):
        return api_error(request, exc)
    rid = request_id(request.scope)
    log.error("unhandled error in %s %s [request %s]", request.method, request.url.path, rid, exc_info=exc)
    if not _wants_html(request):
        return Response({"detail": "Internal Server Error", "request_id": rid}, status_code=500)
    return _error_page(request, 500, request_id=rid)


API_ONLY = "^/api/"
OPENAPI = OpenAPIConfig(
    title="salesdesk API",
    version="1",
    path="/api/v1",
    render_plugins=[ApiSchema(), ApiDocs()],  # /api/v1/openapi.json and /api/v1/docs
    components=Components(
        security_schemes={"bearer": SecurityScheme(type="http", scheme="bearer", description="A personal API token")}
    ),
)


def create_app(settings: Settings | None = None) -> Litestar:
    settings = settings or Settings.from_env()
    passwords.configure(settings.argon2_time_cost, settings.argon2_memory_kib)
    alchemy = SQLAlchemyAsyncConfig(
        connection_string=settings.database_url,
        engine_config=EngineConfig(**engine_options(settings.database_url, settings.echo_sql)),
        session_config=AsyncSessionConfig(expire_on_commit=False),
        before_send_handler="autocommit_include_redirects",  # plain "autocommit" rolls back every 303
        create_all=False,  # the schema is made by migrations only
    )
    pages = [
        *auth_routes.ROUTES,
        *admin_routes.ROUTES,
        *audit_routes.ROUTES,
        *home.ROUTES,
        *accounts_routes.ROUTES,
        *person_routes.ROUTES,
        *import_routes.ROUTES,
        *pipeline_routes.ROUTES,
        *deal_routes.ROUTES,
        *report_routes.ROUTES,
        *pipeline_admin_routes.ROUTES,
        *tasks_routes.ROUTES,
        *task_panels.ROUTES,
        *calendar_routes.ROUTES,
        *quotes_routes.ROUTES,
        *quotes_admin_routes.ROUTES,
        *reports_routes.ROUTES,
        *webhook_routes.ROUTES,
        *meeting_routes.ROUTES,
    ]
    routes = [
        Router(path="/", route_handlers=pages, include_in_schema=False),  # the schema is the API's
        api_routes.API,
        create_static_files_router(
            path="/static",
            directories=[STATIC, NODE_MODULES / "htmx.org" / "dist", NODE_MODULES / "sortablejs"],
            opt={"public": True},
            name="static",
            include_in_schema=False,
        ),
        create_static_files_router(
            path="/static/swagger-ui",
            directories=[NODE_MODULES / "swagger-ui-dist"],
            opt={"public": True},
            name="swagger-ui",
            include_in_schema=False,
        ),
    ]
    app = Litestar(
        route_handlers=routes,
        plugins=[SQLAlchemyPlugin(config=alchemy)],
        middleware=[
            RequestContextMiddleware,
            DefineMiddleware(SessionAuthMiddleware, alchemy=alchemy, exclude=API_ONLY),  # the API: tokens only
        ],
        before_send=[add_security_headers, add_request_id],  # sees every response, errors and unknown paths too
        csrf_config=CSRFConfig(
            secret=settings.secret_key,
            cookie_name="csrftoken",
            header_name="x-csrftoken",
            cookie_secure=settings.secure_cookies,
            cookie_samesite="lax",
            exclude=API_ONLY,  # no cookie is accepted there, so no request can be forged
        ),
        template_config=TemplateConfig(
            directory=TEMPLATES, engine=JinjaTemplateEngine, engine_callback=_configure_jinja
        ),
        dependencies={"actor": Provide(provide_actor), "clock": Provide(provide_clock)},
        guards=edge.GUARDS,  # before every handler: path ids in range, no NUL in any input
        exception_handlers={
            NotAuthorizedException: handle_not_authorized,
            DomainError: handle_domain_error,
            StaleDataError: handle_lost_race,
            IntegrityError: handle_lost_race,
            DBAPIError: handle_database_error,
            HTTPException: handle_http_error,
            Exception: handle_unexpected,
        },
        openapi_config=OPENAPI,
        debug=settings.debug,
    )
    app.state.settings = settings
    app.state.alchemy = alchemy
    app.state.api_rate = RateLimiter(settings.api_rate_per_minute)
    return app


def asgi() -> Litestar:
    """Factory for uvicorn workers: settings come from the environment."""
    app = create_app()
    settle()
    return app


def settle() -> None:
    """Move what start-up built (modules, mappers, routes: it lives as long as the process) out of the
    garbage collector's way. A page allocates tens of thousands of objects; every few requests a full
    collection walked all of start-up's too, which was most of the pages' p95 (the review page's went
    from 352 to 146 ms). Called once per worker process, after the app is built."""
    gc.collect()
    gc.freeze()

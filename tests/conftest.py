"""Test fixtures: every database test runs on SQLite and on PostgreSQL.

`db_url` is parametrized over both backends (session scope, migrated to head once);
tests that take it, or a fixture built on it, run twice. After each such test every
table is emptied, so tests never see each other's rows.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import delete, event, exists, literal, select, union_all
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.pool import NullPool

from salesdesk import migrate
from salesdesk.api.limits import RateLimiter
from salesdesk.app import create_app
from salesdesk.auth import passwords, tokens
from salesdesk.auth import services as auth
from salesdesk.auth.forms import TokenInput
from salesdesk.auth.models import Role, Team, TokenScope, User
from salesdesk.clock import Clock
from salesdesk.db import driver_options, run_async
from salesdesk.meetings import kept
from salesdesk.models import Base
from salesdesk.settings import Settings
from tests.pg import Cluster

PASSWORD = "correct-horse-42"
HTMX = {"HX-Request": "true"}

passwords.configure(time_cost=1, memory_kib=1024)  # a login in a millisecond, not 100
CHEAP_ARGON2 = {"SALESDESK_ARGON2_TIME_COST": "1", "SALESDESK_ARGON2_MEMORY_KIB": "1024"}
os.environ.update(CHEAP_ARGON2)  # and so in every `salesdesk` command and server the tests start


# --- databases -----------------------------------------------------------------------


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """Base URL of a PostgreSQL server (no database part)."""
    if url := os.environ.get("SALESDESK_TEST_POSTGRES_URL"):
        yield url.rsplit("/", 1)[0] if url.count("/") > 2 else url
        return
    cluster = Cluster()
    try:
        yield cluster.start()
    except RuntimeError as error:
        pytest.fail(str(error), pytrace=False)
    finally:
        cluster.stop()


def _worker() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


async def _recreate_pg_database(server_url: str, name: str) -> str:
    engine = create_async_engine(f"{server_url}/postgres", isolation_level="AUTOCOMMIT", poolclass=NullPool)
    async with engine.connect() as conn:
        await conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    await engine.dispose()
    return f"{server_url}/{name}"


@pytest.fixture(scope="session")
def fresh_database(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Callable[[str, str], str]:
    """fresh_database(backend, label) -> URL of a new, empty database."""

    def make(backend: str, label: str) -> str:
        if backend == "sqlite":
            path = tmp_path_factory.mktemp("db") / f"{label}.db"
            return f"sqlite+aiosqlite:///{path}"
        server = request.getfixturevalue("postgres_server")
        return run_async(_recreate_pg_database(server, f"salesdesk_{label}_{_worker()}"))

    return make


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, fresh_database: Callable[[str, str], str]) -> str:
    url = fresh_database(request.param, "test")
    migrate.upgrade(url)
    return url


@pytest.fixture
async def engine(db_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_async_engine(db_url, poolclass=NullPool, **driver_options(db_url))  # the app's driver
    yield engine
    async with engine.begin() as conn:  # empty every table for the next test
        for name in (await conn.execute(_TABLES_WITH_ROWS)).scalars().all():
            await conn.execute(delete(Base.metadata.tables[name]))
    kept.forget()
    await engine.dispose()


# Children first; the cells last, as deleting the deals updates them (their triggers, migration 0022).
_CELLS = {"forecast_cells", "funnel_cells"}
_CHILDREN_FIRST = sorted(reversed(Base.metadata.sorted_tables), key=lambda table: table.name in _CELLS)

# The tables holding rows, children first, in one statement: a test fills a few of the ~40
# tables, and a DELETE per empty table cost ~30 ms a test, ~1 minute of the suite.
_TABLES_WITH_ROWS = union_all(
    *(
        select(literal(table.name).label("name"), literal(position).label("position")).where(
            exists().select_from(table)
        )
        for position, table in enumerate(_CHILDREN_FIRST)
    )
).order_by("position")


@pytest.fixture
async def db(engine: AsyncEngine) -> AsyncIterator[AsyncSession]:
    """A session for arranging and checking; commit what the app must see."""
    async with async_sessionmaker(engine, expire_on_commit=False)() as session:
        yield session


# --- the app and its users -------------------------------------------------------------


@pytest.fixture
def settings(db_url: str) -> Settings:
    return Settings(
        database_url=db_url, secret_key="test-secret-key-" + "x" * 32, argon2_time_cost=1, argon2_memory_kib=1024
    )


_APPS: dict[tuple[Settings, int], Litestar] = {}


@pytest.fixture
async def app_instance(settings: Settings, request: pytest.FixtureRequest) -> AsyncIterator[Callable[[], Litestar]]:
    """app_instance() -> an app instance on the test's database that this test has not used yet.

    Building an app costs ~0.6 s (Litestar checks ~360 handlers), more than most tests, so each
    instance is built once per session and handed to one test after another. What an instance
    keeps between requests starts afresh for each test: the API's rate buckets, and its pooled
    connections, closed at the end of the test (they belong to the test's event loop). A test that
    changes its app (registers a route) is marked `own_app` and gets instances no other test sees.
    """
    handed_out: list[Litestar] = []
    shared = request.node.get_closest_marker("own_app") is None

    def next_app() -> Litestar:
        key = (settings, len(handed_out))
        if not shared:
            app = create_app(settings)
        elif (app := _APPS.get(key)) is None:
            app = _APPS[key] = create_app(settings)
        app.state.api_rate = RateLimiter(settings.api_rate_per_minute)
        handed_out.append(app)
        return app

    yield next_app
    for app in handed_out:
        await app.state.alchemy.get_engine().dispose()


@pytest.fixture
def app(app_instance: Callable[[], Litestar], engine: AsyncEngine) -> Litestar:
    return app_instance()


@pytest.fixture
async def make_user(db: AsyncSession) -> Callable[..., Awaitable[User]]:
    count = 0

    async def make(
        role: str = Role.rep,
        team: Team | None = None,
        name: str | None = None,
        email: str | None = None,
        locale: str = "ja",
    ) -> User:
        nonlocal count
        count += 1
        user = await auth.create_user(
            db,
            email=email or f"{role}{count}@example.test",
            name=name or f"{role} {count}",
            role=role,
            team_id=team.id if team else None,
            password=PASSWORD,
            locale=locale,
        )
        await db.commit()
        return user

    return make


async def _team(db: AsyncSession, name: str) -> Team:
    team = Team(name=name)
    db.add(team)
    await db.commit()
    return team


@pytest.fixture
async def team_east(db: AsyncSession) -> Team:
    return await _team(db, "東日本営業部")


@pytest.fixture
async def team_west(db: AsyncSession) -> Team:
    return await _team(db, "西日本営業部")


@pytest.fixture
async def admin(make_user: Callable[..., Awaitable[User]]) -> User:
    return await make_user(Role.admin, name="管理者 太郎", email="admin@example.test")


@pytest.fixture
async def manager(make_user: Callable[..., Awaitable[User]], team_east: Team) -> User:
    return await make_user(Role.manager, team_east, name="佐藤 健一", email="manager@example.test")


@pytest.fixture
async def rep(make_user: Callable[..., Awaitable[User]], team_east: Team) -> User:
    return await make_user(Role.rep, team_east, name="鈴木 美咲", email="rep@example.test")


@pytest.fixture
async def other_rep(make_user: Callable[..., Awaitable[User]], team_west: Team) -> User:
    """A rep of another team."""
    return await make_user(Role.rep, team_west, name="高橋 大輔", email="rep2@example.test")


@pytest.fixture
async def make_token(db: AsyncSession) -> Callable[..., Awaitable[str]]:
    """make_token(user, scope="write") -> a plain API token of the user's (for Authorization: Bearer)."""

    async def make(user: User, scope: str = "write", name: str = "test") -> str:
        _token, plain = await tokens.create_token(db, user, Clock(), TokenInput(name, TokenScope(scope)))
        await db.commit()
        return plain

    return make


class Client(AsyncTestClient):
    """A browser-like client that does not follow redirects (tests look at the 303s)."""

    def __init__(self, app: Litestar) -> None:
        super().__init__(app)
        self.follow_redirects = False

    async def csrf(self) -> str:
        """The CSRF token of this browser-like client (fetched from the login page once)."""
        if "csrftoken" not in self.cookies:
            await self.get("/login")
        return self.cookies["csrftoken"]


@pytest.fixture
async def anonymous(app_instance: Callable[[], Litestar], engine: AsyncEngine) -> AsyncIterator[Client]:
    """A client that is not logged in but carries a CSRF token, like a browser on /login.

    It has an app instance of its own, so tests may also log in other clients on `app`.
    """
    async with Client(app_instance()) as client:
        client.headers["X-CSRFToken"] = await client.csrf()
        yield client


@pytest.fixture
async def login(
    app: Litestar, app_instance: Callable[[], Litestar]
) -> AsyncIterator[Callable[[User], Awaitable[Client]]]:
    """login(user) -> a new client logged in as that user (one per browser tab).

    The first tab talks to `app`; each further tab gets its own app instance on the same
    database, like a request landing on another worker (one lifespan per app instance).
    """
    clients: list[Client] = []

    async def log_in(user: User) -> Client:
        client = Client(app if not clients else app_instance())
        await client.__aenter__()
        clients.append(client)
        token = await client.csrf()
        response = await client.post("/login", data={"email": user.email, "password": PASSWORD, "_csrf_token": token})
        assert response.status_code == 303, response.text
        client.headers["X-CSRFToken"] = client.cookies["csrftoken"]  # the login gave a new one
        return client

    yield log_in
    for client in clients:
        await client.__aexit__(None, None, None)


@pytest.fixture
def new_browser(app_instance: Callable[[], Litestar]) -> Callable[[], Client]:
    """new_browser() -> a client on an app instance of its own: `async with new_browser() as c`."""
    return lambda: Client(app_instance())


@pytest.fixture
def count_queries(app: Litestar) -> Callable[[], list[str]]:
    """Start recording the app's SQL statements; returns the live list."""

    def start() -> list[str]:
        statements: list[str] = []
        engine = app.state.alchemy.get_engine()
        event.listen(
            engine.sync_engine,
            "before_cursor_execute",
            lambda conn, cursor, statement, *args: statements.append(statement),
        )
        return statements

    return start


def backend(url: str) -> str:
    return make_url(url).get_backend_name()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark the browser tests and run them last (slowest; they start a server); the long `slow` ones
    first, so the other test worker fills in beside them instead of one worker finishing alone."""
    for item in items:
        if "tests/browser/" in str(Path(item.fspath)):
            item.add_marker(pytest.mark.browser)

    def order(item: pytest.Item) -> tuple[int, float]:
        if slow := item.get_closest_marker("slow"):
            return 0, -slow.kwargs.get("seconds", 30)  # the longest first
        return (2 if item.get_closest_marker("browser") else 1), 0

    items.sort(key=order)

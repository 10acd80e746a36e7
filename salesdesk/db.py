"""Database wiring: the declarative Base, shared column types and mixins, engine options.

Relationships default to ``lazy="raise"``: a page must say what it loads (selectinload /
joinedload) so that N+1 queries fail loudly in tests instead of creeping in.
"""

from __future__ import annotations

from collections import OrderedDict, namedtuple
from collections.abc import Callable, Hashable
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any, TypeVar

from sqlalchemy import BigInteger, BindParameter, DateTime, Integer, MetaData, bindparam, event, inspect
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column
from sqlalchemy.orm.base import NO_VALUE
from sqlalchemy.types import TypeDecorator

# Constraint names are stable across SQLite and PostgreSQL, so migrations can drop them.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


T = TypeVar("T")


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Timestamps stored in UTC and always returned timezone-aware (SQLite drops the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


# SQLite only auto-increments INTEGER PRIMARY KEY; PostgreSQL gets a bigint identity.
IdType = BigInteger().with_variant(Integer(), "sqlite")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime()}


class IdMixin:
    id: Mapped[int] = mapped_column(IdType, primary_key=True, autoincrement=True)


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class VersionedMixin(TimestampMixin):
    """Optimistic locking: SQLAlchemy adds ``WHERE version = :seen`` to every UPDATE.

    Services compare the version the form was drawn with first (StaleEdit, 409 with the
    current values); the version_id_col then closes the check-to-write race.
    """

    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    @declared_attr.directive
    def __mapper_args__(cls) -> dict[str, Any]:
        return {"version_id_col": cls.version}


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    """WAL for concurrent readers, enforced foreign keys, and waiting instead of 'locked'."""
    module = type(dbapi_connection).__module__
    if "sqlite" not in module:
        return
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def driver_options(database_url: str) -> dict[str, Any]:
    """SQLite's statements make one trip to aiosqlite's thread, not four (salesdesk/sqlite_driver.py)."""
    if database_url.startswith("sqlite+aiosqlite"):
        from salesdesk import sqlite_driver

        return {"module": sqlite_driver.dbapi()}
    return {}


def engine_options(database_url: str, echo: bool = False) -> dict[str, Any]:
    if database_url.startswith("sqlite"):
        return {"echo": echo, **driver_options(database_url)}
    return {"echo": echo, "pool_size": 10, "max_overflow": 10, "pool_pre_ping": True}


def run_async(coroutine: Any) -> Any:
    """asyncio.run, also from a thread whose loop is already running (then in a new thread).

    Alembic's env.py and the CLI are sync entry points; they may be called from code that
    already runs a loop (Playwright's sync API keeps one running in the test process).
    """
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coroutine)
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


class StatementCache:
    """SQL statements built once and run many times, their values given as parameters when they run.

    On a hot page, building a select (its joins, subqueries and column proxies) and its cache key costs
    several times what the database takes to run it; SQLAlchemy memoizes the key on the statement object,
    so a statement kept here is neither built nor keyed again. The key is what shapes the statement (who
    asks, the filter, the stages); the caller gives None for a statement that holds values of the moment
    or of the data (a search's matches), which is then built afresh. Bounded: least recently used out
    first. It keeps statements, never rows.
    """

    def __init__(self, size: int = 512) -> None:
        self.size = size
        self._statements: OrderedDict[Hashable, Any] = OrderedDict()

    def get(self, key: Hashable | None, build: Callable[[], T]) -> T:
        if key is None:
            return build()
        statement = self._statements.get(key)
        if statement is None:
            statement = self._statements[key] = build()
            if len(self._statements) > self.size:
                self._statements.popitem(last=False)
        else:
            self._statements.move_to_end(key)
        return statement


def in_sql(name: str, value: int | None = None) -> BindParameter[int]:
    """A LIMIT or OFFSET written into the SQL when the statement runs (SQLAlchemy's literal_execute), not
    sent as a parameter; the statement stays built once.

    PostgreSQL plans a prepared statement afresh on each run until a generic plan, made without the
    parameters' values, looks as cheap. A generic plan with an unknown LIMIT looks like reading every
    matching row, so the board's and the deal list's pages were planned on every request (1–2 ms each);
    with the numbers in the SQL the generic plan is the page's own, and it is kept (docs/performance.md)."""
    return bindparam(name, value, type_=Integer, literal_execute=True)


@lru_cache(maxsize=64)
def _plain_row(fields: tuple[str, ...]) -> Any:
    return namedtuple("PlainRow", fields)


def plain(rows: Any) -> list[Any]:
    """A result's rows as named tuples, read as the rows are (row.title, row[0]): reading a field of a
    SQLAlchemy Row costs ~0.6 µs, of a named tuple ~0.04 µs, and a board or list page reads ~1,500."""
    rows = list(rows)
    if not rows:
        return []
    make = _plain_row(tuple(rows[0]._fields))._make
    return [make(row) for row in rows]


def loaded(instance: Any, relationship: str) -> Any | None:
    """The related object when it was loaded with `instance` (e.g. joinedload), else None: what a caller
    may read without a query."""
    value = inspect(instance).attrs[relationship].loaded_value
    return None if value is NO_VALUE else value

"""SQLite's adapter (salesdesk/sqlite_driver.py): one trip to aiosqlite's thread per statement, with
sqlite3's results, row counts, ids and errors exactly as SQLAlchemy's own aiosqlite adapter gives them."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy import NullPool, text
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.ext.asyncio import AsyncConnection, create_async_engine

from salesdesk.db import driver_options, engine_options


@pytest.fixture
async def conn(tmp_path) -> AsyncIterator[AsyncConnection]:
    url = f"sqlite+aiosqlite:///{tmp_path / 'driver.db'}"
    engine = create_async_engine(url, poolclass=NullPool, **driver_options(url))
    async with engine.connect() as conn:
        await conn.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT UNIQUE, version INT)"))
        yield conn
    await engine.dispose()


async def _trips(conn: AsyncConnection) -> list[str]:
    """Every call sent to aiosqlite's thread from now on, by the function's name."""
    aio = (await conn.get_raw_connection()).driver_connection
    sent, send = [], aio._execute

    async def counted(fn, *args, **kwargs):
        sent.append(getattr(fn, "__name__", repr(fn)))
        return await send(fn, *args, **kwargs)

    aio._execute = counted
    return sent


async def test_a_select_an_insert_and_an_update_make_one_trip_each(conn):
    sent = await _trips(conn)

    inserted = await conn.execute(text("INSERT INTO t (name, version) VALUES ('株式会社A', 1)"))
    rows = (await conn.execute(text("SELECT id, name FROM t WHERE version = :v"), {"v": 1})).all()
    updated = await conn.execute(text("UPDATE t SET version = 2 WHERE id = :id AND version = 1"), {"id": 1})
    stale = await conn.execute(text("UPDATE t SET version = 3 WHERE id = :id AND version = 1"), {"id": 1})

    assert sent == ["_run"] * 4
    assert inserted.lastrowid == 1 and inserted.rowcount == 1
    assert rows == [(1, "株式会社A")]
    assert updated.rowcount == 1 and stale.rowcount == 0  # what the version check counts on


async def test_many_rows_returning_and_column_names_come_back(conn):
    await conn.execute(text("INSERT INTO t (name, version) VALUES (:name, 1)"), [{"name": f"n{i}"} for i in range(5)])
    returned = await conn.execute(text("INSERT INTO t (name, version) VALUES ('x', 9) RETURNING id, version"))
    result = await conn.execute(text("SELECT name AS 名前 FROM t ORDER BY id"))

    assert returned.all() == [(6, 9)]
    assert list(result.keys()) == ["名前"] and [r[0] for r in result] == ["n0", "n1", "n2", "n3", "n4", "x"]


async def test_sqlite_errors_reach_sqlalchemy_as_before_and_the_connection_goes_on(conn):
    await conn.execute(text("INSERT INTO t (name, version) VALUES ('same', 1)"))
    with pytest.raises(IntegrityError):
        await conn.execute(text("INSERT INTO t (name, version) VALUES ('same', 1)"))
    with pytest.raises(OperationalError, match="no such table"):
        await conn.execute(text("SELECT * FROM nowhere"))

    assert (await conn.execute(text("SELECT count(*) FROM t"))).scalar() == 1


def test_the_app_and_the_workers_get_it_for_aiosqlite_urls_only():
    assert "module" in engine_options("sqlite+aiosqlite:///x.db")
    assert "module" not in engine_options("postgresql+asyncpg://u@h/db")

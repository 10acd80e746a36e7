"""A transaction the database gives up on because of another one (PostgreSQL's deadlock detected, SQLite's
database locked past its busy timeout) is answered as a lost race, 409, never a 500. The errors are real
ones, made by two connections of the test's database; any other database error stays a 500.

The forecast's cells (migration 0022) are rows every write of a deal of the same stage, owner and month
updates: a bulk reassignment and a card move can lock them and the deals in opposite orders."""

import asyncio

import pytest
from litestar.testing import RequestFactory
from sqlalchemy import NullPool, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import create_async_engine

from salesdesk.app import create_app, handle_database_error
from salesdesk.db import driver_options

LOCK = text("UPDATE users SET name = name WHERE id = :id")


async def _deadlock(db_url: str, first: int, second: int) -> DBAPIError:
    """Two PostgreSQL transactions, each holding a user row the other then asks for."""
    engine = create_async_engine(db_url, poolclass=NullPool)
    async with engine.connect() as one, engine.connect() as two, engine.connect() as watcher:
        await one.execute(LOCK, {"id": first})
        await two.execute(LOCK, {"id": second})
        waiting = asyncio.create_task(one.execute(LOCK, {"id": second}))
        blocked = text("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'")
        for _ in range(500):  # until `one` waits for `two`'s row (the server says so), at most ~5 s
            if (await watcher.execute(blocked)).scalar():
                break
            await asyncio.sleep(0.01)
        results = await asyncio.gather(two.execute(LOCK, {"id": first}), waiting, return_exceptions=True)
        await one.rollback()
        await two.rollback()
    await engine.dispose()
    [error] = [r for r in results if isinstance(r, BaseException)]
    return error


async def _locked(db_url: str, user_id: int) -> DBAPIError:
    """A SQLite write while another connection holds the write lock, its busy timeout at zero."""
    engine = create_async_engine(db_url, poolclass=NullPool, connect_args={"timeout": 0}, **driver_options(db_url))
    async with engine.connect() as one, engine.connect() as two:
        await one.execute(LOCK, {"id": user_id})
        with pytest.raises(DBAPIError) as raised:
            await two.execute(LOCK, {"id": user_id})
        await one.rollback()
    await engine.dispose()
    return raised.value


async def test_a_transaction_lost_to_another_is_a_409_and_other_database_errors_a_500(
    db, db_url, settings, rep, manager
):
    await db.commit()
    if db_url.startswith("sqlite"):
        error = await _locked(db_url, rep.id)
    else:
        error = await _deadlock(db_url, rep.id, manager.id)
    request = RequestFactory().post("/deals/1/move", headers={"accept": "application/json"})

    assert create_app(settings).exception_handlers[DBAPIError] is handle_database_error
    assert handle_database_error(request, error).status_code == 409, error
    with pytest.raises(DBAPIError) as broken:
        await db.execute(text("SELECT no_such_column FROM users"))
    await db.rollback()
    assert handle_database_error(request, broken.value).status_code == 500

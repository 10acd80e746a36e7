"""One sync at a time per connected calendar, however many runs start (cron and "sync now").

PostgreSQL: a session-level advisory lock keyed by the connection, held on a connection of its
own for the run. SQLite: an exclusive lock on a file beside the database. Either is released by
the server or the kernel when the process ends however it ends, so a killed run never blocks the
next one.
"""

from __future__ import annotations

import fcntl
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

LOCK_CLASS = 15015  # the advisory lock's first key: "the CalDAV sync of connection <id>"


@asynccontextmanager
async def holding(engine: AsyncEngine, connection_id: int) -> AsyncIterator[bool]:
    """True while this run holds the connection's lock; False when another run does."""
    if engine.dialect.name == "sqlite":
        database = engine.url.database or ""
        with open(f"{database}.caldav-{connection_id}.lock", "a+") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                yield False
                return
            try:
                yield True
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)
        return
    async with engine.connect() as connection:
        key = {"kind": LOCK_CLASS, "id": connection_id}
        taken = await connection.scalar(text("SELECT pg_try_advisory_lock(:kind, CAST(:id AS integer))"), key)
        await connection.commit()
        try:
            yield bool(taken)
        finally:
            if taken:
                await connection.scalar(text("SELECT pg_advisory_unlock(:kind, CAST(:id AS integer))"), key)
                await connection.commit()

"""SQLite through aiosqlite with one hand-off to its thread per statement instead of four.

aiosqlite runs the sqlite3 connection in a thread of its own; every call is one trip there and
back (a queue put, the thread waking, the answer set on the event loop's future). SQLAlchemy's
adapter makes four trips for a SELECT: open a cursor, execute, fetch all, close. On this
machine a trip costs ~0.1 ms of CPU while a page's statements take 0.005–0.05 ms each in
SQLite: the trips were most of a page's database time (`benchmarks profile`, docs/performance.md).

This adapter sends one function that does all four to the thread. Its results, errors and
transactions are sqlite3's, exactly as before; only the number of trips changes. It uses
`aiosqlite.Connection._execute`, the one entry point through which aiosqlite's own methods
reach the thread, as SQLAlchemy's adapter reaches into aiosqlite's queue for its isolation
level: tests/test_sqlite_driver.py pins what it relies on.

`engine_options` (salesdesk.db) puts it in for every `sqlite+aiosqlite` URL.
"""

from __future__ import annotations

import sqlite3
from collections import deque
from typing import Any

import aiosqlite
from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_cursor,
    AsyncAdapt_aiosqlite_dbapi,
)


def _run(conn: sqlite3.Connection, operation: str, parameters: Any, many: bool) -> tuple[Any, list, int, int]:
    """In aiosqlite's thread: the statement from cursor to close, as (description, rows, lastrowid, rowcount)."""
    cursor = conn.cursor()
    try:
        if many:
            cursor.executemany(operation, parameters)
        elif parameters is None:
            cursor.execute(operation)
        else:
            cursor.execute(operation, parameters)
        if cursor.description:
            return cursor.description, cursor.fetchall(), -1, -1
        return None, [], cursor.lastrowid, cursor.rowcount
    finally:
        cursor.close()


class OneTripCursor(AsyncAdapt_aiosqlite_cursor):
    __slots__ = ()

    def _one_trip(self, operation: Any, parameters: Any, many: bool) -> None:
        try:
            description, rows, lastrowid, rowcount = self.await_(
                self._connection._execute(_run, self._connection._conn, operation, parameters, many)
            )
        except Exception as error:
            self._adapt_connection._handle_exception(error)
        self.description = description
        self._rows = deque(rows)
        self.lastrowid, self.rowcount = lastrowid, rowcount

    def execute(self, operation: Any, parameters: Any = None) -> None:
        self._one_trip(operation, parameters, False)

    def executemany(self, operation: Any, seq_of_parameters: Any) -> None:
        self._one_trip(operation, seq_of_parameters, True)


class OneTripConnection(AsyncAdapt_aiosqlite_connection):
    __slots__ = ()

    def cursor(self, server_side: bool = False) -> AsyncAdapt_aiosqlite_cursor:
        return super().cursor(server_side=True) if server_side else OneTripCursor(self)


class OneTripDBAPI(AsyncAdapt_aiosqlite_dbapi):
    def connect(self, *arg: Any, **kw: Any) -> AsyncAdapt_aiosqlite_connection:
        adapted = super().connect(*arg, **kw)
        if type(adapted) is not AsyncAdapt_aiosqlite_connection:  # SQLAlchemy's sync fallback: left as it is
            return adapted
        return OneTripConnection(self, adapted._connection)


def dbapi() -> OneTripDBAPI:
    """The module to give `create_async_engine(..., module=...)` for a `sqlite+aiosqlite` URL."""
    return OneTripDBAPI(aiosqlite, sqlite3)

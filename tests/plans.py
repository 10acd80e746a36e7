"""The database's plan for a statement the code under test runs: plan(db, marker, action)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession


async def plan(db: AsyncSession, marker: str, action: Callable[[], Awaitable[Any]], *, settings: tuple = ()) -> str:
    """Run `action`, take the one statement it sends through `db` whose SQL holds `marker`, and return
    the plan of that statement with its parameters: SQLite's EXPLAIN QUERY PLAN, PostgreSQL's EXPLAIN
    (after `SET LOCAL` of each of `settings`, e.g. "enable_sort = off"), one line per step."""
    engine = db.bind.sync_engine
    sent: list[tuple[str, Any]] = []

    def keep(_conn, _cursor, statement, parameters, _context, _many) -> None:
        if marker in statement:
            sent.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", keep)
    try:
        await action()
    finally:
        event.remove(engine, "before_cursor_execute", keep)
    [(statement, parameters)] = sent
    connection = await db.connection()
    if db.bind.dialect.name == "sqlite":
        explain = "EXPLAIN QUERY PLAN"
    else:
        explain = "EXPLAIN"
        for setting in settings:
            await connection.exec_driver_sql(f"SET LOCAL {setting}")
    rows = await connection.exec_driver_sql(f"{explain} {statement}", parameters)
    return "\n".join(str(row[-1]) for row in rows)

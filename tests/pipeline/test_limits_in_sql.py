"""The board's and the deal list's page statements carry their LIMIT and OFFSET numbers in the SQL (db.in_sql).

PostgreSQL plans a prepared statement afresh on every run while a generic plan looks dearer; with a LIMIT sent
as a parameter the generic plan looks like reading every matching deal, so these pages were planned on every
request: 1–2 ms of a 12 ms page at 50,000 deals (docs/performance.md). With the numbers in the SQL it keeps the
page's own plan. Measured with benchmarks' pages; checked here on the statements themselves."""

import re

from sqlalchemy import event

from salesdesk.pipeline import board, listing
from salesdesk.pipeline.filters import DealFilter

LIMITS = re.compile(r"\b(LIMIT|OFFSET)\s+([^\s)]+)")


async def _sent(db, action) -> list[str]:
    sent: list[str] = []

    def keep(_conn, _cursor, statement, _parameters, _context, _many) -> None:
        sent.append(statement)

    engine = db.bind.sync_engine
    event.listen(engine, "before_cursor_execute", keep)
    try:
        await action()
    finally:
        event.remove(engine, "before_cursor_execute", keep)
    return sent


async def test_the_board_and_list_pages_have_their_limits_written_in(db, rep, make_deal):
    await make_deal(rep, "提案", amount_jpy="100000")
    actions = {
        "board": lambda: board.board(db, rep, DealFilter()),
        "board, one owner": lambda: board.board(db, rep, DealFilter(owner_id=rep.id)),
        "list": lambda: listing.list_deals(db, rep, DealFilter(page=2)),
        "list by amount": lambda: listing.list_deals(db, rep, DealFilter(sort="-amount")),
    }
    on_sqlite = db.bind.dialect.name == "sqlite"
    for name, action in actions.items():
        paged = [s for s in await _sent(db, action) if "deals.title" in s and LIMITS.search(s)]

        assert paged, name
        for statement in paged:
            # SQLite's dialect adds `OFFSET ?` (0) to every LIMIT of its own; SQLite keeps no generic plans.
            values = [v for clause, v in LIMITS.findall(statement) if clause == "LIMIT" or not on_sqlite]
            assert all(value.isdigit() for value in values), (name, values, statement)

"""`salesdesk deliver-webhooks`: passes of webhooks.delivery, once (cron) or until stopped.

SIGTERM or Ctrl-C lets the request in flight finish and its outcome be saved, then exits. On
SQLite only one deliverer works on a database at a time: it holds an exclusive lock on a file
beside the database, which the kernel releases when the process ends however it ends, so a
restarted deliverer carries on at once (a second one waits, or with --once, leaves).
"""

from __future__ import annotations

import asyncio
import fcntl
import logging
import signal
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO

import httpx
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

from salesdesk.clock import Clock
from salesdesk.db import engine_options
from salesdesk.webhooks import delivery

log = logging.getLogger("salesdesk.webhooks")


@contextmanager
def sqlite_lock(database_url: str) -> Iterator[IO[str] | None]:
    """The lock file of a SQLite database, opened (not locked yet); None for PostgreSQL."""
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        yield None
        return
    with open(f"{url.database}.webhooks.lock", "a+") as handle:
        yield handle


def _take(handle: IO[str] | None) -> bool:
    if handle is None:
        return True
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


async def serve(database_url: str, *, once: bool, interval: float, timeout: float) -> delivery.Pass | None:
    """Deliver until stopped (or one pass with `once`); the last pass, or None when another
    deliverer holds the SQLite database."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    engine = create_async_engine(database_url, **engine_options(database_url))
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    done = None
    try:
        async with httpx.AsyncClient(timeout=timeout, follow_redirects=False) as client:
            with sqlite_lock(database_url) as lock:
                while not stop.is_set():
                    if _take(lock):
                        try:
                            done = await delivery.run_once(
                                sessions, client, Clock(), timeout=timeout, stopping=stop.is_set
                            )
                        except (OSError, DBAPIError):
                            if once:
                                raise
                            # The database is away (a restart, a failover): try again at the next pass.
                            log.exception("webhook delivery pass failed; trying again in %s s", interval)
                    elif once:
                        return None
                    if once:
                        break
                    try:
                        await asyncio.wait_for(stop.wait(), interval)  # the next pass, or stopped meanwhile
                    except TimeoutError:
                        pass
    finally:
        await engine.dispose()
    return done

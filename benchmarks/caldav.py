"""CalDAV sync benchmark: a rep with N open tasks synced with a real Radicale on loopback (started
here, as the tests start it). Times the first sync (N creates), a sync with nothing changed
(sync-token), and one after a tenth of the events were changed in the calendar and a tenth of the
tasks in salesdesk.

    .venv/bin/python -m benchmarks.caldav --tasks 200 [--database-url URL | --postgres]

Prints a few readable lines, then one JSON object as the last line.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from icalendar import Calendar
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

from salesdesk import migrate
from salesdesk.audit.hook import set_actor
from salesdesk.auth import passwords
from salesdesk.auth import services as auth
from salesdesk.calendar import caldav_services
from salesdesk.clock import Clock
from salesdesk.db import run_async
from salesdesk.tasks import services as tasks
from salesdesk.tasks.forms import TaskInput, parse_task, task_form
from tests.calendar.caldav_server import PASSWORD, USER, memory_folder, start_radicale

SECRET = "benchmark-secret-" + "x" * 32


async def run(n: int, url: str) -> dict[str, float]:
    migrate.upgrade(url)
    passwords.configure(time_cost=1, memory_kib=1024)
    engine = create_async_engine(url)
    clock = Clock()
    with memory_folder() as folder:
        process, server = start_radicale(Path(folder))
        try:
            calendar = f"{server}/{USER}/bench/"
            httpx.request("PROPFIND", f"{server}/{USER}/", auth=(USER, PASSWORD), headers={"Depth": "0"})
            httpx.request("MKCALENDAR", calendar, auth=(USER, PASSWORD)).raise_for_status()
            async with async_sessionmaker(engine, expire_on_commit=False)() as db:
                rep = await auth.create_user(db, email="bench@example.test", name="鈴木", role="rep", password="x" * 12)
                set_actor(db, rep)
                inputs = [TaskInput(f"訪問 {k}", clock.today() + timedelta(days=k % 30)) for k in range(n)]
                made = [await tasks.create_task(db, rep, clock, data) for data in inputs]
                async with httpx.AsyncClient() as http:
                    data = caldav_services.ConnectInput(calendar, USER, PASSWORD)
                    await caldav_services.connect(db, rep, data, secret_key=SECRET, http=http)
                await db.commit()
            figures = {"tasks": n, "first_sync_s": await timed(engine, clock)}
            figures["unchanged_sync_s"] = await timed(engine, clock)
            await change_both_sides(engine, rep, made[: max(n // 10, 1)], calendar, clock)
            figures["tenth_changed_sync_s"] = await timed(engine, clock)
        finally:
            process.terminate()
            process.wait()
    await engine.dispose()
    return figures


async def timed(engine, clock: Clock) -> float:
    started = time.perf_counter()
    result = await caldav_services.sync_all(engine, clock, secret_key=SECRET, base_url="http://localhost:8000")
    assert not result.errors, result.errors
    return round(time.perf_counter() - started, 2)


async def change_both_sides(engine, rep, chosen, calendar: str, clock: Clock) -> None:
    """Half of the chosen renamed in salesdesk, the other half renamed in the calendar."""
    half = len(chosen) // 2
    async with async_sessionmaker(engine, expire_on_commit=False)() as db:
        set_actor(db, rep)
        for task in chosen[:half]:
            task = await tasks.get_task(db, rep, task.id)
            data = replace(parse_task(task_form(task)), title=task.title + " (変更)")
            await tasks.update_task(db, rep, clock, task.id, data)
        await db.commit()
    with httpx.Client(auth=(USER, PASSWORD)) as http:
        for task in chosen[half:]:
            href = calendar + "salesdesk-" + task.uid.replace("@", "-") + ".ics"
            ics = Calendar.from_ical(http.get(href).text)
            event = next(c for c in ics.subcomponents if c.name == "VEVENT")
            event["SUMMARY"] = str(event["SUMMARY"]) + " (予定表で変更)"
            event.pop("LAST-MODIFIED", None)
            event.add("LAST-MODIFIED", datetime.now(UTC))
            http.put(href, content=ics.to_ical()).raise_for_status()


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.caldav")
    parser.add_argument("--tasks", type=int, default=200)
    parser.add_argument("--database-url", default="", help="an empty database; default: a new SQLite file")
    parser.add_argument("--postgres", action="store_true", help="start a throwaway PostgreSQL cluster and use it")
    args = parser.parse_args()
    from benchmarks.__main__ import database

    with database(args) as url, tempfile.TemporaryDirectory() as folder:
        figures = run_async(run(args.tasks, url or f"sqlite+aiosqlite:///{folder}/bench.db"))
    print(f"{args.tasks} tasks against Radicale on loopback:")
    print(f"  first sync (creates): {figures['first_sync_s']} s")
    print(f"  nothing changed:      {figures['unchanged_sync_s']} s")
    print(f"  a tenth changed:      {figures['tenth_changed_sync_s']} s")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()

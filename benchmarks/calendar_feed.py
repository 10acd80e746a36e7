"""ICS feed benchmark: one rep with N open tasks (half on deals, a third timed, some with a reminder,
a few 定例), their feed fetched over loopback HTTP as a calendar app does (the public URL, then a
revalidation with If-None-Match that answers 304), beside two floors served the same way: a bare
Litestar route, and a bare public route inside the app (what any public URL of the app pays).

Prints a few readable lines, then one JSON object as the last line.
"""

from __future__ import annotations

import json
import shutil
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from litestar import Litestar, get
from sqlalchemy import event, insert, select
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

from benchmarks.accounts import percentiles
from benchmarks.board import serving, timed_gets
from salesdesk import migrate
from salesdesk.accounts.models import Company
from salesdesk.app import create_app
from salesdesk.auth import passwords
from salesdesk.auth import services as auth
from salesdesk.auth.middleware import PUBLIC
from salesdesk.db import run_async
from salesdesk.pipeline import setup
from salesdesk.pipeline.models import Deal
from salesdesk.settings import Settings
from salesdesk.tasks.models import Task, new_uid


async def seed(url: str, tasks: int) -> str:
    """A rep with `tasks` open tasks; returns the rep's feed token."""
    migrate.upgrade(url)
    passwords.configure(time_cost=1, memory_kib=1024)
    engine = create_async_engine(url)
    async with async_sessionmaker(engine, expire_on_commit=False)() as db:
        pipeline = await setup.ensure_defaults(db)
        rep = await auth.create_user(db, email="feed@example.test", name="鈴木 美咲", role="rep", password="x" * 12)
        company = Company(name="株式会社ベンチ", normalized_name="ベンチ")
        db.add(company)
        await db.flush()
        deals = [
            Deal(pipeline_id=pipeline.id, stage_id=pipeline.stages[0].id, company_id=company.id, title=f"案件 {n}")
            for n in range(20)
        ]
        db.add_all(deals)
        await db.flush()
        today, now = date.today(), datetime.now(UTC)
        rows = []
        for n in range(tasks):
            starts = now.replace(minute=0, second=0, microsecond=0) + timedelta(days=n % 60) if n % 3 == 0 else None
            rows.append(
                {
                    "title": f"フォロー {n}",
                    "kind": "call",
                    "due_on": (starts.date() if starts else today + timedelta(days=n % 60)),
                    "starts_at": starts,
                    "ends_at": starts + timedelta(hours=1) if starts else None,
                    "owner_id": rep.id,
                    "deal_id": deals[n % 20].id if n % 2 else None,
                    "company_id": company.id,
                    "status": "open",
                    "notes": "予算の確認。決裁者は部長。" if n % 4 == 0 else "",
                    "uid": new_uid(),
                    "sequence": 0,
                    "reminder_minutes": 10 if n % 5 == 0 else None,
                    "recurrence": "FREQ=WEEKLY;BYDAY=MO" if n % 50 == 0 and starts is None else None,
                    "version": 1,
                    "created_at": now,
                    "updated_at": now,
                }
            )
        await db.execute(insert(Task), rows)
        await db.commit()
        token = await db.scalar(select(rep.__class__.calendar_token).where(rep.__class__.id == rep.id))
    await engine.dispose()
    return token


def run(tasks: int, requests: int, database_url: str) -> dict[str, Any]:
    tmp = None if database_url else Path(tempfile.mkdtemp(prefix="salesdesk-bench-"))
    url = database_url or f"sqlite+aiosqlite:///{tmp / 'bench.db'}"
    token = run_async(seed(url, tasks))
    figures: dict[str, Any] = {"open_tasks": tasks, "database": url.split("+")[0]}
    settings = Settings(database_url=url, secret_key="benchmark-secret-" + "x" * 32)
    app = create_app(settings)

    @get("/floor", sync_to_thread=False)
    def floor() -> str:
        return "ok"

    @get("/bench-floor", sync_to_thread=False, opt={PUBLIC: True})
    def app_floor() -> str:
        return "ok"

    app.register(app_floor)  # only in this benchmark's app instance
    feed = f"/calendar/{token}.ics"
    with serving(app) as app_url, serving(Litestar([floor])) as floor_url:
        statements: list[str] = []
        event.listen(
            app.state.alchemy.get_engine().sync_engine,
            "before_cursor_execute",
            lambda conn, cursor, statement, *args: statements.append(statement),
        )
        with httpx.Client(base_url=floor_url) as client:
            timed_gets(client, "/floor", 20)
            figures["floor_p50_ms"], figures["floor_p95_ms"] = percentiles(timed_gets(client, "/floor", requests))
        with httpx.Client(base_url=app_url) as client:
            timed_gets(client, "/bench-floor", 20)
            figures["app_floor_p50_ms"], figures["app_floor_p95_ms"] = percentiles(
                timed_gets(client, "/bench-floor", requests)
            )
            timed_gets(client, feed, 5)  # warm up
            statements.clear()
            body = client.get(feed)
            figures["queries"], figures["feed_kib"] = len(statements), round(len(body.content) / 1024, 1)
            figures["feed_p50_ms"], figures["feed_p95_ms"] = percentiles(timed_gets(client, feed, requests))
            unchanged = {"If-None-Match": body.headers["etag"]}
            samples = []
            for _ in range(requests):
                start = time.perf_counter()
                assert client.get(feed, headers=unchanged).status_code == 304
                samples.append((time.perf_counter() - start) * 1000)
            figures["not_modified_p50_ms"], figures["not_modified_p95_ms"] = percentiles(samples)
    if tmp is not None:
        shutil.rmtree(tmp, ignore_errors=True)
    figures["feed_p95_over_app_floor_p95"] = round(figures["feed_p95_ms"] / figures["app_floor_p95_ms"], 1)
    for key, value in figures.items():
        print(f"{key:>28}: {value}")
    print(json.dumps(figures, ensure_ascii=False))
    return figures

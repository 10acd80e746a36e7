"""API benchmark: the board's dataset (N deals), then over loopback HTTP with a rep's write token:
`GET /api/v1/deals?limit=500` (a full page), `PATCH /api/v1/deals/{id}` (the amount, with the
version each answer returns), beside a bare Litestar route (the floor) and a bare handler behind
the API's token guard in the same app (the in-app floor: token lookup, middleware, JSON).

.venv/bin/python -m benchmarks api --deals 10000 [--requests 200] [--postgres]

Prints a few readable lines, then one JSON object as the last line.
"""

from __future__ import annotations

import json
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
from litestar import Litestar, get
from sqlalchemy import event, select
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

from benchmarks.accounts import percentiles
from benchmarks.board import serving
from benchmarks.board_data import Dataset, seed
from salesdesk.api.auth import token_login
from salesdesk.app import create_app
from salesdesk.auth import tokens
from salesdesk.auth.forms import TokenInput
from salesdesk.auth.models import TokenScope, User
from salesdesk.clock import Clock
from salesdesk.db import run_async
from salesdesk.settings import Settings


async def _token(url: str, email: str) -> str:
    engine = create_async_engine(url)
    async with async_sessionmaker(engine, expire_on_commit=False)() as db:
        user = await db.scalar(select(User).where(User.email == email))
        _, plain = await tokens.create_token(db, user, Clock(), TokenInput("benchmark", TokenScope.write))
        await db.commit()
    await engine.dispose()
    return plain


def _timed(client: httpx.Client, method: str, path: str, n: int, body: Any = None) -> list[float]:
    samples = []
    for _ in range(n):
        start = time.perf_counter()
        response = client.request(method, path, json=body)
        samples.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, (path, response.status_code, response.text[:500])
    return samples


class Patcher:
    """Changes one deal's amount back and forth, with the version each answer returns."""

    def __init__(self, client: httpx.Client, deal_id: int) -> None:
        self.client, self.deal_id = client, deal_id
        self.version = client.get(f"/api/v1/deals/{deal_id}").json()["version"]
        self.n = 0

    def patch(self) -> float:
        self.n += 1
        body = {"version": self.version, "amount_jpy": 1_000_000 + (self.n % 2) * 10_000}
        start = time.perf_counter()
        response = self.client.patch(f"/api/v1/deals/{self.deal_id}", json=body)
        elapsed = (time.perf_counter() - start) * 1000
        assert response.status_code == 200, (response.status_code, response.text[:500])
        self.version = response.json()["version"]
        return elapsed


def measure(app_url: str, floor_url: str, token: str, data: Dataset, requests: int, statements: list[str]) -> dict:
    figures: dict[str, Any] = {}
    with httpx.Client(base_url=floor_url) as floor:
        _timed(floor, "GET", "/floor", 20)
        figures["floor_p50_ms"], figures["floor_p95_ms"] = percentiles(_timed(floor, "GET", "/floor", requests))
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=app_url, headers=headers, timeout=60) as client:
        _timed(client, "GET", "/api/v1/bench-floor", 20)
        figures["app_floor_p50_ms"], figures["app_floor_p95_ms"] = percentiles(
            _timed(client, "GET", "/api/v1/bench-floor", requests)
        )
        page = "/api/v1/deals?limit=500"
        _timed(client, "GET", page, 5)
        statements.clear()
        items = client.get(page).json()["items"]
        figures["list_500_rows"], figures["list_500_queries"] = len(items), len(statements)
        figures["list_500_p50_ms"], figures["list_500_p95_ms"] = percentiles(
            _timed(client, "GET", page, max(20, requests // 4))
        )
        patcher = Patcher(client, data.move_deal_id)
        for _ in range(6):
            patcher.patch()
        statements.clear()
        patcher.patch()
        figures["patch_queries"] = len(statements)
        figures["patch_p50_ms"], figures["patch_p95_ms"] = percentiles([patcher.patch() for _ in range(requests)])
    return figures


def run(deals: int, requests: int, database_url: str) -> dict[str, Any]:
    tmp = None if database_url else Path(tempfile.mkdtemp(prefix="salesdesk-bench-"))
    url = database_url or f"sqlite+aiosqlite:///{tmp / 'bench.db'}"
    data: Dataset = run_async(seed(url, deals))
    token = run_async(_token(url, data.rep_email))
    figures: dict[str, Any] = {"deals": deals, "database": url.split("+")[0]}
    settings = Settings(
        database_url=url,
        secret_key="benchmark-secret-" + "x" * 32,
        argon2_time_cost=1,
        argon2_memory_kib=1024,
        api_rate_per_minute=10**9,
    )
    app = create_app(settings)

    @get("/floor", sync_to_thread=False)
    def floor() -> str:
        return "ok"

    @get("/api/v1/bench-floor", guards=[token_login], sync_to_thread=False)
    def api_floor() -> dict[str, str]:
        return {"ok": "ok"}

    app.register(api_floor)  # only in this benchmark's app instance
    with serving(app) as app_url, serving(Litestar([floor])) as floor_url:
        statements: list[str] = []
        event.listen(
            app.state.alchemy.get_engine().sync_engine,
            "before_cursor_execute",
            lambda conn, cursor, statement, *args: statements.append(statement),
        )
        figures |= measure(app_url, floor_url, token, data, requests, statements)
    if tmp is not None:
        shutil.rmtree(tmp, ignore_errors=True)
    figures["list_500_p95_over_app_floor_p95"] = round(figures["list_500_p95_ms"] / figures["app_floor_p95_ms"], 1)
    figures["patch_p95_over_app_floor_p95"] = round(figures["patch_p95_ms"] / figures["app_floor_p95_ms"], 1)
    for key, value in figures.items():
        print(f"{key:>32}: {value}")
    print(json.dumps(figures, ensure_ascii=False))
    return figures

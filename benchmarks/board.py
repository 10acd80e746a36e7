"""Board benchmark: N deals (20% open, the rest won or lost) with their companies, persons,
activities and tasks, bulk-inserted; then the board as a rep, a bare Litestar route and a card
move, timed over loopback HTTP. The app and the bare route are served the same way: uvicorn, one
worker each, in background threads of this process (so the app's SQL can be counted).

Prints a few readable lines, then one JSON object as the last line.
"""

from __future__ import annotations

import json
import logging
import re
import shutil
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from litestar import Litestar, get
from sqlalchemy import event

from benchmarks.accounts import percentiles
from benchmarks.board_data import PASSWORD, Dataset, seed  # noqa: F401  (tests use bench.seed, bench.Dataset)
from salesdesk.app import create_app, settle
from salesdesk.db import run_async
from salesdesk.settings import Settings

logging.getLogger("httpx").setLevel(logging.WARNING)

# --- serving and timing ----------------------------------------------------------------------


@contextmanager
def serving(app: Litestar) -> Iterator[str]:
    """The app behind uvicorn (one worker) on a free loopback port, in a thread with its own loop."""
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", access_log=False))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:  # uvicorn sets it once the socket listens
        if not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def log_in(client: httpx.Client, email: str) -> str:
    """Through the login form, as a browser does; returns the CSRF token for later posts."""
    client.get("/login")
    token = client.cookies["csrftoken"]
    response = client.post("/login", data={"email": email, "password": PASSWORD, "_csrf_token": token})
    assert response.status_code == 303, (response.status_code, response.text[:500])
    return client.cookies["csrftoken"]  # a login rotates the token


def timed_gets(client: httpx.Client, path: str, n: int) -> list[float]:
    samples = []
    for _ in range(n):
        start = time.perf_counter()
        response = client.get(path)
        samples.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, (path, response.status_code, response.text[:500])
    return samples


class Mover:
    """Moves one deal back and forth between two open stages (リード ↔ 商談化) as the board's
    drag and drop does (htmx POST with the CSRF header), with the version the answer drew."""

    def __init__(self, client: httpx.Client, token: str, deal_id: int, stages: tuple[int, int]) -> None:
        self.client, self.deal_id, self.stages = client, deal_id, stages
        self.headers = {"X-CSRFToken": token, "HX-Request": "true"}
        self.version, self.moves = 1, 0

    def move(self) -> float:
        target = self.stages[(self.moves + 1) % 2]
        data = {"stage_id": str(target), "version": str(self.version), "after_id": "", "before_id": ""}
        start = time.perf_counter()
        response = self.client.post(f"/deals/{self.deal_id}/move", data=data, headers=self.headers)
        elapsed = (time.perf_counter() - start) * 1000
        assert response.status_code == 200, (response.status_code, response.text[:500])
        drawn = re.search(rf'data-deal-id="{self.deal_id}" data-version="(\d+)"', response.text)
        assert drawn, response.text[:500]
        self.version = int(drawn[1])  # the card as drawn in the answer, as the board's script reads it
        self.moves += 1
        return elapsed


def floors(floor_url: str, client: httpx.Client, requests: int) -> dict[str, float]:
    """The bare Litestar route, and the same bare handler inside the app as the logged-in client: what
    any page of this app pays (session lookup, CSRF cookie, middleware) before it does any work of its own."""
    figures: dict[str, float] = {}
    with httpx.Client(base_url=floor_url) as floor:
        timed_gets(floor, "/floor", 20)
        figures["floor_p50_ms"], figures["floor_p95_ms"] = percentiles(timed_gets(floor, "/floor", requests))
    timed_gets(client, "/bench-floor", 20)
    figures["app_floor_p50_ms"], figures["app_floor_p95_ms"] = percentiles(timed_gets(client, "/bench-floor", requests))
    return figures


def measure(app_url: str, floor_url: str, data: Dataset, requests: int, statements: list[str]) -> dict[str, Any]:
    figures: dict[str, Any] = {}
    with httpx.Client(base_url=app_url, follow_redirects=False) as client:
        token = log_in(client, data.rep_email)
        floor = floors(floor_url, client, requests)
        figures |= {key: floor[key] for key in ("floor_p50_ms", "floor_p95_ms")}
        timed_gets(client, "/healthz", 20)  # the app's own lightest route (one SQL statement), for context
        figures["healthz_p50_ms"], figures["healthz_p95_ms"] = percentiles(timed_gets(client, "/healthz", requests))
        figures |= floor  # the in-app floor after /healthz in the JSON, as before
        timed_gets(client, "/pipeline", 10)  # warm up: templates compiled, statements cached
        statements.clear()
        timed_gets(client, "/pipeline", 1)
        figures["queries"] = len(statements)
        figures["board_p50_ms"], figures["board_p95_ms"] = percentiles(timed_gets(client, "/pipeline", requests))
        mover = Mover(client, token, data.move_deal_id, data.move_stages)
        for _ in range(6):
            mover.move()
        statements.clear()
        mover.move()
        figures["move_queries"] = len(statements)
        samples = [mover.move() for _ in range(max(20, requests // 2))]
        figures["move_p50_ms"], figures["move_p95_ms"] = percentiles(samples)
    return figures


@contextmanager
def served(url: str) -> Iterator[tuple[str, str, list[str]]]:
    """The app (with a bare handler at /bench-floor, the in-app floor) and a bare Litestar app (/floor, the
    floor), both served; yields their URLs and the list the app's SQL statements are appended to."""
    settings = Settings(
        database_url=url, secret_key="benchmark-secret-" + "x" * 32, argon2_time_cost=1, argon2_memory_kib=1024
    )
    app = create_app(settings)

    @get("/floor", sync_to_thread=False)
    def floor() -> str:
        return "ok"

    @get("/bench-floor", sync_to_thread=False)
    def app_floor() -> str:
        return "ok"

    app.register(app_floor)  # only in this benchmark's app instance
    settle()  # as salesdesk.app.asgi does in every worker
    with serving(app) as app_url, serving(Litestar([floor])) as floor_url:
        statements: list[str] = []
        event.listen(
            app.state.alchemy.get_engine().sync_engine,
            "before_cursor_execute",
            lambda conn, cursor, statement, *args: statements.append(statement),
        )
        yield app_url, floor_url, statements


def run(deals: int, requests: int, database_url: str) -> dict[str, Any]:
    tmp = None if database_url else Path(tempfile.mkdtemp(prefix="salesdesk-bench-"))
    url = database_url or f"sqlite+aiosqlite:///{tmp / 'bench.db'}"
    start = time.perf_counter()
    data: Dataset = run_async(seed(url, deals))
    figures: dict[str, Any] = {
        "deals": deals,
        "open_deals": data.open_deals,
        "database": url.split("+")[0],
        "rep_visible_open_deals": data.visible_open,
        "seed_s": round(time.perf_counter() - start, 1),
    }
    with served(url) as (app_url, floor_url, statements):
        figures |= measure(app_url, floor_url, data, requests, statements)
    if tmp is not None:
        shutil.rmtree(tmp, ignore_errors=True)  # the SQLite file it made (50,000 deals: ~50 MB)
    figures["board_p95_over_floor_p95"] = round(figures["board_p95_ms"] / figures["floor_p95_ms"], 1)
    figures["board_p95_over_app_floor_p95"] = round(figures["board_p95_ms"] / figures["app_floor_p95_ms"], 1)
    for key, value in figures.items():
        print(f"{key:>24}: {value}")
    print(json.dumps(figures, ensure_ascii=False))
    return figures

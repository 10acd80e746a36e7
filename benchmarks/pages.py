"""Page benchmark: the board's dataset (N deals), then every hot page over loopback HTTP in one run,
beside the bare route (the floor) and a bare handler inside the app (the in-app floor), as a rep
and as that rep's manager: the pages a rep works in as the rep; the ones a manager reads (the board
filtered to one rep and one ヨミ, the forecast) as the manager. A card move is timed as the drag and
drop sends it, there and back, so the data ends as it began.

.venv/bin/python -m benchmarks pages --deals 10000 [--requests 200] [--postgres]

Prints one readable line per page (its status too), then one JSON object as the last line. Any page
answering other than 2xx/3xx stops the run with an error: a benchmark of an error page measures nothing.
"""

from __future__ import annotations

import json
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx

from benchmarks.accounts import percentiles
from benchmarks.board import Mover, floors, log_in, served, timed_gets
from benchmarks.board_data import Dataset, seed
from salesdesk.db import run_async

REP, MANAGER = "rep", "manager"
HTMX = {"HX-Request": "true"}


class PageError(RuntimeError):
    """A page answered with an error: the run stops."""


def checked_get(client: httpx.Client, path: str, headers: dict[str, str] | None = None) -> httpx.Response:
    response = client.get(path, headers=headers)
    if not 200 <= response.status_code < 400:
        raise PageError(f"GET {path} answered {response.status_code}: {response.text[:500]}")
    return response


def pages(data: Dataset) -> dict[str, tuple[str, str, dict[str, str] | None]]:
    """name: (who, path, headers). The phone search is the header's, as typed (htmx asks for results)."""
    return {
        "board": (REP, "/pipeline", None),
        "board_filtered": (MANAGER, f"/pipeline?owner_id={data.rep_id}&forecast=B", None),
        "deal_list": (REP, "/pipeline/list", None),
        "deal": (REP, f"/deals/{data.move_deal_id}", None),
        "company": (REP, f"/accounts/{data.company_id}", None),
        "home": (REP, "/", None),
        "tasks": (REP, "/tasks", None),
        "forecast": (MANAGER, "/pipeline/forecast", None),
        "search_phone": (REP, "/search?q=" + quote(data.phone), HTMX),
    }


def time_page(
    client: httpx.Client, path: str, headers: dict[str, str] | None, requests: int, statements: list[str]
) -> dict[str, Any]:
    for _ in range(min(5, requests)):  # warm up: templates compiled, statements cached
        checked_get(client, path, headers)
    statements.clear()
    status = checked_get(client, path, headers).status_code
    queries = len(statements)
    samples = []
    for _ in range(requests):
        start = time.perf_counter()
        checked_get(client, path, headers)
        samples.append((time.perf_counter() - start) * 1000)
    p50, p95 = percentiles(samples)
    return {"p50_ms": p50, "p95_ms": p95, "queries": queries, "status": status}


def time_moves(mover: Mover, requests: int, statements: list[str]) -> dict[str, Any]:
    """Pairs of moves (to 商談化 and back to リード): the deal ends in the stage it started in."""
    for _ in range(2):  # warm up
        mover.move()
    statements.clear()
    mover.move()
    queries = len(statements)
    mover.move()
    samples = [mover.move() for _ in range(2 * max(1, requests // 2))]
    p50, p95 = percentiles(samples)
    return {"p50_ms": p50, "p95_ms": p95, "queries": queries, "status": 200}  # Mover checks each answer


def measure(app_url: str, floor_url: str, data: Dataset, requests: int, statements: list[str]) -> dict[str, Any]:
    with (
        httpx.Client(base_url=app_url, follow_redirects=False, timeout=60) as rep,
        httpx.Client(base_url=app_url, follow_redirects=False, timeout=60) as manager,
    ):
        token = log_in(rep, data.rep_email)
        log_in(manager, data.manager_email)
        clients = {REP: rep, MANAGER: manager}
        figures: dict[str, Any] = floors(floor_url, rep, requests)
        # The in-app floor is sampled again before every page, not only once at the start: this box's speed
        # moves within a run (a floor of 1.7 ms at the start of one run, 3.7 ms in another), and each page's
        # ratio should compare it with the floor of the same minutes.
        app_floor: list[float] = []
        results = {}
        for name, (who, path, headers) in pages(data).items():
            app_floor += timed_gets(rep, "/bench-floor", max(1, requests // 10))
            results[name] = time_page(clients[who], path, headers, requests, statements)
        app_floor += timed_gets(rep, "/bench-floor", max(1, requests // 10))
        results["move"] = time_moves(Mover(rep, token, data.move_deal_id, data.move_stages), requests, statements)
        figures["app_floor_p50_ms"], figures["app_floor_p95_ms"] = percentiles(app_floor)
    return figures | {"pages": results}


def run(deals: int, requests: int, database_url: str) -> dict[str, Any]:
    tmp = None if database_url else Path(tempfile.mkdtemp(prefix="salesdesk-bench-"))
    url = database_url or f"sqlite+aiosqlite:///{tmp / 'bench.db'}"
    start = time.perf_counter()
    data: Dataset = run_async(seed(url, deals))
    print(f"{deals} deals on {url.split('+')[0]}, seeded in {time.perf_counter() - start:.1f} s")
    with served(url) as (app_url, floor_url, statements):
        figures = measure(app_url, floor_url, data, requests, statements)
    if tmp is not None:
        shutil.rmtree(tmp, ignore_errors=True)
    floor = figures["app_floor_p50_ms"]
    print(f"{'floor':>16}: p50 {figures['floor_p50_ms']} ms, p95 {figures['floor_p95_ms']} ms")
    print(f"{'in-app floor':>16}: p50 {floor} ms, p95 {figures['app_floor_p95_ms']} ms")
    for name, page in figures["pages"].items():
        status = page.pop("status")
        print(
            f"{name:>16}: {status} p50 {page['p50_ms']} ms ({page['p50_ms'] / floor:.1f}× in-app floor),"
            f" p95 {page['p95_ms']} ms, {page['queries']} statements"
        )
    print(json.dumps(figures, ensure_ascii=False))
    return figures

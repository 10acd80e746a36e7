"""Flatness: every hot page at two data sizes, both served at once and timed in alternating batches, so the
two sizes meet the same load on a busy box and their p95s compare (fast pages: p95 at 50,000 deals ≤ 1.2×
the p95 at 10,000). Two runs of `benchmarks pages` minutes apart differ by ±15-30 % on this machine with
nothing changed, which is as much as the ratio being measured.

.venv/bin/python -m benchmarks flatness [--deals 10000 50000] [--requests 200] [--batches 10] [--postgres]

Prints one line per page (p50 and p95 at each size, and the p95 ratio), then one JSON object as its last
line: {"deals": [10000, 50000], "pages": {"board": {"p50_ms": [a, b], "p95_ms": [a, b], "p95_ratio": r}, ...}}.
"""

from __future__ import annotations

import json
import shutil
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import NullPool
from sqlalchemy.ext.asyncio import create_async_engine

from benchmarks.accounts import percentiles
from benchmarks.board import log_in, served
from benchmarks.board_data import Dataset, seed
from benchmarks.pages import MANAGER, REP, checked_get, pages
from salesdesk.db import run_async


async def _create_databases(server_url: str, names: list[str]) -> list[str]:
    engine = create_async_engine(f"{server_url}/postgres", isolation_level="AUTOCOMMIT", poolclass=NullPool)
    async with engine.connect() as conn:
        for name in names:
            await conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            await conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    await engine.dispose()
    return [f"{server_url}/{name}" for name in names]


def _urls(sizes: list[int], database_url: str, tmp: Path) -> list[str]:
    """One empty database per size: SQLite files, or databases beside the given PostgreSQL one."""
    if not database_url:
        return [f"sqlite+aiosqlite:///{tmp / f'bench-{n}.db'}" for n in sizes]
    server = database_url.rsplit("/", 1)[0]
    return run_async(_create_databases(server, [f"salesdesk_flat_{n}" for n in sizes]))


def run(sizes: list[int], requests: int, batches: int, database_url: str) -> dict[str, Any]:
    tmp = Path(tempfile.mkdtemp(prefix="salesdesk-flat-"))
    urls = _urls(sizes, database_url, tmp)
    datasets: list[Dataset] = []
    for n, url in zip(sizes, urls, strict=True):
        start = time.perf_counter()
        datasets.append(run_async(seed(url, n)))
        print(f"{n} deals on {url.split('+')[0]}, seeded in {time.perf_counter() - start:.1f} s")
    per_batch = max(1, requests // batches)
    samples: dict[str, list[list[float]]] = {}
    with ExitStack() as stack:
        clients = []
        for url, data in zip(urls, datasets, strict=True):
            app_url, _, _ = stack.enter_context(served(url))
            rep = stack.enter_context(httpx.Client(base_url=app_url, follow_redirects=False, timeout=60))
            manager = stack.enter_context(httpx.Client(base_url=app_url, follow_redirects=False, timeout=60))
            log_in(rep, data.rep_email)
            log_in(manager, data.manager_email)
            clients.append(({REP: rep, MANAGER: manager}, pages(data)))
        for name in clients[0][1]:
            samples[name] = [[] for _ in sizes]
            for by_who, paths in clients:
                who, path, headers = paths[name]
                for _ in range(5):  # warm up: templates compiled, statements cached
                    checked_get(by_who[who], path, headers)
            for _ in range(batches):  # the sizes take turns, a batch each
                for n, (by_who, paths) in enumerate(clients):
                    who, path, headers = paths[name]
                    for _ in range(per_batch):
                        start = time.perf_counter()
                        checked_get(by_who[who], path, headers)
                        samples[name][n].append((time.perf_counter() - start) * 1000)
    shutil.rmtree(tmp, ignore_errors=True)
    results = {}
    for name, by_size in samples.items():
        p50s, p95s = zip(*(percentiles(s) for s in by_size), strict=True)
        results[name] = {"p50_ms": list(p50s), "p95_ms": list(p95s), "p95_ratio": round(p95s[-1] / p95s[0], 2)}
        shown = ", ".join(f"{n}: p50 {a} p95 {b} ms" for n, a, b in zip(sizes, p50s, p95s, strict=True))
        print(f"{name:>16}: {shown}; p95 {sizes[-1]}/{sizes[0]} = {results[name]['p95_ratio']}")
    figures = {"deals": sizes, "pages": results}
    print(json.dumps(figures, ensure_ascii=False))
    return figures

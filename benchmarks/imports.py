"""Import benchmarks: files that used to exhaust a worker, and /healthz while an import runs.

.venv/bin/python -m benchmarks.imports xlsx
    Parse a ~5 KB workbook declaring <dimension ref="A1:XFD1048576"/> with one cell in the
    last row; prints the time and the process's peak RSS (run it in a process of its own).
.venv/bin/python -m benchmarks.imports healthz [--rows 100000] [--timeout 600]
    Start the app (uvicorn, one worker, a temp SQLite file) on 127.0.0.1, log in, upload a file
    of N rows (benchmarks.accounts.dataset), map, preview and commit it, while /healthz is probed
    every 50 ms on a fixed schedule; prints its latencies (from when each probe was due) per step.

The last line printed is one JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import os
import re
import resource
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from pathlib import Path
from typing import Any

import httpx

PASSWORD = "benchmark-password"
ADMIN = "bench-admin@example.com"


def declared_whole_sheet(cell: str = "A1048576", value: str = "株式会社最終行") -> bytes:
    """A header and one cell at `cell`, the sheet declaring A1:XFD1048576 (Excel's maximum)."""
    import openpyxl

    workbook = openpyxl.Workbook()
    workbook.active["A1"] = "会社名"
    workbook.active[cell] = value
    written, patched = io.BytesIO(), io.BytesIO()
    workbook.save(written)
    with zipfile.ZipFile(written) as source, zipfile.ZipFile(patched, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = re.sub(rb'<dimension ref="[^"]*"\s*/>', b'<dimension ref="A1:XFD1048576"/>', data)
            target.writestr(item, data)
    return patched.getvalue()


def xlsx() -> dict[str, Any]:
    from salesdesk.accounts.import_files import ImportFileError, read_table

    content = declared_whole_sheet()
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    try:
        table = read_table(content, "declared.xlsx")
        outcome = f"{len(table.rows)} data row(s), {len(table.headers)} column(s)"
    except (ImportFileError, MemoryError) as error:
        outcome = f"refused: {error}"
    figures = {
        "file_bytes": len(content),
        "seconds": round(time.perf_counter() - start, 3),
        "peak_rss_mb_before_parse": round(before / 1024, 1),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "outcome": outcome,
    }
    print(f"declared-huge XLSX ({len(content)} bytes): {figures['seconds']} s, peak RSS {figures['peak_rss_mb']} MB")
    print(outcome)
    return figures


# --- /healthz while an import runs through the app ------------------------------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


async def _prepare(url: str) -> None:
    from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

    from salesdesk.auth import services as auth
    from salesdesk.auth.models import Role
    from salesdesk.migrate import upgrade

    upgrade(url)
    engine = create_async_engine(url)
    async with AsyncSession(engine) as db:
        await auth.create_user(db, email=ADMIN, name="管理者", role=Role.admin, team_id=None, password=PASSWORD)
        await db.commit()
    await engine.dispose()


class Server:
    """`uvicorn salesdesk.app:asgi` (one worker) in a process of its own, so that the client's
    CPU time and GIL never count against the server's event loop."""

    def __init__(self, url: str, deadline: float) -> None:
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        env = dict(os.environ, SALESDESK_DATABASE_URL=url, SALESDESK_SECRET_KEY="benchmark-secret-" + "x" * 32)
        command = [sys.executable, "-m", "uvicorn", "salesdesk.app:asgi", "--factory", "--host", "127.0.0.1"]
        command += ["--port", str(self.port), "--log-level", "warning", "--no-access-log"]
        self.process = subprocess.Popen(command, env=env)
        while True:
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("the app did not start")
            try:
                if httpx.get(f"{self.base}/healthz", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                time.sleep(0.1)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


class Poller(threading.Thread):
    """GET /healthz every `interval` seconds on a fixed schedule (at most `limit` probes), each
    timed from when it was due: a stalled server is not probed less, as a load balancer's
    checks are not, so a stall of N seconds counts N / interval slow probes (no coordinated omission)."""

    def __init__(self, base: str, limit: int, interval: float = 0.05) -> None:
        super().__init__(daemon=True)
        self.base, self.limit, self.interval = base, limit, interval
        self.samples: list[tuple[float, float]] = []
        self.failures = 0
        self.done = threading.Event()

    def run(self) -> None:
        asyncio.run(self._probe_all())

    async def _probe_all(self) -> None:
        limits = httpx.Limits(max_connections=200, max_keepalive_connections=20)
        async with httpx.AsyncClient(base_url=self.base, timeout=120, limits=limits) as client:
            probes: list[asyncio.Task[None]] = []
            due = time.perf_counter()
            while not self.done.is_set() and len(probes) < self.limit:
                probes.append(asyncio.create_task(self._probe(client, due)))
                due += self.interval
                await asyncio.sleep(max(0.0, due - time.perf_counter()))
            await asyncio.gather(*probes)

    async def _probe(self, client: httpx.AsyncClient, due: float) -> None:
        try:
            ok = (await client.get("/healthz")).status_code == 200
        except httpx.HTTPError:
            ok = False
        self.samples.append((due, (time.perf_counter() - due) * 1000))
        self.failures += not ok

    def during(self, start: float, end: float) -> dict[str, Any]:
        latencies = sorted(ms for at, ms in self.samples if start <= at < end)
        if not latencies:
            return {"probes": 0}
        return {
            "probes": len(latencies),
            "p50_ms": round(statistics.median(latencies), 1),
            "p95_ms": round(latencies[max(0, int(len(latencies) * 0.95) - 1)], 1),
            "max_ms": round(latencies[-1], 1),
        }


def _log_in(client: httpx.Client) -> str:
    client.get("/login")
    token = client.cookies["csrftoken"]
    response = client.post("/login", data={"email": ADMIN, "password": PASSWORD, "_csrf_token": token})
    assert response.status_code == 303, (response.status_code, response.text[:300])
    client.get("/accounts/import")
    return client.cookies["csrftoken"]  # the token may change at login


def healthz(rows: int, timeout: float) -> dict[str, Any]:
    from benchmarks.accounts import dataset
    from salesdesk.accounts.import_files import guess_mapping, read_table
    from salesdesk.db import run_async

    deadline = time.monotonic() + timeout
    tmp = Path(tempfile.mkdtemp(prefix="salesdesk-bench-imports-"))
    url = f"sqlite+aiosqlite:///{tmp / 'bench.db'}"
    run_async(_prepare(url))
    content = dataset(rows)
    headers = read_table(content, "bench.csv").headers
    form = {f"col_{i}": target for i, target in enumerate(guess_mapping(headers))}
    server = Server(url, deadline)
    poller = Poller(server.base, limit=int(timeout / 0.05))
    phases: dict[str, tuple[float, float]] = {}
    try:
        with httpx.Client(base_url=server.base, timeout=max(1.0, deadline - time.monotonic())) as client:
            token = _log_in(client)
            client.headers["X-CSRFToken"] = token
            poller.start()
            idle_end = time.perf_counter() + 2
            while time.perf_counter() < idle_end and poller.is_alive():
                time.sleep(0.05)
            phases["idle"] = (idle_end - 2, idle_end)

            def step(name: str, method: str, path: str, **kwargs: Any) -> httpx.Response:
                start = time.perf_counter()
                response = client.request(method, path, **kwargs)
                phases[name] = (start, time.perf_counter())
                assert response.status_code in (200, 303), (name, response.status_code, response.text[:300])
                print(f"{name}: {phases[name][1] - start:.1f} s", flush=True)
                return response

            page = step(
                "upload", "POST", "/accounts/import", files={"file": ("bench.csv", content, "text/csv")}
            ).headers["location"]
            step("mapping", "GET", page)
            step("preview", "POST", f"{page}/preview", data=form)
            done = step("commit", "POST", f"{page}/commit", data=form)
            assert done.headers["location"] == "/accounts", done.headers
    finally:
        poller.done.set()
        poller.join(timeout=150)
        server.stop()
    first, last = phases["upload"][0], phases["commit"][1]
    figures: dict[str, Any] = {
        "rows": rows,
        "database": "sqlite",
        "import_s": round(last - first, 1),
        "steps_s": {name: round(end - start, 1) for name, (start, end) in phases.items() if name != "idle"},
        "healthz_idle": poller.during(*phases["idle"]),
        "healthz_during_import": poller.during(first, last),
        "healthz_during": {name: poller.during(*phases[name]) for name in ("upload", "mapping", "preview", "commit")},
        "healthz_failures": poller.failures,
    }
    during = figures["healthz_during_import"]
    print(
        f"/healthz while importing {rows:,} rows ({figures['import_s']} s): p50 {during.get('p50_ms')} ms, "
        f"p95 {during.get('p95_ms')} ms, max {during.get('max_ms')} ms over {during['probes']} probes; "
        f"idle p95 {figures['healthz_idle'].get('p95_ms')} ms"
    )
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.imports")
    sub = parser.add_subparsers(dest="name", required=True)
    sub.add_parser("xlsx", help="parse the declared-huge workbook; time and peak RSS")
    probe = sub.add_parser("healthz", help="/healthz latency while an N-row import runs through the app")
    probe.add_argument("--rows", type=int, default=100_000)
    probe.add_argument("--timeout", type=float, default=900, help="give up after this many seconds")
    args = parser.parse_args()
    figures = xlsx() if args.name == "xlsx" else healthz(args.rows, args.timeout)
    print(json.dumps(figures, ensure_ascii=False))


if __name__ == "__main__":
    main()

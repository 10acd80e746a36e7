"""Login flood: does the server keep answering while it checks passwords?

    .venv/bin/python -m benchmarks.logins [--seconds 15] [--logins 10] [--workers 1]

Migrates a new SQLite file in a temp dir, adds one user per login loop with the production
argon2 cost (the Settings defaults), serves the app with uvicorn on 127.0.0.1 in a child
process, measures /healthz alone, then runs N parallel login loops (GET /login for the CSRF
cookie, then POST /login with the right password, again and again) for a bounded time while
polling /healthz every 50 ms. Everything stops by itself. The last line is one JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from benchmarks.accounts import percentiles
from salesdesk.auth import passwords
from salesdesk.auth import services as auth
from salesdesk.db import run_async
from salesdesk.migrate import upgrade
from salesdesk.settings import ROOT, Settings

PASSWORD = "benchmark-password"
POLL_EVERY = 0.05  # seconds between /healthz probes


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def _make_users(url: str, count: int) -> list[str]:
    from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

    settings = Settings(database_url=url)
    passwords.configure(settings.argon2_time_cost, settings.argon2_memory_kib)  # production cost
    engine = create_async_engine(url)
    emails = [f"rep{n}@bench.test" for n in range(count)]
    async with async_sessionmaker(engine)() as db:
        for n, email in enumerate(emails):
            await auth.create_user(db, email=email, name=f"営業 {n}", password=PASSWORD)
        await db.commit()
    await engine.dispose()
    return emails


def _serve(url: str, port: int, workers: int, log: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "SALESDESK_DATABASE_URL": url, "SALESDESK_SECRET_KEY": "bench-" + "k" * 40}
    command = [sys.executable, "-m", "uvicorn", "salesdesk.app:asgi", "--factory", "--host", "127.0.0.1"]
    command += ["--port", str(port), "--workers", str(workers), "--log-level", "warning"]
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT)


async def _wait_healthy(base: str, server: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    async with httpx.AsyncClient(base_url=base) as client:
        while time.monotonic() < deadline:
            if server.poll() is not None:
                raise SystemExit(f"the server exited with {server.returncode}")
            try:
                if (await client.get("/healthz")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.2)
    raise SystemExit(f"{base}/healthz did not answer within {timeout:.0f} s")


async def _poll_health(base: str, until: float) -> list[float]:
    samples = []
    async with httpx.AsyncClient(base_url=base, timeout=30) as client:
        while time.monotonic() < until:
            start = time.perf_counter()
            response = await client.get("/healthz")
            samples.append((time.perf_counter() - start) * 1000)
            assert response.status_code == 200, response.status_code
            await asyncio.sleep(POLL_EVERY)
    return samples


async def _login_loop(base: str, email: str, until: float) -> list[float]:
    samples = []
    # One client (making one costs this process ~20 ms of CPU), its cookies dropped each time: a new browser.
    async with httpx.AsyncClient(base_url=base, timeout=60) as client:
        while time.monotonic() < until:
            client.cookies.clear()
            await client.get("/login")
            form = {"email": email, "password": PASSWORD, "_csrf_token": client.cookies["csrftoken"]}
            start = time.perf_counter()
            response = await client.post("/login", data=form)
            samples.append((time.perf_counter() - start) * 1000)
            assert response.status_code == 303, (response.status_code, response.text[:200])
    return samples


async def _measure(base: str, emails: list[str], seconds: float) -> dict[str, object]:
    idle = await _poll_health(base, time.monotonic() + 3)
    until = time.monotonic() + seconds
    health, *logins = await asyncio.gather(
        _poll_health(base, until), *(_login_loop(base, email, until) for email in emails)
    )
    login_ms = [sample for loop in logins for sample in loop]
    idle_p50, idle_p95 = percentiles(idle)
    p50, p95 = percentiles(health)
    login_p50, login_p95 = percentiles(login_ms)
    return {
        "healthz_idle_ms": {"p50": idle_p50, "p95": idle_p95},
        "healthz_during_flood_ms": {"p50": p50, "p95": p95, "max": round(max(health), 2), "n": len(health)},
        "login_ms": {"p50": login_p50, "p95": login_p95, "n": len(login_ms)},
        "logins_per_second": round(len(login_ms) / seconds, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.logins", description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=15, help="length of the flood")
    parser.add_argument("--logins", type=int, default=10, help="parallel login loops, one user each")
    parser.add_argument("--workers", type=int, default=1, help="uvicorn worker processes")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="salesdesk-logins-") as tmp:
        url = f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}"
        upgrade(url)
        emails = run_async(_make_users(url, args.logins))
        port = _free_port()
        base = f"http://127.0.0.1:{port}"
        server = _serve(url, port, args.workers, Path(tmp) / "server.log")
        try:
            run_async(_wait_healthy(base, server))
            result = run_async(_measure(base, emails, args.seconds))
        finally:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
    settings = Settings(database_url=url)
    result = {
        "benchmark": "logins",
        "parallel_logins": args.logins,
        "seconds": args.seconds,
        "workers": args.workers,
        "argon2": {"time_cost": settings.argon2_time_cost, "memory_kib": settings.argon2_memory_kib},
        "cpus": os.cpu_count(),
        **result,
    }
    print(
        f"/healthz p95 {result['healthz_idle_ms']['p95']} ms idle, "
        f"{result['healthz_during_flood_ms']['p95']} ms during {args.logins} parallel login loops; "
        f"login p50 {result['login_ms']['p50']} ms, {result['logins_per_second']} logins/s"
    )
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()

"""Workers benchmark: `salesdesk serve --workers W --no-access-log` on the board's dataset, loaded by
wrk (keep-alive connections, as a proxy's upstream pool or browsers hold them) on /healthz and, with
a rep's session cookie, on the board and the deal list. For each run: requests/s, wrk's p50/p99, and
how the connections were spread over the workers (sampled from `ss` halfway through).

    apt-get install wrk   # Debian/Ubuntu: the load tool
    .venv/bin/python -m benchmarks workers --deals 2000 --workers 1 2 [--duration 10] [--connections 8]

Prints a few readable lines, then one JSON object as the last line.
"""

from __future__ import annotations

import itertools
import json
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

from benchmarks.board import log_in
from benchmarks.board_data import Dataset, seed
from salesdesk.db import run_async

ROOT = Path(__file__).resolve().parent.parent
# The command as this checkout's code (the venv's `salesdesk` script imports whichever tree it was installed from).
SALESDESK = [sys.executable, "-c", "from salesdesk.cli import main; main()"]
PATHS = {"healthz": "/healthz", "board": "/pipeline", "deal_list": "/pipeline/list"}
# uvicorn's own multiprocess manager (one listening socket shared by the workers), as `serve` ran before.
SHARED = [
    sys.executable,
    "-c",
    "import sys, uvicorn; uvicorn.run('salesdesk.app:asgi', factory=True, port=int(sys.argv[2]),"
    " workers=int(sys.argv[4]), access_log=False, timeout_worker_healthcheck=60)",
]
READY = b"Application startup complete"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def serving(url: str, workers: int, shared: bool = False) -> Iterator[tuple[str, int, list[bytes]]]:
    """`salesdesk serve` (or uvicorn's manager) in a subprocess until every worker has started; yields its URL,
    port and output."""
    port = _free_port()
    env = {
        "SALESDESK_DATABASE_URL": url,
        "SALESDESK_SECRET_KEY": "benchmark-secret-" + "x" * 32,
        "SALESDESK_SECURE_COOKIES": "0",
        "PATH": "/usr/bin:/bin",
    }
    command = [*SALESDESK, "serve", "--port", str(port), "--workers", str(workers), "--no-access-log"]
    if shared:
        command = [*SHARED, "--port", str(port), "--workers", str(workers)]
    server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    lines: list[bytes] = []
    started = threading.Condition()

    def read() -> None:  # drains the pipe for the whole run
        for line in itertools.chain(server.stdout, [b""]):  # b"": the server exited
            with started:
                lines.append(line)
                started.notify_all()

    threading.Thread(target=read, daemon=True).start()
    with started:
        ready = started.wait_for(lambda: sum(READY in line for line in lines) >= workers or b"" in lines, 120)
        if not ready or b"" in lines:
            server.kill()
            raise RuntimeError(b"".join(lines).decode(errors="replace"))
    try:
        yield f"http://127.0.0.1:{port}", port, lines
    finally:
        server.terminate()
        server.wait(timeout=30)


def connections_per_worker(port: int) -> list[int]:
    """The established connections each process holds on the server's port, most first."""
    out = subprocess.run(
        ["ss", "-Htnp", "state", "established", f"( sport = :{port} )"], capture_output=True, text=True, check=True
    ).stdout
    return sorted(Counter(re.findall(r"pid=(\d+)", out)).values(), reverse=True)


def bursts(port: int, connections: int, rounds: int) -> dict[str, int]:
    """`rounds` times: open `connections` keep-alive connections at once (as wrk or a proxy's pool does), one
    request on each, then how they were spread over the workers; returns how often each split occurred."""
    splits: Counter[str] = Counter()
    request = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
    for _ in range(rounds):
        held = [socket.create_connection(("127.0.0.1", port)) for _ in range(connections)]
        for conn in held:
            conn.sendall(request)
        for conn in held:
            assert b" 200 " in conn.recv(4096)
        spread = connections_per_worker(port)
        splits["-".join(map(str, spread + [0] * (2 - len(spread))))] += 1
        for conn in held:
            conn.close()
    return dict(splits.most_common())


def wrk(url: str, cookie: str, seconds: int, connections: int, port: int) -> dict[str, Any]:
    command = [
        "wrk",
        "-t",
        "2",
        "-c",
        str(connections),
        "-d",
        f"{seconds}s",
        "--latency",
        "--timeout",
        "30s",
        "-H",
        f"Cookie: {cookie}",
    ]
    load = subprocess.Popen([*command, url], stdout=subprocess.PIPE, text=True)
    time.sleep(seconds / 2)  # halfway: every connection is open and busy
    spread = connections_per_worker(port)
    out, _ = load.communicate(timeout=seconds + 30)
    latency = _latencies(out)
    if "Non-2xx or 3xx responses" in out or "Socket errors" in out or set(latency) != {"50", "99"}:
        raise RuntimeError(out)
    return {
        "requests_per_s": float(re.search(r"Requests/sec:\s+([\d.]+)", out)[1]),
        "p50_ms": latency["50"],
        "p99_ms": latency["99"],
        "connections_per_worker": spread,
    }


def _latencies(out: str) -> dict[str, float]:
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}
    return {
        pct: round(float(value) * scale[unit], 2)
        for pct, value, unit in re.findall(r"^\s+(50|99)%\s+([\d.]+)(us|ms|s)\s*$", out, re.MULTILINE)
    }


def run(
    deals: int,
    workers: list[int],
    seconds: int,
    connections: int,
    database_url: str,
    rounds: int = 0,
    shared: bool = False,
) -> dict[str, Any]:
    tmp = None if database_url else Path(tempfile.mkdtemp(prefix="salesdesk-bench-"))
    url = database_url or f"sqlite+aiosqlite:///{tmp / 'bench.db'}"
    data: Dataset = run_async(seed(url, deals))
    figures: dict[str, Any] = {"deals": deals, "database": url.split("+")[0], "connections": connections}
    for count in workers:
        with serving(url, count, shared) as (base, port, _):
            if rounds and count > 1:
                figures[f"{count}w_bursts"] = bursts(port, connections, rounds)
                print(f"{count} worker(s) {'bursts':>10}: {figures[f'{count}w_bursts']}")
            if not seconds:
                continue
            with httpx.Client(base_url=base) as client:  # closed: its connection would count as one of the load's
                log_in(client, data.rep_email)
                cookie = "; ".join(f"{name}={value}" for name, value in client.cookies.items())
            for name, path in PATHS.items():
                result = wrk(base + path, cookie, seconds, connections, port)
                figures[f"{count}w_{name}"] = result
                print(f"{count} worker(s) {name:>10}: {result}")
    if tmp is not None:
        shutil.rmtree(tmp, ignore_errors=True)
    print(json.dumps(figures, ensure_ascii=False))
    return figures

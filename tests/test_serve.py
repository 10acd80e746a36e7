"""`salesdesk serve --workers 2`: both workers start and serve, none is killed as unresponsive, new
connections reach both workers (each on its own SO_REUSEPORT socket), and `--no-access-log` logs no
request line.

CPU hogs keep both cores busy while the workers import the app, as on the busy 2-core machine
where uvicorn's 5-second health check used to kill a worker at every start.
"""

from __future__ import annotations

import multiprocessing
import re
import subprocess
import sys
import time
import urllib.request

import pytest

from salesdesk import migrate
from tests.browser.conftest import ROOT, _free_port, _server_env, _wait_for_output

# This checkout's code: the venv's `salesdesk` script imports whichever tree it was installed from.
SALESDESK = [sys.executable, "-c", "from salesdesk.cli import main; main()"]
STARTED = b"Application startup complete"


def _hog(seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        pass


def _serve(db_url: str, port: int, *options: str) -> subprocess.Popen:
    command = [*SALESDESK, "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", "2", *options]
    env = _server_env(db_url) | {"PYTHONUNBUFFERED": "1"}
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


def _started(server: subprocess.Popen, workers: int, timeout: float) -> bytes:
    """The output until `workers` workers have completed their start-up (or it exits, or time runs out)."""
    output = b""
    while output.count(STARTED) < workers:
        started = _wait_for_output(server, STARTED, timeout)
        output += started.output
        if not started.ready:
            break
    return output


def _stop(server: subprocess.Popen, output: bytes) -> str:
    server.terminate()
    rest, _ = server.communicate(timeout=40)
    return (output + rest).decode(errors="replace")


def _get(port: int) -> int:
    """A request on a new connection (urllib does not keep connections alive)."""
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=10) as response:
        return response.status


@pytest.mark.slow(seconds=20)
def test_two_workers_start_on_a_busy_machine_none_is_restarted_and_both_get_connections(fresh_database):
    db_url = fresh_database("sqlite", "serve")  # the supervisor does not depend on the database
    migrate.upgrade(db_url)
    port = _free_port()
    hogs = [multiprocessing.Process(target=_hog, args=(12,)) for _ in range(4)]
    for hog in hogs:
        hog.start()
    server = _serve(db_url, port)
    try:
        output = _started(server, 2, 60)
        for hog in hogs:
            hog.join()
        statuses = [_get(port) for _ in range(20)]
    finally:
        for hog in hogs:
            hog.kill()
        log = _stop(server, output)

    assert log.count("Application startup complete") == 2, log
    assert "died" not in log and "failed to start" not in log, log
    assert statuses == [200] * 20
    workers = set(re.findall(r"Started server process \[(\d+)\]", log))
    answered_by = re.findall(r'\[(\d+)\] 127\.0\.0\.1:\d+ - "GET /healthz HTTP/1\.1" 200', log)
    assert len(answered_by) == 20 and set(answered_by) == workers and len(workers) == 2, log


def test_no_access_log_logs_no_request_line(fresh_database):
    db_url = fresh_database("sqlite", "serve_quiet")
    migrate.upgrade(db_url)
    port = _free_port()
    server = _serve(db_url, port, "--no-access-log")
    try:
        output = _started(server, 2, 60)
        statuses = [_get(port) for _ in range(4)]
    finally:
        log = _stop(server, output)

    assert statuses == [200] * 4 and log.count("Application startup complete") == 2, log
    assert "GET /healthz" not in log and "died" not in log, log

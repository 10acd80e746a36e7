"""`salesdesk serve --workers 2`: both workers start and serve, none is killed as unresponsive.

CPU hogs keep both cores busy while the workers import the app, as on the busy 2-core machine
where uvicorn's 5-second health check used to kill a worker at every start.
"""

from __future__ import annotations

import multiprocessing
import subprocess
import time
import urllib.request

from salesdesk import migrate
from tests.browser.conftest import ROOT, SALESDESK, _free_port, _server_env, _wait_for_output


def _hog(seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        pass


def test_two_workers_start_on_a_busy_machine_and_none_is_restarted(fresh_database):
    db_url = fresh_database("sqlite", "serve")  # the supervisor does not depend on the database
    migrate.upgrade(db_url)
    port = _free_port()
    hogs = [multiprocessing.Process(target=_hog, args=(12,)) for _ in range(4)]
    for hog in hogs:
        hog.start()
    server = subprocess.Popen(
        [str(SALESDESK), "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", "2"],
        cwd=ROOT,
        env=_server_env(db_url) | {"PYTHONUNBUFFERED": "1"},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        first = _wait_for_output(server, b"Application startup complete", 60)
        output = first.output
        if first.ready and output.count(b"Application startup complete") < 2:
            output += _wait_for_output(server, b"Application startup complete", 60).output
        for hog in hogs:
            hog.join()
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as response:
            assert response.status == 200
    finally:
        for hog in hogs:
            hog.kill()
        server.terminate()
        rest, _ = server.communicate(timeout=20)
    log = (output + rest).decode(errors="replace")

    assert log.count("Application startup complete") >= 2, log
    assert "died" not in log and "failed to start" not in log, log

"""Schemathesis against /api/v1/openapi.json, on a live server holding the demo data.

Schemathesis lives in its own virtualenv (.venv-schemathesis, from tools/schemathesis/
requirements.txt, installed by scripts/test): its HTTP stack must not meet the app's. It
generates valid and invalid requests for every operation (a bounded number each, with a fixed
seed so CI runs the same cases) and checks that nothing answers 5xx, and that every status,
content type and body is the one the schema documents. (Not `negative_data_rejection`: Litestar
decodes bodies leniently, e.g. 0 as false, which is harmless and not ours to change.)
"""

from __future__ import annotations

import subprocess
import threading

import pytest

from salesdesk import migrate
from tests.browser.conftest import ROOT, SALESDESK, _drain, _free_port, _server_env, _wait_for_output

SCHEMATHESIS = ROOT / ".venv-schemathesis" / "bin" / "schemathesis"
ARTIFACTS = ROOT / "test-artifacts" / "schemathesis"
EXAMPLES = 15  # per operation and phase
CHECKS = ",".join(
    (
        "not_a_server_error",
        "status_code_conformance",
        "content_type_conformance",
        "response_schema_conformance",
    )
)


def _run(args: list[str], env: dict[str, str]) -> str:
    done = subprocess.run([str(SALESDESK), *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, f"salesdesk {' '.join(args)}:\n{done.stdout}\n{done.stderr}"
    return done.stdout


@pytest.mark.slow(seconds=90)
@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_no_operation_answers_5xx_or_outside_its_schema(backend, fresh_database):
    if not SCHEMATHESIS.exists():
        pytest.fail(f"{SCHEMATHESIS} is missing: ./scripts/test installs it.", pytrace=False)
    db_url = fresh_database(backend, "schemathesis")
    migrate.upgrade(db_url)
    env = _server_env(db_url) | {"SALESDESK_API_RATE_PER_MINUTE": "1000000"}
    _run(["demo"], env)
    token = (
        _run(["token", "create", "admin@example.com", "--name", "schemathesis", "--scope", "write"], env)
        .strip()
        .splitlines()[-1]
    )
    artifacts = ARTIFACTS / backend
    artifacts.mkdir(parents=True, exist_ok=True)
    port = _free_port()
    server = subprocess.Popen(
        [str(SALESDESK), "serve", "--host", "127.0.0.1", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        started = _wait_for_output(server, b"Uvicorn running on", 240)  # slow under a loaded CI
        assert started.ready, started.output.decode(errors="replace")
        threading.Thread(target=_drain, args=(server, artifacts / "server.log"), daemon=True).start()
        run = subprocess.run(
            [
                str(SCHEMATHESIS), "run", f"http://127.0.0.1:{port}/api/v1/openapi.json",
                "--header", f"Authorization: Bearer {token}",
                "--checks", CHECKS,
                "--max-examples", str(EXAMPLES),
                "--phases", "examples,coverage,fuzzing",
                "--seed", "20261201",
                "--generation-database", "none",
                "--workers", "1",
                "--no-color",
                "--request-timeout", "30",
            ],
            cwd=artifacts,
            capture_output=True,
            text=True,
            timeout=600,
        )  # fmt: skip
    finally:
        server.terminate()
        server.wait(timeout=20)
    (artifacts / "schemathesis.txt").write_text(run.stdout + run.stderr)
    assert run.returncode == 0, f"{run.stdout[-20000:]}\n{run.stderr[-5000:]}\n(server log: {artifacts}/server.log)"

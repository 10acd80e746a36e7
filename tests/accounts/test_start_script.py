"""`./scripts/start` tells the address it really serves on (PORT=8211 printed :8000 once)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_start_with_a_port_prints_and_serves_that_port(tmp_path):
    (tmp_path / "scripts").mkdir()
    shutil.copy(ROOT / "scripts" / "start", tmp_path / "scripts" / "start")
    (tmp_path / "scripts" / "setup").write_text("#!/bin/sh\n")  # stand-ins: no install, demo or server here
    (tmp_path / ".venv" / "bin").mkdir(parents=True)
    (tmp_path / ".venv" / "bin" / "salesdesk").write_text('#!/bin/sh\necho "salesdesk $*"\n')
    for stub in ("scripts/setup", ".venv/bin/salesdesk"):
        (tmp_path / stub).chmod(0o755)

    done = subprocess.run(
        ["bash", str(tmp_path / "scripts" / "start")],
        env={**os.environ, "PORT": "8211"},
        capture_output=True,
        text=True,
        timeout=10,
        check=True,
    )

    assert "http://127.0.0.1:8211/login" in done.stdout and ":8000" not in done.stdout
    assert "salesdesk serve --host 127.0.0.1 --port 8211" in done.stdout

"""The `salesdesk` command, run as a user runs it (a subprocess on a database of its own)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

SALESDESK = str(Path(sys.executable).parent / "salesdesk")


def run(url: str, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    env = dict(os.environ, SALESDESK_DATABASE_URL=url, SALESDESK_SECRET_KEY="cli-test")
    return subprocess.run([SALESDESK, *args], env=env, capture_output=True, text=True, check=check, timeout=120)


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_demo_prints_the_logins_and_a_second_run_adds_nothing(fresh_database, backend):
    url = fresh_database(backend, "demo")

    first = run(url, "demo")
    second = run(url, "demo")

    assert "rep2@example.com" in first.stdout and "7 users, 2 teams, 15 companies added" in first.stdout
    assert "0 users, 0 teams, 0 companies added" in second.stdout


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_forecast_rebuild_writes_the_cells_of_the_demos_deals(fresh_database, backend):
    url = fresh_database(backend, "rebuild")
    run(url, "demo")

    out = run(url, "forecast", "rebuild").stdout

    forecast_cells, funnel_cells = (int(word) for word in out.split() if word.isdigit())
    assert forecast_cells > 20 and funnel_cells > 20, out
    assert out.endswith("funnel cell(s) written.\n"), out


@pytest.mark.slow(seconds=30)
@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_backup_and_restore_round_trip(fresh_database, backend, tmp_path):
    url = fresh_database(backend, "backup")
    run(url, "demo")
    backup = tmp_path / "salesdesk.backup"
    run(url, "backup", str(backup))
    run(
        url,
        "createuser",
        "--email",
        "after@example.test",
        "--name",
        "後で 追加",
        "--role",
        "rep",
        "--password",
        "long-enough-pw",
    )

    run(url, "restore", "--yes", str(backup))

    again = run(
        url,
        "createuser",
        "--email",
        "after@example.test",
        "--name",
        "後で 追加",
        "--role",
        "rep",
        "--password",
        "long-enough-pw",
        check=False,
    )
    assert again.returncode == 0, again.stderr  # the user added after the backup is gone
    taken = run(
        url, "createuser", "--email", "rep@example.com", "--name", "x", "--password", "long-enough-pw", check=False
    )
    assert taken.returncode == 1 and "すでに登録されています" in taken.stderr  # the demo users came back


def test_createuser_refuses_a_short_password(fresh_database):
    url = fresh_database("sqlite", "createuser")
    run(url, "migrate")

    r = run(url, "createuser", "--email", "a@example.test", "--name", "A", "--password", "short", check=False)

    assert r.returncode == 1 and "10文字以上" in r.stderr

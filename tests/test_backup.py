"""`salesdesk backup` and `restore` fail loudly: a non-zero exit, a message, and nothing created or
overwritten (run as a user runs them: a subprocess)."""

import sqlite3

import pytest

from tests.test_cli import run


def users(url: str) -> list[str]:
    with sqlite3.connect(url.split(":///", 1)[1]) as db:
        return [email for (email,) in db.execute("SELECT email FROM users ORDER BY email")]


def test_backing_up_a_database_that_does_not_exist_fails_and_creates_nothing(tmp_path):
    missing = tmp_path / "data" / "salesdesk.db"
    target = tmp_path / "x.db"

    r = run(f"sqlite+aiosqlite:///{missing}", "backup", str(target), check=False)

    assert r.returncode == 1 and str(missing) in r.stderr and "Backup written" not in r.stdout
    assert not missing.exists() and not missing.parent.exists() and not target.exists()


def test_backing_up_an_empty_file_that_is_no_salesdesk_database_fails_and_writes_nothing(tmp_path):
    empty = tmp_path / "empty.db"
    empty.touch()
    target = tmp_path / "x.db"

    r = run(f"sqlite+aiosqlite:///{empty}", "backup", str(target), check=False)

    assert r.returncode == 1 and "salesdesk migrate" in r.stderr and not target.exists()


def test_backing_up_into_a_missing_folder_fails_with_a_message(fresh_database, tmp_path):
    url = fresh_database("sqlite", "backupdir")
    run(url, "migrate")
    target = tmp_path / "no" / "such" / "x.db"

    r = run(url, "backup", str(target), check=False)

    assert r.returncode == 1 and str(target.parent) in r.stderr and "Traceback" not in r.stderr


def test_backing_up_a_postgresql_database_that_does_not_exist_fails_and_writes_nothing(fresh_database, tmp_path):
    url = fresh_database("postgresql", "backuppg").rsplit("/", 1)[0] + "/salesdesk_no_such_database"
    target = tmp_path / "x.backup"

    r = run(url, "backup", str(target), check=False)

    assert r.returncode == 1 and "salesdesk_no_such_database" in r.stderr and "Traceback" not in r.stderr
    assert not target.exists()


@pytest.mark.parametrize("content", [b"", b"not a database at all" * 100], ids=["empty file", "not a database"])
def test_restoring_a_file_that_is_no_salesdesk_backup_fails_and_keeps_the_data(fresh_database, tmp_path, content):
    url = fresh_database("sqlite", "restorebad")
    run(url, "migrate")
    run(url, "createuser", "--email", "kept@example.test", "--name", "残る", "--password", "long-enough-pw")
    before = users(url)
    bad = tmp_path / "bad.backup"
    bad.write_bytes(content)

    r = run(url, "restore", "--yes", str(bad), check=False)

    assert r.returncode == 1 and "bad.backup" in r.stderr and "Traceback" not in r.stderr
    assert "Restored" not in r.stdout and users(url) == before == ["kept@example.test"]


def test_restoring_a_file_that_is_no_postgresql_backup_fails_and_keeps_the_data(fresh_database, tmp_path):
    url = fresh_database("postgresql", "restorebadpg")
    run(url, "migrate")
    run(url, "createuser", "--email", "kept@example.test", "--name", "残る", "--password", "long-enough-pw")
    bad = tmp_path / "bad.backup"
    bad.write_bytes(b"not a dump" * 100)

    r = run(url, "restore", "--yes", str(bad), check=False)

    assert r.returncode == 1 and "bad.backup" in r.stderr and "Traceback" not in r.stderr
    again = run(
        url, "createuser", "--email", "kept@example.test", "--name", "x", "--password", "long-enough-pw", check=False
    )
    assert again.returncode == 1 and "すでに登録されています" in again.stderr  # the user is still there

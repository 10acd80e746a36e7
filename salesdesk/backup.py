"""Backup and restore: SQLite's online backup API, pg_dump/pg_restore for PostgreSQL."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy.engine import make_url

from salesdesk.settings import Settings

PG_BIN_DIRS = ("/usr/lib/postgresql/17/bin", "/usr/lib/postgresql/16/bin", "/usr/lib/postgresql/15/bin")


class BackupError(Exception):
    """Why a backup or restore did not happen; nothing was created or overwritten."""


def _pg_tool(name: str) -> str:
    for directory in PG_BIN_DIRS:
        candidate = Path(directory) / name
        if candidate.exists():
            return str(candidate)
    found = shutil.which(name)
    if not found:
        raise BackupError(f"{name} not found: install the PostgreSQL client (apt-get install postgresql-client)")
    return found


def _pg_args(database_url: str) -> tuple[list[str], dict[str, str]]:
    url = make_url(database_url)
    args = ["--dbname", url.database or "", "--host", url.host or "localhost", "--port", str(url.port or 5432)]
    if url.username:
        args += ["--username", url.username]
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = url.password
    return args, env


def _open_sqlite(path: Path, missing: str, not_ours: str) -> sqlite3.Connection:
    """An existing salesdesk SQLite database (never created by opening it, unlike sqlite3.connect)."""
    if not path.is_file():
        raise BackupError(missing)
    connection = sqlite3.connect(f"{path.resolve().as_uri()}?mode=rw", uri=True)
    try:
        ours = connection.execute("SELECT 1 FROM sqlite_master WHERE name = 'alembic_version'").fetchone()
    except sqlite3.DatabaseError as error:
        connection.close()
        raise BackupError(f"{not_ours} ({error})") from error
    if not ours:
        connection.close()
        raise BackupError(not_ours)
    return connection


def _partial(target: Path) -> Path:
    """Where a backup is written before it replaces `target`: a failed one never leaves a file behind."""
    if not target.parent.is_dir():
        raise BackupError(f"{target.parent}: no such folder.")
    return target.with_name(f".{target.name}.{os.getpid()}.partial")


def _run(command: list[str], env: dict[str, str]) -> None:
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise BackupError(f"{Path(command[0]).name} failed: {done.stderr.strip() or done.returncode}")


def backup(settings: Settings, target: Path) -> None:
    partial = _partial(target)
    try:
        if settings.is_sqlite:
            source_path = settings.sqlite_path()
            assert source_path is not None
            source = _open_sqlite(
                source_path,
                f"{source_path}: no such database (check SALESDESK_DATABASE_URL).",
                f"{source_path}: not a salesdesk database; run `salesdesk migrate` first.",
            )
            try:
                with sqlite3.connect(partial) as dest:
                    source.backup(dest)  # consistent while the app keeps writing
                dest.close()
            finally:
                source.close()
        else:
            args, env = _pg_args(settings.database_url)
            _run([_pg_tool("pg_dump"), "--format=custom", "--no-owner", "--file", str(partial), *args], env)
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)


def restore(settings: Settings, source: Path) -> None:
    if not source.is_file():
        raise BackupError(f"{source}: no such file.")
    if settings.is_sqlite:
        target_path = settings.sqlite_path()
        assert target_path is not None
        src = _open_sqlite(source, f"{source}: no such file.", f"{source}: not a salesdesk SQLite backup.")
        try:
            with sqlite3.connect(target_path) as dest:
                src.backup(dest)
            dest.close()
        finally:
            src.close()
        return
    with source.open("rb") as file:
        if file.read(5) != b"PGDMP":
            raise BackupError(f"{source}: not a PostgreSQL backup written by `salesdesk backup`.")
    args, env = _pg_args(settings.database_url)
    _run(
        [_pg_tool("pg_restore"), "--clean", "--if-exists", "--no-owner", "--single-transaction", *args, str(source)],
        env,
    )

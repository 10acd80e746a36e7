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


def _pg_tool(name: str) -> str:
    for directory in PG_BIN_DIRS:
        candidate = Path(directory) / name
        if candidate.exists():
            return str(candidate)
    found = shutil.which(name)
    if not found:
        raise RuntimeError(f"{name} not found: install the PostgreSQL client (apt-get install postgresql-client)")
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


def backup(settings: Settings, target: Path) -> None:
    if settings.is_sqlite:
        source_path = settings.sqlite_path()
        assert source_path is not None
        with sqlite3.connect(source_path) as source, sqlite3.connect(target) as dest:
            source.backup(dest)  # consistent while the app keeps writing
        return
    args, env = _pg_args(settings.database_url)
    subprocess.run(
        [_pg_tool("pg_dump"), "--format=custom", "--no-owner", "--file", str(target), *args], check=True, env=env
    )


def restore(settings: Settings, source: Path) -> None:
    if not source.exists():
        raise FileNotFoundError(source)
    if settings.is_sqlite:
        target_path = settings.sqlite_path()
        assert target_path is not None
        with sqlite3.connect(source) as src, sqlite3.connect(target_path) as dest:
            src.backup(dest)
        return
    args, env = _pg_args(settings.database_url)
    subprocess.run(
        [_pg_tool("pg_restore"), "--clean", "--if-exists", "--no-owner", "--single-transaction", *args, str(source)],
        check=True,
        env=env,
    )

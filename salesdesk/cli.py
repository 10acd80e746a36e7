"""The `salesdesk` command."""

from __future__ import annotations

import asyncio
import getpass
import sys
from pathlib import Path
from typing import Any

import click
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

from salesdesk import migrate as migrations
from salesdesk.settings import Settings


def _settings() -> Settings:
    settings = Settings.from_env()
    path = settings.sqlite_path()
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
    return settings


async def _in_session(settings: Settings, work: Any) -> Any:
    """Run `work(session)` in one transaction, committed when it returns."""
    import salesdesk.audit.hook  # noqa: F401  (audit rows for CLI changes too)
    from salesdesk.auth import passwords

    passwords.configure(settings.argon2_time_cost, settings.argon2_memory_kib)
    engine = create_async_engine(settings.database_url)
    try:
        async with async_sessionmaker(engine, expire_on_commit=False)() as session, session.begin():
            return await work(session)
    finally:
        await engine.dispose()


@click.group()
def main() -> None:
    """salesdesk: B2B sales pipeline and accounts."""


@main.command()
def migrate() -> None:
    """Apply database migrations (upgrade to the newest schema)."""
    settings = _settings()
    migrations.upgrade(settings.database_url)
    click.echo("Database is up to date.")


@main.command()
def demo() -> None:
    """Load the demo data (idempotent) and print the demo logins."""
    from salesdesk import demo as demo_data

    settings = _settings()
    migrations.upgrade(settings.database_url)

    async def work(session: AsyncSession) -> dict[str, int]:
        return await demo_data.load(session)

    created = asyncio.run(_in_session(settings, work))
    click.echo(f"Demo data ready ({created['users']} users, {created['teams']} teams added).")
    click.echo(demo_data.logins_text())


@main.command()
@click.option("--email", prompt=True)
@click.option("--name", prompt=True)
@click.option("--role", type=click.Choice(["admin", "manager", "rep"]), default="admin", show_default=True)
@click.option("--team", "team_name", default="", help="Team name (created if missing)")
@click.option("--password", default=None, help="Asked for when not given")
def createuser(email: str, name: str, role: str, team_name: str, password: str | None) -> None:
    """Create a user who can log in."""
    from sqlalchemy import select

    from salesdesk.auth import services
    from salesdesk.auth.models import Team
    from salesdesk.errors import Invalid
    from salesdesk.i18n.messages import error_text

    if password is None:
        password = getpass.getpass("Password: ")
    settings = _settings()

    async def work(session: AsyncSession) -> None:
        team_id = None
        if team_name:
            team = await session.scalar(select(Team).where(Team.name == team_name))
            if team is None:
                team = Team(name=team_name)
                session.add(team)
                await session.flush()
            team_id = team.id
        await services.create_user(session, email=email, name=name, role=role, team_id=team_id, password=password)

    try:
        asyncio.run(_in_session(settings, work))
    except Invalid as error:
        for field, key in error.errors.items():
            click.echo(f"{field}: {error_text(key)}", err=True)
        sys.exit(1)
    click.echo(f"Created {role} {email}.")


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--workers", default=1, show_default=True, type=int)
@click.option("--reload", is_flag=True, help="Restart on code changes (development)")
def serve(host: str, port: int, workers: int, reload: bool) -> None:
    """Serve the app with uvicorn (N worker processes share nothing but the database)."""
    import uvicorn

    _settings()
    uvicorn.run("salesdesk.app:asgi", factory=True, host=host, port=port, workers=workers, reload=reload,
                proxy_headers=True, log_level="info")


@main.command()
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
def backup(file: Path) -> None:
    """Write a consistent backup of the database to FILE."""
    from salesdesk import backup as backups

    backups.backup(_settings(), file)
    click.echo(f"Backup written to {file}.")


@main.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Do not ask for confirmation")
def restore(file: Path, yes: bool) -> None:
    """Replace the database with the backup in FILE."""
    from salesdesk import backup as backups

    if not yes:
        click.confirm("This replaces all data in the database. Continue?", abort=True)
    backups.restore(_settings(), file)
    click.echo(f"Restored from {file}.")

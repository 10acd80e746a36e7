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


def _run_or_refuse(settings: Settings, work: Any) -> Any:
    """_in_session, for a command: what the services refuse is printed field by field, exit 1."""
    from salesdesk.errors import Invalid
    from salesdesk.i18n.messages import error_text

    try:
        return asyncio.run(_in_session(settings, work))
    except Invalid as error:
        for field, key in error.errors.items():
            click.echo(f"{field}: {error_text(key)}", err=True)
        sys.exit(1)


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
    click.echo(
        f"Demo data ready ({created['users']} users, {created['teams']} teams, {created['companies']} companies added)."
    )
    click.echo(f"Demo pipeline ready ({created['deals']} deals added).")
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

    _run_or_refuse(settings, work)
    click.echo(f"Created {role} {email}.")


@main.group("token")
def token_group() -> None:
    """Personal API tokens for /api/v1."""


@token_group.command("create")
@click.argument("email")
@click.option("--name", default="CLI", show_default=True, help="What the token is for")
@click.option("--scope", type=click.Choice(["read", "write"]), default="read", show_default=True)
def token_create(email: str, name: str, scope: str) -> None:
    """Create an API token for the active user EMAIL and print it alone on the last line (shown once)."""
    from salesdesk.auth import tokens
    from salesdesk.auth.forms import TokenForm, parse_token
    from salesdesk.clock import Clock

    settings = _settings()

    async def work(session: AsyncSession) -> str:
        user = await _acting_user(session, email)  # the token is the user's own
        data = parse_token(TokenForm(name=name, scope=scope))
        _token, plain = await tokens.create_token(session, user, Clock(), data)
        return plain

    plain = _run_or_refuse(settings, work)
    click.echo(f"Created a {scope} API token '{name}' for {email}. It is shown only once:")
    click.echo(plain)


@main.command("deliver-webhooks")
@click.option("--once", is_flag=True, help="One pass over what is due, then exit (for cron)")
@click.option("--interval", default=2.0, show_default=True, type=float, help="Seconds between passes")
@click.option("--timeout", default=10.0, show_default=True, type=float, help="Seconds a receiver has to answer")
def deliver_webhooks(once: bool, interval: float, timeout: float) -> None:
    """Send the webhook events of the outbox, signed, retrying failures (docs/api.md, "Webhooks")."""
    import logging

    from salesdesk.webhooks import worker

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)  # it would log every URL, tokens in them too
    done = asyncio.run(worker.serve(_settings().database_url, once=once, interval=interval, timeout=timeout))
    if once:
        click.echo("Another deliverer is running on this database." if done is None else str(done))


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--workers", default=1, show_default=True, type=int, help="Processes, each on its own socket")
@click.option("--reload", is_flag=True, help="Restart on code changes (development)")
@click.option("--no-access-log", is_flag=True, help="Log no request lines (behind a proxy that logs them)")
def serve(host: str, port: int, workers: int, reload: bool, no_access_log: bool) -> None:
    """Serve the app with uvicorn (N worker processes share nothing but the database; salesdesk/serve.py)."""
    from salesdesk import serve as server

    _settings()
    server.serve(host, port, workers, reload=reload, access_log=not no_access_log)


@main.command()
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
def backup(file: Path) -> None:
    """Write a consistent backup of the database to FILE (exits 1, writing nothing, when it cannot)."""
    from salesdesk import backup as backups

    try:
        backups.backup(Settings.from_env(), file)  # not _settings(): a backup creates no folder
    except backups.BackupError as error:
        raise click.ClickException(f"Backup failed: {error}") from error
    click.echo(f"Backup written to {file}.")


@main.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Do not ask for confirmation")
def restore(file: Path, yes: bool) -> None:
    """Replace the database with the backup in FILE."""
    from salesdesk import backup as backups

    if not yes:
        click.confirm("This replaces all data in the database. Continue?", abort=True)
    try:
        backups.restore(_settings(), file)
    except backups.BackupError as error:
        raise click.ClickException(f"Restore failed, the database is unchanged: {error}") from error
    click.echo(f"Restored from {file}.")


# --- import and export of accounts ----------------------------------------------------------


async def _acting_user(session: AsyncSession, email: str | None) -> Any:
    """--as EMAIL (an active user), else the first active admin."""
    from sqlalchemy import func, select

    from salesdesk.audit.hook import set_actor
    from salesdesk.auth.models import Role, User

    query = select(User).where(User.is_active.is_(True))
    if email:
        query = query.where(func.lower(User.email) == email.strip().lower())
    else:
        query = query.where(User.role == Role.admin).order_by(User.id)
    user = await session.scalar(query.limit(1))
    if user is None:
        raise click.ClickException(f"No active user {email}." if email else "No active admin; pass --as EMAIL.")
    set_actor(session, user)
    return user


@main.group("import")
def import_group() -> None:
    """Import data from spreadsheets."""


@import_group.command("accounts")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--mapping",
    "mapping_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help='JSON {"<column header>": "<target>"} over the guessed mapping',
)
@click.option("--commit", is_flag=True, help="Write the import (without it: only a preview)")
@click.option("--json", "as_json", is_flag=True, help="Print the result as one JSON object")
@click.option("--as", "as_email", default=None, help="Acting user's email (default: the first active admin)")
def import_accounts(path: Path, mapping_file: Path | None, commit: bool, as_json: bool, as_email: str | None) -> None:
    """Import companies and persons from a CSV (UTF-8 or Shift_JIS) or XLSX file."""
    import json

    from salesdesk.accounts import importing
    from salesdesk.accounts.import_files import ImportFileError, guess_mapping, mapping_from_names, read_table
    from salesdesk.i18n import gettext

    try:
        table = read_table(path.read_bytes(), path.name)
        names = json.loads(mapping_file.read_text(encoding="utf-8")) if mapping_file else None
        if names is not None and not (isinstance(names, dict) and all(isinstance(v, str) for v in names.values())):
            raise ImportFileError('The mapping file must be a JSON object {"<header>": "<target>"}.')
        mapping = mapping_from_names(table.headers, names) if names else guess_mapping(table.headers)
    except (ImportFileError, ValueError, OSError) as error:
        raise click.ClickException(f"{path.name}: {error}") from error
    settings = _settings()

    async def work(session: AsyncSession) -> Any:
        actor = await _acting_user(session, as_email)
        if commit:
            return await importing.commit(session, actor, table, mapping)
        return await importing.preview(session, actor, table, mapping)

    result = asyncio.run(_in_session(settings, work))
    if as_json:
        click.echo(json.dumps(result.as_json(), ensure_ascii=False))
        return
    click.echo(gettext("Imported.") if commit else gettext("Preview only: nothing was written (add --commit)."))
    click.echo(
        gettext(
            "Companies: %(new)d new, %(matched)d matched", new=result.companies_new, matched=result.companies_matched
        )
    )
    click.echo(
        gettext("Persons: %(new)d new, %(matched)d matched", new=result.persons_new, matched=result.persons_matched)
    )
    for title, issues in (
        (gettext("Invalid rows (not imported)"), result.invalid),
        (gettext("Warnings"), result.warnings),
    ):
        if issues:
            click.echo(f"{title}: {len(issues)}")
            for issue in issues:
                click.echo(f"  {gettext('Row %(row)d', row=issue.row)}: {issue.text(gettext)}")


@main.group("export")
def export_group() -> None:
    """Export data as spreadsheets."""


@export_group.command("accounts")
@click.option("--persons", is_flag=True, help="Persons with their company instead of companies")
@click.option("--format", "file_format", type=click.Choice(["csv", "xlsx"]), default="csv", show_default=True)
@click.option("--encoding", type=click.Choice(["utf-8-sig", "cp932"]), default="utf-8-sig", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="File (default: stdout)")
@click.option("--owner", default=None, help="Only companies owned by this user (email)")
@click.option("--tag", default="", help="Only companies with this tag")
@click.option("--industry", default="", help="Only companies of this industry")
@click.option("--target", is_flag=True, help="Only target accounts")
@click.option("--no-contact-days", type=int, default=None, help="Only companies without contact for N days")
def export_accounts(
    persons: bool,
    file_format: str,
    encoding: str,
    output: Path | None,
    owner: str | None,
    tag: str,
    industry: str,
    target: bool,
    no_contact_days: int | None,
) -> None:
    """Export companies (or persons) in the column layout `salesdesk import accounts` reads."""
    from salesdesk.accounts import exporting
    from salesdesk.accounts.services import CompanyFilter
    from salesdesk.clock import Clock

    settings = _settings()

    async def work(session: AsyncSession) -> Any:
        from sqlalchemy import func, select

        from salesdesk.auth.models import User

        owner_id = None
        if owner:
            owner_id = await session.scalar(select(User.id).where(func.lower(User.email) == owner.strip().lower()))
            if owner_id is None:
                raise click.ClickException(f"No user {owner}.")
        f = CompanyFilter(
            owner_id=owner_id, tag=tag, industry=industry, target="1" if target else "", no_contact_days=no_contact_days
        )
        return await exporting.export_accounts(
            session, f, Clock(), what="persons" if persons else "companies", format=file_format, encoding=encoding
        )

    exported = asyncio.run(_in_session(settings, work))
    if output is None:
        sys.stdout.buffer.write(exported.content)
        sys.stdout.buffer.flush()
    else:
        output.write_bytes(exported.content)
        click.echo(f"Written to {output}.", err=True)
    if exported.replaced:
        click.echo(
            f"{exported.replaced} characters cannot be written in Shift_JIS (CP932) and became '?'. "
            "Use --encoding utf-8-sig to keep them.",
            err=True,
        )


# --- calendar feeds and renewal tasks (salesdesk/calendar/cli.py) ------------------------------
from salesdesk.calendar import cli as calendar_cli  # noqa: E402  (its commands import this module's helpers)

main.add_command(calendar_cli.calendar_group)
main.add_command(calendar_cli.tasks_group)


# --- quotes (salesdesk/quotes/cli.py) ----------------------------------------------------------
from salesdesk.quotes.cli import quotes_group  # noqa: E402

main.add_command(quotes_group)

# --- forecast (salesdesk/pipeline/cli.py) -------------------------------------------------------
from salesdesk.pipeline.cli import forecast_group  # noqa: E402

main.add_command(forecast_group)

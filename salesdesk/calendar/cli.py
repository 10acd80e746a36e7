"""`salesdesk calendar …` and `salesdesk tasks …`: feed URLs, CalDAV connect and sync, and the renewal
tasks (for cron)."""

from __future__ import annotations

import asyncio
import sys

import click
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession


@click.group("calendar")
def calendar_group() -> None:
    """Calendar feeds and CalDAV sync of the users' tasks."""


@calendar_group.command("feed-url")
@click.argument("email")
@click.option("--team", is_flag=True, help="The manager's team feed instead of the user's own")
def feed_url(email: str, team: bool) -> None:
    """Print the user's secret feed URL (made on first use), absolute from SALESDESK_BASE_URL."""
    from salesdesk.auth.models import User
    from salesdesk.calendar import tokens
    from salesdesk.cli import _in_session, _settings
    from salesdesk.errors import Forbidden

    settings = _settings()
    if not settings.base_url:
        click.echo("SALESDESK_BASE_URL is not set: the URL below assumes http://localhost:8000.", err=True)

    async def work(session: AsyncSession) -> str:
        user = await session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))
        if user is None or not user.is_active:
            raise click.ClickException(f"No active user {email}.")
        return await tokens.ensure_token(session, user, team=team)

    try:
        token = asyncio.run(_in_session(settings, work))
    except Forbidden:
        click.echo(f"{email} has no team feed: only managers and admins of a team have one.", err=True)
        sys.exit(1)
    click.echo(tokens.feed_url(settings.base_url or "http://localhost:8000", token))


@calendar_group.command("connect")
@click.argument("email")
@click.option("--url", required=True, help="The calendar's CalDAV address")
@click.option("--username", required=True)
@click.option("--password-stdin", is_flag=True, required=True, help="Read the app password from standard input")
def connect_command(email: str, url: str, username: str, password_stdin: bool) -> None:
    """Connect the user's CalDAV calendar (the settings page does the same); the password is stored encrypted."""
    import httpx

    from salesdesk.calendar import caldav_services as caldav
    from salesdesk.cli import _acting_user, _run_or_refuse, _settings

    settings = _settings()
    form = caldav.ConnectForm(url=url, username=username, password=sys.stdin.readline().rstrip("\r\n"))

    async def work(session: AsyncSession) -> None:
        user = await _acting_user(session, email)
        async with httpx.AsyncClient(follow_redirects=True) as http:
            await caldav.connect(session, user, caldav.parse_connect(form), secret_key=settings.secret_key, http=http)

    _run_or_refuse(settings, work)
    click.echo(f"Connected {email} to {url}.")


@calendar_group.command("sync")
@click.option("--user", "email", default=None, help="Only this user's calendar (and now, even if a retry waits)")
@click.option("--json", "as_json", is_flag=True, help='Print {"users", "pushed", "pulled", "conflicts", "errors"}')
def sync_command(email: str | None, as_json: bool) -> None:
    """Two-way sync of the connected CalDAV calendars whose turn it is (for cron; safe to run twice at once)."""
    import json

    from sqlalchemy.ext.asyncio import create_async_engine

    from salesdesk.calendar import caldav_services as caldav
    from salesdesk.cli import _settings
    from salesdesk.clock import Clock
    from salesdesk.db import engine_options

    settings = _settings()

    async def work() -> caldav.Run:
        import salesdesk.audit.hook  # noqa: F401  (the task changes a sync brings in are audited)

        engine = create_async_engine(settings.database_url, **engine_options(settings.database_url))
        try:
            return await caldav.sync_all(
                engine,
                Clock(),
                secret_key=settings.secret_key,
                base_url=settings.base_url or "http://localhost:8000",
                email=email,
                due_only=email is None,
            )
        finally:
            await engine.dispose()

    run = asyncio.run(work())
    if as_json:
        click.echo(json.dumps(run.as_json(), ensure_ascii=False))
    else:
        click.echo(f"{run.users} calendars: {run.pushed} pushed, {run.pulled} pulled, {run.conflicts} conflicts.")
        for error in run.errors or []:
            click.echo(f"{error['user']}: {error['reason']}", err=True)


@click.group("tasks")
def tasks_group() -> None:
    """Scheduled work on tasks."""


@tasks_group.command("renewals")
@click.option("--json", "as_json", is_flag=True, help='Print {"created": N, "existing": N, "keys": [...]}')
def renewals_command(as_json: bool) -> None:
    """Create the renewal tasks whose day has come (idempotent; safe to run twice at once; for cron)."""
    import json

    from salesdesk.calendar import renewals
    from salesdesk.cli import _in_session, _settings
    from salesdesk.clock import Clock

    async def work(session: AsyncSession) -> renewals.RenewalRun:
        return await renewals.create_renewal_tasks(session, Clock())

    run = asyncio.run(_in_session(_settings(), work))
    if as_json:
        click.echo(json.dumps({"created": len(run.created), "existing": run.existing, "keys": run.created}))
    else:
        click.echo(f"{len(run.created)} renewal tasks created, {run.existing} existed already.")

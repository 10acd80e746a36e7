"""`salesdesk calendar …` and `salesdesk tasks …`: feed URLs and the renewal tasks (for cron)."""

from __future__ import annotations

import asyncio
import sys

import click
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession


@click.group("calendar")
def calendar_group() -> None:
    """Calendar feeds of the users' tasks."""


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

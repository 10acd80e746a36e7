"""`salesdesk quotes …`: scheduled work on quotes (for cron or a systemd timer)."""

from __future__ import annotations

import click
from sqlalchemy.ext.asyncio import AsyncSession


@click.group("quotes")
def quotes_group() -> None:
    """Quotes."""


@quotes_group.command("expire")
def expire() -> None:
    """Mark sent quotes past their valid-until date expired (today in Asia/Tokyo). Safe to run twice at
    once: one UPDATE whose WHERE holds the rule, so each quote is expired once."""
    from salesdesk.cli import _in_session, _settings
    from salesdesk.clock import Clock
    from salesdesk.db import run_async
    from salesdesk.quotes import status

    async def work(session: AsyncSession) -> int:
        return await status.expire_quotes(session, Clock())

    count = run_async(_in_session(_settings(), work))
    click.echo(f"{count} quote(s) expired.")

"""`salesdesk forecast …`: upkeep of the forecast's sums."""

from __future__ import annotations

import click
from sqlalchemy.ext.asyncio import AsyncSession


@click.group("forecast")
def forecast_group() -> None:
    """The forecast's sums."""


@forecast_group.command("rebuild")
def rebuild() -> None:
    """Write the forecast's cells afresh from the deals, in one transaction. Triggers keep them with every
    write; this is for a database loaded with triggers off (session_replication_role = replica)."""
    from salesdesk.cli import _in_session, _settings
    from salesdesk.db import run_async
    from salesdesk.pipeline import cells

    async def work(session: AsyncSession) -> tuple[int, int]:
        return await cells.rebuild(session)

    forecast_cells, funnel_cells = run_async(_in_session(_settings(), work))
    click.echo(f"{forecast_cells} forecast cell(s) and {funnel_cells} funnel cell(s) written.")

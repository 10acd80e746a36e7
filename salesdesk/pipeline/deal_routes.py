"""Deal pages: the deal (summary, buying committee, timeline, next actions), new and edit forms."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from salesdesk.auth.models import User


async def deal_context(db: AsyncSession, actor: User, deal_id: int) -> dict[str, Any]:
    """Everything the deal page and its fragments (e.g. block "next_actions") render from."""
    raise NotImplementedError


ROUTES: list = []

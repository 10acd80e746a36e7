"""Saved views of the company list: a named filter set, the user's own or shared with their team."""

from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from salesdesk.accounts.forms import SavedViewInput
from salesdesk.accounts.models import SavedView
from salesdesk.auth.models import Role, User
from salesdesk.errors import Forbidden, NotFound


async def list_saved_views(db: AsyncSession, actor: User) -> list[SavedView]:
    mine = SavedView.user_id == actor.id
    shared = SavedView.shared.is_(True) & (SavedView.team_id == actor.team_id) if actor.team_id else None
    query = select(SavedView).where(or_(mine, shared) if shared is not None else mine).order_by(SavedView.name)
    return list(await db.scalars(query))


async def save_view(db: AsyncSession, actor: User, data: SavedViewInput) -> SavedView:
    """A view shared by someone without a team stays their own."""
    view = SavedView(
        user_id=actor.id,
        team_id=actor.team_id if data.shared else None,
        name=data.name,
        query=data.query,
        shared=data.shared and actor.team_id is not None,
    )
    db.add(view)
    await db.flush()
    return view


async def delete_view(db: AsyncSession, actor: User, view_id: int) -> None:
    view = await db.get(SavedView, view_id)
    if view is None or (view.user_id != actor.id and not (view.shared and view.team_id == actor.team_id)):
        raise NotFound("saved_view")
    if view.user_id != actor.id and actor.role != Role.admin:
        raise Forbidden("saved_view.delete")
    await db.delete(view)
    await db.flush()

"""Who sees and who changes a deal: the query form of auth.policy's deal rules.

`visible_deals(actor)` is the only who-sees-what rule for deals: every list, board, total,
export and lookup starts from it, so a deal the actor may not see is never listed and is 404
when asked for. One deliberate exception: the company page's won total and open pipeline are
the account's value to the whole company, so they sum every deal of it (company_deals.py) and
say how many deals they count that the reader cannot open. Tasks follow the same owner/team
rule.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, Select, bindparam, false, or_, select, true
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload

from salesdesk.auth import policy
from salesdesk.auth.models import Role, User
from salesdesk.db import StatementCache, loaded
from salesdesk.errors import Forbidden, NotFound
from salesdesk.pipeline.models import Deal


def owned_by_visible(actor: User, owner_column: ColumnElement) -> ColumnElement[bool]:
    """`owner_column` names someone whose deals (or tasks) the actor sees: admins all, the others
    their own and their team's, managers also nobody's (the one who-sees-what rule of deals and tasks)."""
    if actor.role == Role.admin:
        return true()
    seen = [owner_column == actor.id]
    if actor.team_id is not None:
        seen.append(owner_column.in_(select(User.id).where(User.team_id == actor.team_id).scalar_subquery()))
    if actor.role == Role.manager:
        seen.append(owner_column.is_(None))
    return or_(*seen) if seen else false()


def visibility(actor: User) -> ColumnElement[bool]:
    return owned_by_visible(actor, Deal.owner_id)


def visible_deals(actor: User) -> Select[tuple[Deal]]:
    return select(Deal).where(visibility(actor))


STATEMENTS = StatementCache()  # a deal as each actor may see it, built once per actor (db.StatementCache)


async def get_deal(db: AsyncSession, actor: User, deal_id: int) -> Deal:
    """The deal with its stage, company, owner and lost reason; NotFound unless the actor sees it."""
    deal = await db.scalar(
        STATEMENTS.get(
            ("deal", actor.id, actor.role, actor.team_id),
            lambda: (
                visible_deals(actor)
                .where(Deal.id == bindparam("deal_id"))
                .options(
                    joinedload(Deal.stage),
                    joinedload(Deal.company),
                    joinedload(Deal.owner),
                    joinedload(Deal.lost_reason),
                )
            ),
        ),
        {"deal_id": deal_id},
    )
    if deal is None:
        raise NotFound("deal")
    return deal


async def team_of(db: AsyncSession, user_id: int | None) -> int | None:
    if user_id is None:
        return None
    return await db.scalar(select(User.team_id).where(User.id == user_id))


async def may_edit(db: AsyncSession, actor: User, deal: Deal) -> bool:
    owner = loaded(deal, "owner")  # get_deal loads it: no query for the owner's team then
    known = owner is not None and owner.id == deal.owner_id
    owner_team_id = owner.team_id if known else await team_of(db, deal.owner_id)
    return policy.may_edit_deal(actor, owner_id=deal.owner_id, owner_team_id=owner_team_id)


async def ensure_may_edit(db: AsyncSession, actor: User, deal: Deal) -> None:
    if not await may_edit(db, actor, deal):
        raise Forbidden("deal.edit")


async def assignable_users(db: AsyncSession, actor: User) -> list[User]:
    """Whom the actor may make the owner of a deal or task (policy.may_assign_deal_to)."""
    query = select(User).where(User.is_active.is_(True)).order_by(User.name, User.id)
    if actor.role == Role.admin:
        return list(await db.scalars(query))
    if actor.role == Role.manager and actor.team_id is not None:
        return list(await db.scalars(query.where(or_(User.team_id == actor.team_id, User.id == actor.id))))
    return [actor]

"""A company's group (親会社・子会社): the companies linked to it through their parents, whatever the depth."""

from __future__ import annotations

from sqlalchemy import Select, bindparam, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from salesdesk.accounts.models import Company


def _group_members() -> Select:
    """One statement, built once: walk up from :company_id to the top parent, then down to every member."""
    company_id = bindparam("company_id")
    up = select(Company.id, Company.parent_id).where(Company.id == company_id).cte("up", recursive=True)
    up = up.union_all(select(Company.id, Company.parent_id).join(up, Company.id == up.c.parent_id))
    top = select(up.c.id).where(up.c.parent_id.is_(None)).limit(1).scalar_subquery()
    down = select(Company.id).where(Company.id == func.coalesce(top, company_id)).cte("down", recursive=True)
    down = down.union_all(select(Company.id).join(down, Company.parent_id == down.c.id))
    return select(Company).where(Company.id.in_(select(down.c.id))).order_by(Company.kana_key)


GROUP_MEMBERS = _group_members()


async def group_tree(db: AsyncSession, company: Company) -> list[tuple[int, Company]]:
    """The company's group (親会社・子会社) as (depth, company) rows from the top parent down."""
    members = list(await db.scalars(GROUP_MEMBERS, {"company_id": company.id}))
    ids = {m.id for m in members}
    root_id = next((m.id for m in members if m.parent_id not in ids), company.id)
    if len(members) <= 1:
        return []
    children: dict[int | None, list[Company]] = {}
    for member in members:
        children.setdefault(member.parent_id, []).append(member)
    rows: list[tuple[int, Company]] = []

    def walk(node: Company, depth: int) -> None:
        rows.append((depth, node))
        for child in children.get(node.id, []):
            if depth < 20:
                walk(child, depth + 1)

    walk(next(m for m in members if m.id == root_id), 0)
    return rows


async def group_ids(db: AsyncSession, company: Company) -> list[int]:
    return [member.id for _, member in await group_tree(db, company)] or [company.id]

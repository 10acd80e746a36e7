"""Picking a company by name in a form (the parent company): suggestions as the user types, by the header
search's engine, and the one company a typed name means, or none (the form says so; nothing is dropped)."""

from __future__ import annotations

import re
from collections import Counter

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from salesdesk.accounts import normalize as norm
from salesdesk.accounts import search
from salesdesk.accounts.models import Company

PICKED = re.compile(r"\(#(\d+)\)$")  # "サンプル株式会社 (#12)": the suggestion for one of two like-named companies


async def find_company(db: AsyncSession, typed: str) -> int | None:
    """The ID from a suggestion, else the company of that name (名寄せ key), else the only company the header
    search finds; None when nothing or several match."""
    if picked := PICKED.search(typed):
        return int(picked.group(1))
    named = list(
        await db.scalars(select(Company.id).where(Company.normalized_name == norm.company_key(typed)).limit(2))
    )
    if not named and (found := search.matching_ids(typed, "company", limit=2)) is not None:
        named = list(await db.scalars(found))
    return named[0] if len(named) == 1 else None


async def suggestions(db: AsyncSession, q: str) -> list[tuple[str, Company]]:
    """(value to put in the field, company) for what the user typed so far; a name that two companies share
    carries the ID in its value, so the pick stays unambiguous."""
    found = search.matching_ids(q, "company")
    if found is None:
        return []
    companies = list(
        await db.scalars(select(Company).where(Company.id.in_(found)).order_by(Company.kana_key, Company.id))
    )
    shared = Counter(c.normalized_name for c in companies)
    return [(f"{c.name} (#{c.id})" if shared[c.normalized_name] > 1 else c.name, c) for c in companies]

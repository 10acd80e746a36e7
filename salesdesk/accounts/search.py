"""The header search: companies and persons by name, kana, email or phone.

Every searchable key is stored in `search_terms` (suffixes of names and kana, emails and web hosts from
each word on, phone digits and their tails of 4 digits or more), so a query is a handful of prefix range
scans on one index, whatever the table size: no LIKE '%…%' over 20,000 persons per keystroke.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from sqlalchemy import ColumnElement, delete, insert, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from salesdesk.accounts import normalize as norm
from salesdesk.accounts.models import Company, Person, SearchTerm
from salesdesk.auth.models import User

LIMIT = 20


def probe_keys(q: str) -> set[str]:
    """The keys a query may match: as a name, as kana (ひらがな too), as email, as phone."""
    q = norm.nfkc(q)
    if not q:
        return set()
    if norm.looks_like_phone(q):
        return {norm.phone_digits(q)}
    keys = {norm.compact(q), norm.company_key(q), norm.kana_key(q), norm.katakana(norm.company_key(q))}
    if "@" in q:
        keys.add(norm.email_key(q))
    return {k[: norm.TERM_CHARS] for k in keys if k}  # a longer key would run past every stored term


def _prefix(column: ColumnElement[str], key: str) -> ColumnElement[bool]:
    """key ≤ column < key with its last character bumped: an index range (C collation on PostgreSQL)."""
    upper = key[:-1] + chr(ord(key[-1]) + 1)
    return (column >= key) & (column < upper)


def matching_ids(q: str, entity: str, limit: int | None = LIMIT):  # noqa: ANN201 - a Select
    keys = probe_keys(q)
    if not keys:
        return None
    # `entity || ''` keeps the planner off ix_search_terms_entity: SQLite (no statistics) would rather scan every
    # term of every person by `entity = ?` than range-scan the term index.
    query = (
        select(SearchTerm.entity_id)
        .where(SearchTerm.entity.concat("") == entity)
        .where(or_(*(_prefix(SearchTerm.term, k) for k in keys)))
        .distinct()
    )
    return query.limit(limit) if limit else query


@dataclass
class Results:
    q: str
    companies: list[Company]
    persons: list[Person]

    def __bool__(self) -> bool:
        return bool(self.companies or self.persons)


async def search(db: AsyncSession, actor: User, q: str) -> Results:
    """Everyone reads every account, so search needs no rights filter."""
    company_ids = matching_ids(q, "company")
    person_ids = matching_ids(q, "person")
    if company_ids is None or person_ids is None:
        return Results(q, [], [])
    companies = list(
        await db.scalars(
            select(Company)
            .where(Company.id.in_(list(await db.scalars(company_ids))))
            .options(selectinload(Company.owner))
            .order_by(Company.kana_key, Company.id)
        )
    )
    persons = list(
        await db.scalars(
            select(Person)
            .where(Person.id.in_(list(await db.scalars(person_ids))))
            .options(selectinload(Person.company), selectinload(Person.department))
            .order_by(Person.left_company, Person.kana_key, Person.id)
        )
    )
    return Results(q, companies, persons)


# --- the index, kept by the services that write companies and persons ---


def company_terms(company: Company) -> set[str]:
    terms = norm.suffixes(company.normalized_name) | norm.suffixes(company.kana_key)
    terms |= norm.digit_suffixes(company.phone_digits) | {company.corporate_number or ""}
    terms |= norm.word_suffixes(urlsplit(company.website).hostname or "")
    return {t[:254] for t in terms if t}


async def replace_terms(db: AsyncSession, entity: str, entity_id: int, terms: set[str]) -> None:
    await db.execute(delete(SearchTerm).where(SearchTerm.entity == entity, SearchTerm.entity_id == entity_id))
    if terms:
        await db.execute(insert(SearchTerm), [{"entity": entity, "entity_id": entity_id, "term": t} for t in terms])


async def index_company(db: AsyncSession, company: Company) -> None:
    await replace_terms(db, "company", company.id, company_terms(company))

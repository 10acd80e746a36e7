"""Writing an import plan: bulk INSERTs (thousands of rows per statement), never an ORM flush
per row, so a 10,000-row file takes seconds.

Derived keys are computed by the services' own functions (apply_keys, apply_person_keys,
company_terms, person_terms) on transient model instances that never join the session.
Everything happens in the caller's transaction with no commit: when anything fails, the
caller rolls back and nothing of the file is kept. Bulk statements bypass the audit hook, so
one AuditEntry (action "import") records who imported which file and the counts.

A 100,000-row file must not stall the server: statements go in batches of BATCH rows (SQLAlchemy
prepares all parameters of one execute before its first await), and the model instances that
derive keys and search terms are built in a worker thread.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, delete, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from salesdesk.accounts.import_plans import COMPANY_FIELDS, PERSON_FIELDS, CompanyPlan, PersonPlan, Plan
from salesdesk.accounts.models import (
    Activity,
    Company,
    CompanyTag,
    Department,
    Person,
    PersonMove,
    SearchTerm,
    activity_persons,
)
from salesdesk.accounts.people import apply_person_keys, person_terms
from salesdesk.accounts.search import company_terms
from salesdesk.accounts.services import apply_keys
from salesdesk.audit.models import AuditEntry
from salesdesk.auth.models import User
from salesdesk.db import UTCDateTime, utcnow
from salesdesk.i18n import local_today

COMPANY_KEYS = ("normalized_name", "kana_key", "phone_digits")
PERSON_KEYS = ("name_key", "kana_key", "email_key", "phone_digits", "mobile_digits")
BATCH = 1000  # rows per statement: each execute is a moment the event loop serves other requests


def _batches(rows: list[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    for start in range(0, len(rows), BATCH):
        yield rows[start : start + BATCH]


def _company(plan: CompanyPlan) -> Company:
    """A transient Company with the plan's values (over the current ones) and its derived keys."""
    company = Company(**{k: plan.get(k) for k in COMPANY_FIELDS})
    apply_keys(company)
    return company


def _person(plan: PersonPlan) -> Person:
    person = Person(**{k: plan.get(k) for k in PERSON_FIELDS})
    apply_person_keys(person)
    return person


async def _insert_returning_ids(db: AsyncSession, model: Any, now: datetime, rows: list[dict[str, Any]]) -> list[int]:
    """INSERT many rows, returning their new ids in the order of `rows`.

    Ordered RETURNING (sort_by_parameter_order) makes SQLite run one INSERT per row, so each
    row gets its own created_at, a microsecond apart, and the returned (id, created_at) pairs
    map back to the rows in any order.
    """
    if not rows:
        return []
    for offset, row in enumerate(rows):
        row["created_at"] = row["updated_at"] = now + timedelta(microseconds=offset)
    table = model.__table__
    ids: dict[datetime, int] = {}
    for batch in _batches(rows):
        found = await db.execute(insert(table).returning(table.c.id, table.c.created_at), batch)
        ids.update({created_at: row_id for row_id, created_at in found})
    return [ids[row["created_at"]] for row in rows]


async def _insert(db: AsyncSession, table: Any, rows: list[dict[str, Any]]) -> None:
    for batch in _batches(rows):
        await db.execute(insert(table), batch)


async def _update_by_id(db: AsyncSession, model: Any, rows: list[dict[str, Any]], now: datetime) -> None:
    """UPDATE … WHERE id = ? for rows of differing columns, grouped by their columns; bumps version."""
    table = model.__table__
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for row in rows:
        groups.setdefault(tuple(sorted(row)), []).append({f"b_{k}": v for k, v in row.items()})
    for keys, params in groups.items():
        values: dict[str, Any] = {k: bindparam(f"b_{k}", type_=table.c[k].type) for k in keys if k != "id"}
        statement = (
            update(table)
            .where(table.c.id == bindparam("b_id"))
            .values(values | {"version": table.c.version + 1, "updated_at": now})
        )
        for batch in _batches(params):
            await db.execute(statement, batch)


def _terms(entity: str, entity_id: int, terms: set[str]) -> list[dict[str, Any]]:
    return [{"entity": entity, "entity_id": entity_id, "term": term} for term in terms]


async def _replace_terms(db: AsyncSession, entity: str, rows: list[dict[str, Any]]) -> None:
    ids = list({row["entity_id"] for row in rows})
    for start in range(0, len(ids), 500):
        part = ids[start : start + 500]
        await db.execute(delete(SearchTerm).where(SearchTerm.entity == entity, SearchTerm.entity_id.in_(part)))
    await _insert(db, SearchTerm.__table__, rows)


def _new_companies(new: list[CompanyPlan], now: datetime) -> tuple[list[Company], list[dict[str, Any]]]:
    models = [_company(c) for c in new]
    rows = [
        {
            **{k: getattr(m, k) for k in COMPANY_FIELDS + COMPANY_KEYS},
            "is_target": bool(m.is_target),
            "version": 1,
            "created_at": now,
            "updated_at": now,
        }
        for m in models
    ]
    return models, rows


def _new_terms(entity: str, plans: list[Any], models: list[Any], ids: list[int]) -> list[dict[str, Any]]:
    """Gives each new plan its id; the search terms of them all."""
    terms_of = company_terms if entity == "company" else person_terms
    terms: list[dict[str, Any]] = []
    for planned, model, new_id in zip(plans, models, ids, strict=True):
        planned.id = new_id
        terms += _terms(entity, new_id, terms_of(model))
    return terms


def _company_changes(filled: list[CompanyPlan]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    changes, terms = [], []
    for company in filled:
        assert company.id is not None
        model = _company(company)
        changes.append({"id": company.id, **company.values, **{k: getattr(model, k) for k in COMPANY_KEYS}})
        terms += _terms("company", company.id, company_terms(model))
    return changes, terms


async def write_companies(db: AsyncSession, plan: Plan, now: datetime) -> None:
    new = [c for c in plan.companies if c.id is None]
    models, rows = await asyncio.to_thread(_new_companies, new, now)
    ids = await _insert_returning_ids(db, Company, now, rows)
    await _insert(db, SearchTerm.__table__, await asyncio.to_thread(_new_terms, "company", new, models, ids))
    filled = [c for c in plan.companies if c.current is not None and c.values]
    changes, terms = await asyncio.to_thread(_company_changes, filled)
    await _update_by_id(db, Company, changes, now)
    await _replace_terms(db, "company", terms)
    await _insert(
        db, CompanyTag.__table__, [{"company_id": c.id, "name": tag} for c in plan.companies for tag in sorted(c.tags)]
    )


async def link_parents(db: AsyncSession, plan: Plan) -> None:
    """Parents named in the file, now that every company of it exists (a parent may come after its subsidiary)."""
    wanted = {c.id: c.parent for c in plan.companies if c.parent and c.id is not None}
    if not wanted:
        return
    found = await db.execute(
        select(Company.id, Company.normalized_name).where(Company.normalized_name.in_(set(wanted.values())))
    )
    ids: dict[str, list[int]] = {}
    for company_id, key in found:
        ids.setdefault(key, []).append(company_id)
    for company_id, key in wanted.items():
        if len(ids.get(key, [])) == 1 and ids[key][0] != company_id:
            await db.execute(
                update(Company)
                .where(Company.id == company_id, Company.parent_id.is_(None))
                .values(parent_id=ids[key][0])
            )


async def write_departments(db: AsyncSession, plan: Plan, now: datetime) -> dict[tuple[int, tuple[str, ...]], int]:
    """Every department path of the file, level by level (a level's parents exist before it)."""
    existing = [c.id for c in plan.companies if c.current is not None and c.departments]
    found = []
    for start in range(0, len(existing), 500):
        found += (
            await db.execute(
                select(Department.id, Department.company_id, Department.parent_id, Department.name).where(
                    Department.company_id.in_(existing[start : start + 500])
                )
            )
        ).all()
    by_id = {d.id: d for d in found}
    paths: dict[int, tuple[str, ...]] = {}

    def path(dept_id: int, depth: int = 0) -> tuple[str, ...]:
        if dept_id not in paths:
            dept = by_id[dept_id]
            parent = path(dept.parent_id, depth + 1) if dept.parent_id in by_id and depth < 50 else ()
            paths[dept_id] = (*parent, dept.name)
        return paths[dept_id]

    ids: dict[tuple[int, tuple[str, ...]], int] = {}
    for dept in found:
        ids.setdefault((dept.company_id, path(dept.id)), dept.id)
    wanted = sorted(
        {(c.id, p) for c in plan.companies for p in c.departments if (c.id, p) not in ids},
        key=lambda item: len(item[1]),
    )
    depth = 1
    while wanted:
        level = [item for item in wanted if len(item[1]) == depth]
        wanted = [item for item in wanted if len(item[1]) != depth]
        rows = [
            {
                "company_id": company_id,
                "parent_id": ids[(company_id, p[:-1])] if len(p) > 1 else None,
                "name": p[-1],
                "version": 1,
                "created_at": now,
                "updated_at": now,
            }
            for company_id, p in level
        ]
        for item, dept_id in zip(level, await _insert_returning_ids(db, Department, now, rows), strict=True):
            ids[item] = dept_id
        depth += 1
    return ids


async def write_persons(db: AsyncSession, actor: User, plan: Plan, departments: dict, now: datetime) -> None:
    def department_id(person: PersonPlan) -> int | None:
        return departments[(person.company.id, person.department)] if person.department else None

    def new_rows(new: list[PersonPlan]) -> tuple[list[Person], list[dict[str, Any]]]:
        models = [_person(p) for p in new]
        return models, [
            {
                **{k: getattr(m, k) for k in PERSON_FIELDS + PERSON_KEYS},
                "company_id": p.company.id,
                "department_id": department_id(p),
                "stance": "neutral",
                "left_company": False,
                "notes": "",
                "version": 1,
                "created_at": now,
                "updated_at": now,
            }
            for p, m in zip(new, models, strict=True)
        ]

    def filled_changes(filled: list[PersonPlan]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        changes, terms = [], []
        for person in filled:
            assert person.id is not None
            model = _person(person)
            department = {"department_id": department_id(person)} if person.department else {}
            keys = {k: getattr(model, k) for k in PERSON_KEYS}
            changes.append({"id": person.id, **person.values, **department, **keys})
            terms += _terms("person", person.id, person_terms(model))
        return changes, terms

    new = [p for p in plan.persons if p.id is None]
    models, rows = await asyncio.to_thread(new_rows, new)
    ids = await _insert_returning_ids(db, Person, now, rows)
    await _insert(db, SearchTerm.__table__, await asyncio.to_thread(_new_terms, "person", new, models, ids))
    filled = [p for p in plan.persons if p.current is not None and (p.values or p.department)]
    changes, terms = await asyncio.to_thread(filled_changes, filled)
    await _update_by_id(db, Person, changes, now)
    await _replace_terms(db, "person", terms)
    today = local_today()
    moved = [p for p in new if p.department or p.get("title")]
    moved += [p for p in filled if p.department or "title" in p.values]
    await _insert(
        db,
        PersonMove.__table__,
        [
            {
                "person_id": p.id,
                "effective_on": today,
                "department_name": " > ".join(p.department),
                "title": p.get("title") or "",
                "recorded_at": now,
                "recorded_by_id": actor.id,
            }
            for p in moved
        ],
    )


async def write_activities(db: AsyncSession, actor: User, plan: Plan, now: datetime) -> None:
    ids = await _insert_returning_ids(
        db,
        Activity,
        now,
        [
            {
                "kind": "note",
                "occurred_at": a.occurred_at,
                "subject": a.subject,
                "body": a.body,
                "company_id": a.company.id,
                "user_id": actor.id,
                "version": 1,
                "created_at": now,
                "updated_at": now,
            }
            for a in plan.activities
        ],
    )
    await _insert(
        db,
        activity_persons,
        [
            {"activity_id": activity_id, "person_id": a.person.id}
            for a, activity_id in zip(plan.activities, ids, strict=True)
            if a.person
        ],
    )
    latest: dict[int, datetime] = {}
    for activity in plan.activities:
        company_id = activity.company.id
        assert company_id is not None
        if activity.contact and (company_id not in latest or latest[company_id] < activity.occurred_at):
            latest[company_id] = activity.occurred_at
    if latest:  # like timeline.touch_last_contact: a Core UPDATE, no version bump
        table = Company.__table__
        at = bindparam("b_at", type_=UTCDateTime())
        statement = (
            update(table)
            .where(table.c.id == bindparam("b_id"))
            .where(or_(table.c.last_contact_at.is_(None), table.c.last_contact_at < at))
            .values(last_contact_at=at)
        )
        await db.execute(statement, [{"b_id": k, "b_at": v} for k, v in latest.items()])


async def write(db: AsyncSession, actor: User, plan: Plan) -> None:
    """The whole plan in the caller's transaction (flushes, never commits)."""
    now = utcnow()
    await write_companies(db, plan, now)
    await link_parents(db, plan)
    departments = await write_departments(db, plan, now)
    await write_persons(db, actor, plan, departments, now)
    await write_activities(db, actor, plan, now)
    result = plan.result
    await db.execute(
        insert(AuditEntry),
        [
            {
                "at": now,
                "actor_id": actor.id,
                "actor_name": actor.name,
                "entity": "companies",
                "entity_id": 0,
                "label": plan.filename[:200],
                "action": "import",
                "changes": {
                    key: [None, value]
                    for key, value in (
                        ("companies_new", result.companies_new),
                        ("companies_matched", result.companies_matched),
                        ("persons_new", result.persons_new),
                        ("persons_matched", result.persons_matched),
                        ("invalid_rows", len(result.invalid)),
                    )
                },
            }
        ],
    )

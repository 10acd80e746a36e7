"""Merging duplicates: everything of the other row moves to the survivor, the other goes.

Bulk moves are Core UPDATEs (one statement per table, whatever the size); the merge itself
is recorded as one audit entry naming both rows, and the delete of the other row is
audited with all its values by the audit hook.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from salesdesk.accounts.models import Activity, Company, CompanyTag, Department, Person, PersonMove, activity_persons
from salesdesk.accounts.people import apply_person_keys, get_person, index_person
from salesdesk.accounts.search import index_company, replace_terms
from salesdesk.accounts.services import (
    _descendant_ids,
    apply_keys,
    ensure_may_remove,
    get_company,
)
from salesdesk.audit.models import AuditEntry
from salesdesk.auth.models import User
from salesdesk.db import utcnow
from salesdesk.errors import Invalid
from salesdesk.pipeline.models import Deal, DealContact
from salesdesk.tasks.models import Task, task_persons
from salesdesk.versions import flush_or_stale
from salesdesk.webhooks import outbox

COMPANY_FILLABLE = (
    "name_kana",
    "corporate_number",
    "industry",
    "employee_band",
    "fiscal_year_end_month",
    "website",
    "phone",
    "address",
    "owner_id",
    "parent_id",
    "notes",
)
PERSON_FILLABLE = (
    "name_kana",
    "department_id",
    "title",
    "email",
    "phone",
    "mobile",
    "reports_to_id",
    "buying_role",
    "notes",
)


def _record(
    db: AsyncSession, actor: User, entity: str, survivor_id: int, label: str, other_id: int, other_label: str
) -> None:
    db.add(
        AuditEntry(
            actor_id=actor.id,
            actor_name=actor.name,
            entity=entity,
            entity_id=survivor_id,
            label=label[:200],
            action="merge",
            at=utcnow(),
            changes={"merged_id": [other_id, None], "merged_name": [other_label, None]},
        )
    )


async def _merge_departments(db: AsyncSession, survivor_id: int, other_id: int) -> None:
    """Same-named departments at the same place become one; the rest move over as they are."""
    departments = list(await db.scalars(select(Department).where(Department.company_id.in_([survivor_id, other_id]))))
    children: dict[tuple[int, int | None], dict[str, Department]] = {}
    for dept in departments:
        children.setdefault((dept.company_id, dept.parent_id), {})[dept.name] = dept

    async def fold(src_parent: int | None, dst_parent: int | None) -> None:
        for name, src in children.get((other_id, src_parent), {}).items():
            dst = children.get((survivor_id, dst_parent), {}).get(name)
            if dst is None:
                await db.execute(
                    update(Department)
                    .where(Department.id == src.id)
                    .values(company_id=survivor_id, parent_id=dst_parent)
                )
                await db.execute(
                    update(Department)
                    .where(Department.parent_id == src.id, Department.company_id == other_id)
                    .values(company_id=survivor_id)
                )
                await fold_subtree(src.id)
                continue
            await db.execute(update(Person).where(Person.department_id == src.id).values(department_id=dst.id))
            await fold(src.id, dst.id)
            await db.execute(delete(Department).where(Department.id == src.id))

    async def fold_subtree(dept_id: int) -> None:  # a moved subtree keeps its shape
        for child in children.get((other_id, dept_id), {}).values():
            await db.execute(update(Department).where(Department.id == child.id).values(company_id=survivor_id))
            await fold_subtree(child.id)

    await fold(None, None)


async def _ancestor_ids(db: AsyncSession, company_id: int) -> set[int]:
    """The company and every company above it."""
    up = select(Company.id, Company.parent_id).where(Company.id == company_id).cte("up", recursive=True)
    up = up.union_all(select(Company.id, Company.parent_id).join(up, Company.id == up.c.parent_id))
    return set(await db.scalars(select(up.c.id)))


async def _lock(db: AsyncSession, company: Company) -> None:
    """Hold the merged-away company until the merge commits: a deal, person or task being added to
    it meanwhile waits, then finds it gone (a 409), instead of vanishing with it. On PostgreSQL a
    row lock (inserts referencing the row need a KEY SHARE lock, which FOR UPDATE excludes); on
    SQLite the UPDATE takes the database's write lock, which it keeps to the commit."""
    if db.get_bind().dialect.name == "postgresql":
        await db.execute(select(Company.id).where(Company.id == company.id).with_for_update())
    else:
        await db.execute(update(Company).where(Company.id == company.id).values(updated_at=Company.updated_at))


async def merge_companies(
    db: AsyncSession, actor: User, survivor_id: int, other_id: int | None, *, confirmed: bool = True
) -> Company:
    survivor = await get_company(db, actor, survivor_id)
    await ensure_may_remove(db, actor, survivor)
    if not confirmed or other_id is None:
        raise Invalid(other_id="merge.confirm")
    if survivor_id == other_id:
        raise Invalid(other_id="merge.same")
    other = await get_company(db, actor, other_id)
    await ensure_may_remove(db, actor, other)
    await _lock(db, other)
    await _merge_departments(db, survivor.id, other.id)
    await db.execute(update(Person).where(Person.company_id == other.id).values(company_id=survivor.id))
    await db.execute(update(Activity).where(Activity.company_id == other.id).values(company_id=survivor.id))
    # The other's subsidiaries move under the survivor, except those above it (merging a group's top into one of
    # its own members): they take the other's place instead, or the group would become a cycle.
    above, below = await _ancestor_ids(db, survivor.id), await _descendant_ids(db, survivor.id)
    await db.execute(
        update(Company).where(Company.parent_id == other.id, Company.id.not_in(above)).values(parent_id=survivor.id)
    )
    await db.execute(
        update(Company)
        .where(Company.parent_id == other.id, Company.id.in_(above))
        .values(parent_id=other.parent_id if other.parent_id not in below else None)
    )
    await db.execute(update(Deal).where(Deal.company_id == other.id).values(company_id=survivor.id))
    await db.execute(update(Task).where(Task.company_id == other.id).values(company_id=survivor.id))
    fill = {
        key: getattr(other, key)
        for key in COMPANY_FILLABLE
        if getattr(survivor, key) in (None, "") and getattr(other, key) not in (None, "")
    }
    if fill.get("parent_id") in below:
        fill.pop("parent_id")
    tags = sorted(set(survivor.tag_names) | set(other.tag_names))
    last_contact = max(filter(None, [survivor.last_contact_at, other.last_contact_at]), default=None)
    other_label, other_id = other.name, other.id
    await replace_terms(db, "company", other_id, set())
    await db.delete(other)
    await flush_or_stale(db, other)  # the 法人番号 is free only once the other row is gone
    merged = outbox.merge_changes(survivor, other_id, other_label, fill, tags)
    for key, value in fill.items():
        setattr(survivor, key, value)
    survivor.tags = [t for t in survivor.tags if t.name in tags] + [
        CompanyTag(name=n) for n in tags if n not in survivor.tag_names
    ]
    survivor.last_contact_at = last_contact
    apply_keys(survivor)
    _record(db, actor, "companies", survivor.id, survivor.name, other_id, other_label)
    await db.flush()
    await index_company(db, survivor)
    await outbox.record(db, "company.merged", survivor, merged, actor)
    return survivor


async def _move_links(db: AsyncSession, owner: Any, person: Any, other_id: int, survivor_id: int) -> None:
    """Rows linking something (owner column) to the other person go to the survivor, without
    doubling a link the survivor already has (the pair is unique)."""
    table = person.expression.table
    held = select(owner).where(person == survivor_id).scalar_subquery()
    await db.execute(delete(table).where(person == other_id, owner.in_(held)))
    await db.execute(update(table).where(person == other_id).values({person.key: survivor_id}))


async def merge_persons(
    db: AsyncSession, actor: User, survivor_id: int, other_id: int | None, *, confirmed: bool = True
) -> Person:
    survivor = await get_person(db, actor, survivor_id)
    await ensure_may_remove(db, actor, survivor.company)
    if not confirmed or other_id is None:
        raise Invalid(other_id="merge.confirm")
    if survivor_id == other_id:
        raise Invalid(other_id="merge.same")
    other = await get_person(db, actor, other_id)
    await ensure_may_remove(db, actor, other.company)
    # An activity that names both keeps one link (the pair is the primary key).
    both = select(activity_persons.c.activity_id).where(activity_persons.c.person_id == survivor.id)
    await db.execute(
        delete(activity_persons).where(
            activity_persons.c.person_id == other.id, activity_persons.c.activity_id.in_(both)
        )
    )
    await db.execute(
        update(activity_persons).where(activity_persons.c.person_id == other.id).values(person_id=survivor.id)
    )
    await db.execute(
        update(Person)
        .where(Person.reports_to_id == other.id, Person.id != survivor.id)
        .values(reports_to_id=survivor.id)
    )
    await db.execute(update(PersonMove).where(PersonMove.person_id == other.id).values(person_id=survivor.id))
    await _move_links(db, task_persons.c.task_id, task_persons.c.person_id, other.id, survivor.id)
    # In a buying committee both may sit: the survivor keeps their seat, the other's goes.
    await _move_links(db, DealContact.deal_id, DealContact.person_id, other.id, survivor.id)
    fill = {
        key: getattr(other, key)
        for key in PERSON_FILLABLE
        if getattr(survivor, key) in (None, "") and getattr(other, key) not in (None, "")
    }
    if fill.get("reports_to_id") == survivor.id:
        fill.pop("reports_to_id")
    if survivor.company_id != other.company_id:
        fill.pop("department_id", None)
        fill.pop("reports_to_id", None)
    other_label, other_id = other.name, other.id
    await replace_terms(db, "person", other_id, set())
    await db.delete(other)
    await flush_or_stale(db, other)
    for key, value in fill.items():
        setattr(survivor, key, value)
    apply_person_keys(survivor)
    _record(db, actor, "persons", survivor.id, survivor.name, other_id, other_label)
    await db.flush()
    await index_person(db, survivor)
    return survivor


async def orphan_counts(db: AsyncSession) -> dict[str, int]:
    """Rows pointing at a company or person that does not exist (tests assert all zero)."""

    def missing(column, table):  # noqa: ANN001, ANN202
        return select(func.count()).where(and_(column.is_not(None), ~column.in_(select(table.id))))

    checks = {
        "persons.company_id": missing(Person.company_id, Company),
        "departments.company_id": missing(Department.company_id, Company),
        "activities.company_id": missing(Activity.company_id, Company),
        "deals.company_id": missing(Deal.company_id, Company),
        "tasks.company_id": missing(Task.company_id, Company),
        "deal_contacts.person_id": missing(DealContact.person_id, Person),
        "persons.department_id": missing(Person.department_id, Department),
        "activity_persons.person_id": select(func.count())
        .select_from(activity_persons)
        .where(~activity_persons.c.person_id.in_(select(Person.id))),
    }
    return {name: await db.scalar(query) or 0 for name, query in checks.items()}

"""The accounts import: every row of a spreadsheet checked and matched against what exists
(the preview), then written in one go by import_writer (the commit).

Matching never uses internal ids. A company matches by 法人番号 first, else by its name key
(normalize.company_key: 株式会社X, (株)X and X株式会社 are one); a person matches within their
company by email, else by name without spaces. Earlier rows of the same file count as
existing. Existing companies and persons are never overwritten: an import fills their empty
fields only, and adds tags, departments, persons and activities.

Rights (services.may_edit): anyone may import, and new companies belong to the owner
column's user (a rep may only name themselves), else to the importing rep. A matched company
the actor may not edit keeps its fields (a warning); rows that would add persons or
departments to it are invalid. Activities (last contact date, memo) may be logged on any
company, as on its page.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable
from datetime import datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from salesdesk.accounts import import_writer
from salesdesk.accounts import normalize as norm
from salesdesk.accounts.import_files import IGNORE, Table, clean_mapping
from salesdesk.accounts.import_plans import (
    COMPANY_FIELDS,
    PERSON_FIELDS,
    ActivityPlan,
    CompanyPlan,
    ImportResult,
    PersonPlan,
    Plan,
    RowIssue,
    RowSample,
    blank,
)
from salesdesk.accounts.import_rows import Row, parse_row
from salesdesk.accounts.models import Activity, Company, CompanyTag, Person, activity_persons
from salesdesk.auth import policy
from salesdesk.auth.models import Role, User
from salesdesk.db import utcnow
from salesdesk.i18n import gettext
from salesdesk.i18n.messages import N_

CHUNK = 500  # values per IN (...): far below SQLite's and asyncpg's parameter limits


def chunks(values: Iterable[Any], size: int = CHUNK) -> Iterable[list[Any]]:
    items = list(values)
    for start in range(0, len(items), size):
        yield items[start : start + size]


async def _rows(db: AsyncSession, query: Callable[[list[Any]], Select[Any]], values: Iterable[Any]) -> list[Any]:
    found: list[Any] = []
    for part in chunks(values):
        found += (await db.execute(query(part))).mappings().all()
    return found


class Planner:
    """Walks the valid rows twice: companies first, then (with their persons loaded) the rest."""

    def __init__(self, db: AsyncSession, actor: User, default_owner_id: int | None = None) -> None:
        self.db, self.actor, self.default_owner_id = db, actor, default_owner_id
        self.companies: dict[int, CompanyPlan] = {}  # existing, by id
        self.new: list[CompanyPlan] = []
        self.by_number: dict[str, CompanyPlan] = {}
        self.by_key: dict[str, CompanyPlan] = {}
        self.persons: list[PersonPlan] = []  # new
        self.matched: dict[int, PersonPlan] = {}  # existing, by id
        self.activities: list[ActivityPlan] = []
        self.notes: set[tuple[Any, ...]] = set()  # (company, person, occurred_at or None, subject, body)
        self.zone = ZoneInfo(actor.time_zone or "Asia/Tokyo")

    async def load(self, rows: list[Row]) -> None:
        users = (await self.db.execute(select(User.id, User.email, User.is_active, User.team_id))).all()
        self.users = {norm.email_key(u.email): u for u in users}
        self.team_of = {u.id: u.team_id for u in users}
        columns = [Company.id, Company.normalized_name, *(getattr(Company, f) for f in COMPANY_FIELDS)]
        numbers = {r.company["corporate_number"] for r in rows if r.company["corporate_number"]}
        self.db_by_number = {
            c["corporate_number"]: c
            for c in await _rows(
                self.db, lambda part: select(*columns).where(Company.corporate_number.in_(part)), numbers
            )
        }
        self.db_by_key: dict[str, list[Any]] = {}
        for c in await _rows(
            self.db,
            lambda part: select(*columns).where(Company.normalized_name.in_(part)).order_by(Company.id),
            {r.key for r in rows if r.key} | {r.parent for r in rows if r.parent},
        ):
            self.db_by_key.setdefault(c["normalized_name"], []).append(c)
        candidates = {c["id"] for c in self.db_by_number.values()} | {
            c["id"] for same in self.db_by_key.values() for c in same
        }
        self.db_tags: dict[int, set[str]] = {}
        for tag in await _rows(
            self.db,
            lambda part: select(CompanyTag.company_id, CompanyTag.name).where(CompanyTag.company_id.in_(part)),
            candidates,
        ):
            self.db_tags.setdefault(tag["company_id"], set()).add(tag["name"])

    def _owner(self, row: Row) -> None:
        if not row.owner_email:
            row.owner_id = self.default_owner_id  # chosen on the mapping screen by a manager or an admin
            return
        user = self.users.get(row.owner_email)
        if user is None or not user.is_active:
            row.warn(N_("No active user has the email %(value)s; the owner was not taken."), value=row.owner_email)
        elif self.actor.role == Role.rep and user.id != self.actor.id:
            row.warn(N_("A sales rep can only name themselves as the owner."))
        else:
            row.owner_id = user.id

    def _existing(self, found: Any) -> CompanyPlan:
        if (plan := self.companies.get(found["id"])) is None:
            current = dict(found)
            editable = policy.may_edit_account(
                self.actor, owner_id=current["owner_id"], owner_team_id=self.team_of.get(current["owner_id"])
            )
            plan = self.companies[found["id"]] = CompanyPlan(
                found["id"], {}, current, editable, current_tags=self.db_tags.get(found["id"], set())
            )
            self._register(plan)
        return plan

    def _register(self, plan: CompanyPlan) -> None:
        if number := plan.get("corporate_number"):
            self.by_number.setdefault(number, plan)
        if key := norm.company_key(plan.get("name")):
            self.by_key.setdefault(key, plan)

    def _match(self, row: Row) -> CompanyPlan | None:
        number = row.company["corporate_number"]
        if number and (
            plan := self.by_number.get(number)
            or (self._existing(self.db_by_number[number]) if number in self.db_by_number else None)
        ):
            return plan
        if not row.key:
            return None
        plan = self.by_key.get(row.key)
        if plan is None and (same := self.db_by_key.get(row.key)):
            plan = self._existing(same[0])
            if len(same) > 1:
                row.warn(N_("%(count)d companies have this name; matched the oldest."), count=len(same))
        if plan is not None and number and plan.get("corporate_number") not in (None, number):
            row.warn(
                N_("Matched %(name)s by its name, but its corporate number is %(number)s."),
                name=plan.get("name"),
                number=plan.get("corporate_number"),
            )
        return plan

    def company(self, row: Row) -> None:
        plan = self._match(row)
        if plan is None or blank(plan.get("owner_id")):  # the owner column only counts where it lands
            self._owner(row)
        values = row.company | {"owner_id": row.owner_id}
        if plan is None:
            if values["owner_id"] is None and self.actor.role == Role.rep:
                values["owner_id"] = self.actor.id
            plan = CompanyPlan(None, values, tags=set(row.tags))
            self.new.append(plan)
            self._register(plan)
        else:
            fills = plan.fill(values)
            tags = set(row.tags) - plan.current_tags - plan.tags
            if (fills or tags) and not plan.editable:
                if not plan.warned:
                    row.warn(N_("You may not edit %(name)s; its fields were left unchanged."), name=plan.get("name"))
                plan.warned = True
            elif fills or tags:
                plan.values.update(fills)
                plan.tags |= tags
                self._register(plan)  # a 法人番号 filled in now matches later rows
        plan.rows += 1
        row.plan = plan

    async def load_children(self) -> None:
        ids = list(self.companies)
        person_columns = [
            Person.id,
            Person.company_id,
            Person.name_key,
            Person.email_key,
            Person.department_id,
            *(getattr(Person, f) for f in PERSON_FIELDS),
        ]
        persons: dict[int, PersonPlan] = {}
        for found in await _rows(
            self.db, lambda part: select(*person_columns).where(Person.company_id.in_(part)).order_by(Person.id), ids
        ):
            company = self.companies[found["company_id"]]
            person = persons[found["id"]] = PersonPlan(company, found["id"], {}, dict(found))
            company.by_name.setdefault(found["name_key"], person)
            if found["email_key"]:
                company.by_email.setdefault(found["email_key"], person)
        notes = select(
            Activity.company_id, Activity.occurred_at, Activity.subject, Activity.body, activity_persons.c.person_id
        ).outerjoin(activity_persons)
        for found in await _rows(
            self.db, lambda part: notes.where(Activity.company_id.in_(part), Activity.kind == "note"), ids
        ):
            person = persons.get(found["person_id"])
            for when in (found["occurred_at"], None):
                self.notes.add(
                    (
                        id(self.companies[found["company_id"]]),
                        id(person) if person else None,
                        when,
                        found["subject"],
                        found["body"],
                    )
                )

    def rest(self, row: Row) -> None:
        plan = row.plan
        assert plan is not None
        if row.parent and plan.parent != row.parent:
            plan.parent = row.parent if blank(plan.get("parent_id")) else ""  # an import fills empty fields only
            if plan.parent and row.parent not in self.by_key and len(self.db_by_key.get(row.parent, [])) != 1:
                row.warn(N_("No single company is named like the parent company; it was left empty."))
                plan.parent = ""
        if (row.department or row.person) and not plan.editable:
            row.error(N_("You may not add persons or departments to %(name)s."), name=plan.get("name"))
            plan.rows -= 1
            return
        for depth in range(1, len(row.department) + 1):
            plan.departments.add(row.department[:depth])
        person = self._person(plan, row) if row.person else None
        if row.when or row.memo:
            self._note(plan, person, row)

    def _note(self, company: CompanyPlan, person: PersonPlan | None, row: Row) -> None:
        """The row's last contact date and memo as a note, unless the same note is there (an import run twice)."""
        day, clock = row.when or (None, None)
        occurred_at = datetime.combine(day, clock or time(9), self.zone) if day else None
        first = row.memo.splitlines()[0].strip()[:200] if row.memo.strip() else ""
        subject, body = first or gettext("Imported from file"), row.memo if row.memo != first else ""
        key = (id(company), id(person) if person else None, occurred_at, subject, body)
        if key in self.notes:
            return
        self.notes.add(key)
        self.activities.append(
            ActivityPlan(company, person, occurred_at or utcnow(), subject, body, contact=occurred_at is not None)
        )

    def _person(self, company: CompanyPlan, row: Row) -> PersonPlan:
        values = dict(row.person or {})
        email_key, name_key = norm.email_key(values["email"]), norm.compact(values["name"])
        person = company.by_email.get(email_key) if email_key else None
        if person is None and (twin := company.by_name.get(name_key)):
            person = twin if not email_key or not norm.email_key(twin.get("email")) else None
        if person is None:
            person = PersonPlan(company, None, values, department=row.department)
            self.persons.append(person)
        else:
            person.values.update({k: v for k, v in values.items() if not blank(v) and blank(person.get(k))})
            if row.department and not person.department and not person.get("department_id"):
                person.department = row.department
        company.by_name.setdefault(name_key, person)
        if email := norm.email_key(person.get("email")):
            company.by_email.setdefault(email, person)
        person.rows += 1
        if person.id is not None:
            self.matched[person.id] = person
        return person


def _mark_duplicates(rows: list[Row]) -> list[Row]:
    """Rows repeating an earlier row of the file are skipped, with a warning."""
    seen: dict[tuple[str, ...], int] = {}
    kept = []
    for row in rows:
        key = tuple(row.values)
        if key in seen:
            row.warn(N_("Same as row %(row)d; skipped."), row=seen[key])
            continue
        seen[key] = row.number
        kept.append(row)
    return kept


def _parse_rows(table: Table, mapping: list[str]) -> list[Row]:
    mapped = [i for i, target in enumerate(mapping) if target != IGNORE]
    rows = []
    for number, raw in zip(table.numbers, table.rows, strict=True):
        row = parse_row(number, raw, mapping)
        if any(row.values[i] for i in mapped if i < len(row.values)):  # rows without a mapped value are no rows
            rows.append(row)
    return rows


def _each(step: Callable[[Row], None], rows: list[Row]) -> None:
    for row in rows:
        step(row)


SAMPLES = 5  # rows of each kind the preview shows


def _samples(rows: Iterable[Row]) -> list[RowSample]:
    samples = []
    for row in rows:
        assert row.plan is not None
        fills = [k for k in row.plan.values if k in COMPANY_FIELDS] if row.plan.current is not None else []
        person = row.person["name"] if row.person else ""
        samples.append(RowSample(row.number, row.plan.get("name") or row.company["name"], person, fills))
        if len(samples) == SAMPLES:
            break
    return samples


async def owner_choices(db: AsyncSession, actor: User) -> list[User]:
    """Whom a manager (the team) or an admin (anyone active) may give the new companies of an import."""
    if actor.role == Role.rep:
        return []
    query = select(User).where(User.is_active.is_(True)).order_by(User.name)
    if actor.role == Role.manager:
        query = query.where(User.team_id == actor.team_id)
    return list(await db.scalars(query))


async def _default_owner(db: AsyncSession, actor: User, user_id: int | None) -> int | None:
    """The owner for new companies without an owner column: an active user; a manager names one of the team."""
    if user_id is None or actor.role == Role.rep:
        return None
    user = await db.get(User, user_id)
    if user is None or not user.is_active or (actor.role == Role.manager and user.team_id != actor.team_id):
        return None
    return user.id


async def plan_import(
    db: AsyncSession, actor: User, table: Table, mapping: list[str], default_owner_id: int | None = None
) -> Plan:
    """Everything the import would do, read-only: the preview, and the commit's to-do list."""
    mapping = clean_mapping(mapping, len(table.headers))
    # The work between queries is CPU-bound (100,000 rows take seconds): it runs in a worker
    # thread so that the event loop keeps serving other requests meanwhile.
    rows = await asyncio.to_thread(_parse_rows, table, mapping)
    valid = _mark_duplicates([r for r in rows if not r.errors])
    planner = Planner(db, actor, await _default_owner(db, actor, default_owner_id))
    await planner.load(valid)
    await asyncio.to_thread(_each, planner.company, valid)
    await planner.load_children()
    await asyncio.to_thread(_each, planner.rest, valid)
    existing = [p for p in planner.companies.values() if p.rows > 0]
    result = ImportResult(
        companies_new=len(planner.new),
        companies_matched=len(existing),
        persons_new=len(planner.persons),
        persons_matched=len(planner.matched),
        invalid=[RowIssue(r.number, r.errors, r.values) for r in rows if r.errors],
        warnings=[RowIssue(r.number, r.warnings, r.values) for r in rows if r.warnings],
        rows=len(rows),
        new_rows=_samples(r for r in valid if r.plan is not None and r.plan.current is None),
        matched_rows=_samples(r for r in valid if r.plan is not None and r.plan.current is not None),
    )
    return Plan(
        result,
        planner.new + existing,
        planner.persons + list(planner.matched.values()),
        planner.activities,
        table.filename,
    )


async def preview(
    db: AsyncSession, actor: User, table: Table, mapping: list[str], default_owner_id: int | None = None
) -> ImportResult:
    return (await plan_import(db, actor, table, mapping, default_owner_id)).result


async def commit(
    db: AsyncSession, actor: User, table: Table, mapping: list[str], default_owner_id: int | None = None
) -> ImportResult:
    """Preview, then write what it found in the caller's transaction: all rows or (on any error) none."""
    plan = await plan_import(db, actor, table, mapping, default_owner_id)
    await import_writer.write(db, actor, plan)
    return plan.result

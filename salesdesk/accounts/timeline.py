"""The activity timeline of a company or a person: what was done, and who changed what.

Activities (call, visit, meeting, email, note, inquiry) are rows of their own; changes of
key fields come from the audit log, so "who changed what when" shows in context without a
second record of it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, and_, bindparam, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload, selectinload

from salesdesk import sync
from salesdesk.accounts.forms import ActivityInput
from salesdesk.accounts.models import Activity, ActivityKind, Company, Person, PersonMove, activity_persons
from salesdesk.accounts.services import get_company, rights
from salesdesk.audit.models import AuditEntry
from salesdesk.auth.models import User
from salesdesk.clock import Clock
from salesdesk.db import StatementCache
from salesdesk.errors import Forbidden, Invalid, NotFound
from salesdesk.pipeline.models import Deal
from salesdesk.versions import check_version, flush_or_stale

PAGE_SIZE = 20
CHANGE = "change"  # the timeline's kind for audit entries
CONTACT_KINDS = {ActivityKind.call, ActivityKind.visit, ActivityKind.meeting, ActivityKind.email, ActivityKind.inquiry}
KEY_FIELDS = {
    "companies": ("name", "owner_id", "corporate_number", "is_target", "parent_id", "industry", "phone", "address"),
    "persons": (  # title and department_id: their 人事異動 (PersonMove) shows on its effective date instead
        "name",
        "buying_role",
        "stance",
        "left_company",
        "email",
        "phone",
        "mobile",
        "reports_to_id",
    ),
}


@dataclass
class Item:
    at: datetime
    kind: str
    activity: Activity | None = None
    change: AuditEntry | None = None
    move: PersonMove | None = None
    before: PersonMove | None = None  # the person's post before the move

    @property
    def fields(self) -> list[tuple[str, Any, Any]]:
        if self.move is not None and self.before is not None:
            pairs = [
                ("department_id", self.before.department_name, self.move.department_name),
                ("title", self.before.title, self.move.title),
            ]
            return [(k, old, new) for k, old, new in pairs if old != new]
        if self.change is None:
            return []
        wanted = KEY_FIELDS.get(self.change.entity, ())
        return [(k, v[0], v[1]) for k, v in self.change.changes.items() if k in wanted]


@dataclass
class Timeline:
    items: list[Item]
    page: int
    has_more: bool
    kind: str = ""


STATEMENTS = StatementCache(16)  # the timeline's statements, built once per shape (db.StatementCache)


def _activities(by_person: bool, by_kind: bool) -> Select:
    query = select(Activity).options(joinedload(Activity.user), joinedload(Activity.persons))  # one statement
    if by_person:
        named = select(activity_persons.c.activity_id).where(activity_persons.c.person_id == bindparam("person_id"))
        query = query.where(Activity.id.in_(named))
    else:
        query = query.where(Activity.company_id == bindparam("company_id"))
    if by_kind:
        query = query.where(Activity.kind == bindparam("kind"))
    return query.order_by(Activity.occurred_at.desc(), Activity.id.desc()).limit(bindparam("limit"))


def _changes(of_company: bool, of_persons: bool) -> Select:
    parts = []
    if of_company:
        parts.append(and_(AuditEntry.entity == "companies", AuditEntry.entity_id == bindparam("company_id")))
    if of_persons:
        persons = AuditEntry.entity_id.in_(bindparam("person_ids", expanding=True))
        parts.append(and_(AuditEntry.entity == "persons", persons))
    return (
        select(AuditEntry)
        .where(or_(*parts), AuditEntry.action == "update")
        .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
        .limit(bindparam("limit"))
    )


MOVES = (
    select(PersonMove)
    .where(PersonMove.person_id.in_(bindparam("person_ids", expanding=True)))
    .order_by(PersonMove.person_id, PersonMove.effective_on, PersonMove.id)
)


async def timeline(
    db: AsyncSession,
    *,
    company_id: int | None = None,
    person_id: int | None = None,
    person_ids: list[int] | None = None,
    kind: str = "",
    page: int = 1,
) -> Timeline:
    """Newest first; activities and key-field changes merged, PAGE_SIZE per page."""
    page = max(1, page)
    wanted = page * PAGE_SIZE + 1  # enough of each source to fill this page and know if more follow
    ids = [person_id] if person_id is not None else (person_ids or [])
    values = {"person_id": person_id, "company_id": company_id, "kind": kind, "person_ids": ids, "limit": wanted}
    activities: list[Activity] = []
    if kind != CHANGE:
        shape = ("activities", person_id is not None, bool(kind))
        found = await db.scalars(STATEMENTS.get(shape, lambda: _activities(*shape[1:])), values)
        activities = list(found.unique())
    changes: list[AuditEntry] = []
    if kind in ("", CHANGE):
        shape = ("changes", person_id is None and company_id is not None, bool(ids))
        changes = [
            entry
            for entry in await db.scalars(STATEMENTS.get(shape, lambda: _changes(*shape[1:])), values)
            if any(k in KEY_FIELDS.get(entry.entity, ()) for k in entry.changes)
        ]
    items = [Item(a.occurred_at, a.kind, activity=a) for a in activities]
    items += [Item(c.at, CHANGE, change=c) for c in changes]
    if kind in ("", CHANGE):
        items += await _move_items(db, person_id, person_ids)
    items.sort(key=lambda item: item.at, reverse=True)
    start = (page - 1) * PAGE_SIZE
    return Timeline(items[start : start + PAGE_SIZE], page, len(items) > start + PAGE_SIZE, kind)


async def _move_items(db: AsyncSession, person_id: int | None, person_ids: list[int] | None) -> list[Item]:
    """人事異動 of the person (or the company's persons) on their effective date, each beside the post before it;
    a person's first recorded post is no move. A person has a handful of moves: all are read."""
    ids = [person_id] if person_id is not None else (person_ids or [])
    if not ids:
        return []
    moves = await db.scalars(MOVES, {"person_ids": ids})
    items, before = [], None
    for move in moves:
        if before is not None and before.person_id == move.person_id:
            items.append(Item(Clock().at(move.effective_on), CHANGE, move=move, before=before))
        before = move
    return items


async def get_activity(db: AsyncSession, actor: User, activity_id: int) -> Activity:
    """An activity with its persons: everyone reads every account's timeline."""
    activity = await db.scalar(
        select(Activity).where(Activity.id == activity_id).options(selectinload(Activity.persons))
    )
    if activity is None:
        raise NotFound("activity")
    return activity


async def activities_changed(
    db: AsyncSession,
    actor: User,
    window: sync.Window,
    *,
    company_id: int | None = None,
    deal_id: int | None = None,
) -> tuple[list[Activity], str | None]:
    """Every activity (of one company or deal, if given), oldest change first, for the API's sync.
    Like the company timeline, which shows every activity of the account to every user."""
    query = select(Activity).options(selectinload(Activity.persons))
    if company_id is not None:
        query = query.where(Activity.company_id == company_id)
    if deal_id is not None:
        query = query.where(Activity.deal_id == deal_id)
    return await sync.page(db, query, Activity, window)


async def add_activity(
    db: AsyncSession,
    actor: User,
    company_id: int,
    data: ActivityInput,
    *,
    clock: Clock | None = None,
    deal_id: int | None = None,
    task_id: int | None = None,
) -> Activity:
    """Anyone may log what they did with an account; it is their own record.

    With `deal_id` (a deal of this company, already checked by the caller) it is also on the
    deal's timeline, and a contact resets the deal's stale clock. No `occurred_at` means now.
    """
    clock = clock or Clock.of(actor)
    company = await get_company(db, actor, company_id)
    errors: dict[str, str] = {}
    if deal_id is not None and await db.scalar(select(Deal.company_id).where(Deal.id == deal_id)) != company.id:
        errors["deal_id"] = "deal.unknown"
    ids = set(data.person_ids)
    persons = list(await db.scalars(select(Person).where(Person.id.in_(ids), Person.company_id == company.id)))
    if len(persons) != len(ids):
        errors["person_ids"] = "person.unknown"
    if errors:
        raise Invalid(**errors)
    occurred_at = data.occurred_at or clock.now()
    activity = Activity(
        kind=data.kind.value,
        occurred_at=occurred_at,
        subject=data.subject,
        body=data.body,
        company_id=company.id,
        deal_id=deal_id,
        task_id=task_id,
        user_id=actor.id,
        persons=persons,
    )
    db.add(activity)
    await db.flush()
    if data.kind in CONTACT_KINDS:
        await touch_last_contact(db, company.id, occurred_at)
        if deal_id is not None:
            await touch_deal(db, deal_id, occurred_at)
    return activity


async def touch_last_contact(db: AsyncSession, company_id: int, at: datetime) -> None:
    """Bookkeeping (a Core UPDATE): no version bump, so nobody's open edit form goes stale."""
    await db.execute(
        update(Company)
        .where(Company.id == company_id)
        .where(or_(Company.last_contact_at.is_(None), Company.last_contact_at < at))
        .values(last_contact_at=at)
    )


async def touch_deal(db: AsyncSession, deal_id: int, at: datetime) -> None:
    """Bookkeeping (a Core UPDATE, no version bump): the deal's newest completed activity or task,
    which its stale clock counts from. A deal loaded in this session sees the new value too."""
    await db.execute(
        update(Deal)
        .where(Deal.id == deal_id)
        .where(or_(Deal.last_activity_at.is_(None), Deal.last_activity_at < at))
        .values(last_activity_at=at)
        .execution_options(synchronize_session="fetch")
    )


async def refresh_last_contact(db: AsyncSession, company_id: int) -> None:
    newest = await db.scalar(
        select(func.max(Activity.occurred_at)).where(
            Activity.company_id == company_id, Activity.kind.in_([k.value for k in CONTACT_KINDS])
        )
    )
    await db.execute(update(Company).where(Company.id == company_id).values(last_contact_at=newest))


async def may_change_activity(db: AsyncSession, actor: User, activity: Activity) -> bool:
    """Its author and the account's editors correct or remove an activity (a mistaken visit)."""
    if activity.user_id == actor.id:
        return True
    company = await db.get(Company, activity.company_id)
    return company is not None and (await rights(db, actor, company)).edit


async def get_activity_to_change(db: AsyncSession, actor: User, activity_id: int) -> Activity:
    activity = await get_activity(db, actor, activity_id)
    if not await may_change_activity(db, actor, activity):
        raise Forbidden("activity.edit")
    return activity


async def update_activity(db: AsyncSession, actor: User, activity_id: int, data: ActivityInput) -> Activity:
    """Correct what was logged (audited like every versioned row); the account's last contact follows."""
    activity = await get_activity_to_change(db, actor, activity_id)
    ids = set(data.person_ids)
    persons = list(await db.scalars(select(Person).where(Person.id.in_(ids), Person.company_id == activity.company_id)))
    if len(persons) != len(ids):
        raise Invalid(person_ids="person.unknown")
    values = {"kind": data.kind.value, "subject": data.subject, "body": data.body}
    if data.occurred_at is not None:
        values["occurred_at"] = data.occurred_at
    await check_version(db, activity, data.seen_version, values)
    for key, value in values.items():
        setattr(activity, key, value)
    activity.persons = sorted(persons, key=lambda p: p.name)
    await flush_or_stale(db, activity, values)
    await refresh_last_contact(db, activity.company_id)
    return activity


async def delete_activity(db: AsyncSession, actor: User, activity_id: int) -> Activity:
    activity = await get_activity_to_change(db, actor, activity_id)
    company = await db.get(Company, activity.company_id)
    assert company is not None
    await db.delete(activity)
    await db.flush()
    await refresh_last_contact(db, company.id)
    return activity

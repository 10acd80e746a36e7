"""The buying committee: persons of the deal's company (or its group) with their role in this
deal and one primary contact; which roles are covered, and the 決裁者未接触 warning."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload

from salesdesk import sync
from salesdesk.accounts.groups import group_ids
from salesdesk.accounts.models import Activity, BuyingRole, Company, Person, activity_persons
from salesdesk.auth.models import User
from salesdesk.errors import Invalid, NotFound
from salesdesk.pipeline import access
from salesdesk.pipeline.forms import ContactInput
from salesdesk.pipeline.models import Deal, DealContact
from salesdesk.versions import flush_or_stale

DECISION_MAKER_CONTACT_DAYS = 90
ROLE_ORDER = {role: n for n, role in enumerate(BuyingRole)}


COMMITTEE = (
    select(DealContact)
    .where(DealContact.deal_id == bindparam("deal_id"))
    .options(joinedload(DealContact.person).joinedload(Person.department))  # one statement, built once
)


async def committee(db: AsyncSession, deal_id: int) -> list[DealContact]:
    """Primary contact first, then by role (決裁者 first) and name."""
    contacts = list(await db.scalars(COMMITTEE, {"deal_id": deal_id}))
    return sorted(contacts, key=lambda c: (not c.is_primary, ROLE_ORDER.get(c.role or "", 99), c.person.name))


async def candidates(db: AsyncSession, deal: Deal, group: list[int] | None = None) -> list[Person]:
    """Persons of the deal's company and its group (the group's company ids, when the caller has read
    them already) who are not in the committee yet."""
    if group is None:
        company = await db.get(Company, deal.company_id)
        assert company is not None
        group = await group_ids(db, company)
    values = {"group": group, "deal_id": deal.id, "company_id": deal.company_id}
    return list(await db.scalars(CANDIDATES, values))


CANDIDATES = (  # built once: the deal page runs it on every view by an editor
    select(Person)
    .where(
        Person.company_id.in_(bindparam("group", expanding=True)),
        Person.left_company.is_(False),
        Person.id.not_in(select(DealContact.person_id).where(DealContact.deal_id == bindparam("deal_id"))),
    )
    .order_by(Person.company_id != bindparam("company_id"), Person.kana_key, Person.id)
)


async def _group_person(db: AsyncSession, deal: Deal, person_id: int | None) -> Person:
    person = await db.get(Person, person_id) if person_id is not None else None
    company = await db.get(Company, deal.company_id)
    assert company is not None
    if person is None or person.company_id not in await group_ids(db, company):
        raise Invalid(person_id="person.unknown")
    return person


def _role(data: ContactInput, person: Person) -> str | None:
    return data.role or person.buying_role


async def add_contact(db: AsyncSession, actor: User, deal_id: int, data: ContactInput) -> DealContact:
    """Attach a person with a role (default: their buying role on the account); again = update."""
    deal = await access.get_deal(db, actor, deal_id)
    await access.ensure_may_edit(db, actor, deal)
    person = await _group_person(db, deal, data.person_id)
    contact = await db.scalar(
        select(DealContact).where(DealContact.deal_id == deal.id, DealContact.person_id == person.id)
    )
    if contact is None:
        contact = DealContact(deal_id=deal.id, person_id=person.id, is_primary=False)
        db.add(contact)
    contact.role = _role(data, person)
    await flush_or_stale(db, contact)  # the same person attached twice at once: 409
    if data.is_primary or not await db.scalar(
        select(func.count()).where(DealContact.deal_id == deal.id, DealContact.is_primary.is_(True))
    ):
        await make_primary(db, deal, person.id)  # the first person attached is the primary contact
    return contact


async def update_contact(
    db: AsyncSession, actor: User, deal_id: int, person_id: int, data: ContactInput
) -> DealContact:
    deal = await access.get_deal(db, actor, deal_id)
    await access.ensure_may_edit(db, actor, deal)
    contact = await _contact(db, deal.id, person_id)
    contact.role = _role(data, await _group_person(db, deal, person_id))
    if data.is_primary:
        await make_primary(db, deal, person_id)
    await db.flush()
    return contact


async def remove_contact(db: AsyncSession, actor: User, deal_id: int, person_id: int) -> DealContact:
    deal = await access.get_deal(db, actor, deal_id)
    await access.ensure_may_edit(db, actor, deal)
    contact = await _contact(db, deal.id, person_id)
    await db.delete(contact)
    await flush_or_stale(db, contact)
    return contact


async def get_contact(db: AsyncSession, actor: User, deal_id: int, person_id: int) -> DealContact:
    """The person's place in the deal's committee; NotFound unless the actor sees the deal."""
    deal = await access.get_deal(db, actor, deal_id)
    return await _contact(db, deal.id, person_id)


async def contacts_changed(
    db: AsyncSession, actor: User, deal_id: int, window: sync.Window
) -> tuple[list[DealContact], str | None]:
    """The deal's committee, oldest change first, for the API's sync; NotFound unless the actor sees the deal."""
    deal = await access.get_deal(db, actor, deal_id)
    return await sync.page(db, select(DealContact).where(DealContact.deal_id == deal.id), DealContact, window)


async def _contact(db: AsyncSession, deal_id: int, person_id: int) -> DealContact:
    contact = await db.scalar(
        select(DealContact).where(DealContact.deal_id == deal_id, DealContact.person_id == person_id)
    )
    if contact is None:
        raise NotFound("contact")
    return contact


async def make_primary(db: AsyncSession, deal: Deal, person_id: int) -> DealContact:
    """The person becomes the one primary contact (attached first if needed). Callers check rights."""
    person = await _group_person(db, deal, person_id)
    contact = await db.scalar(
        select(DealContact).where(DealContact.deal_id == deal.id, DealContact.person_id == person.id)
    )
    if contact is None:
        contact = DealContact(deal_id=deal.id, person_id=person.id, role=person.buying_role)
        db.add(contact)
    await db.execute(
        update(DealContact)
        .where(DealContact.deal_id == deal.id, DealContact.person_id != person.id)
        .values(is_primary=False)
        .execution_options(synchronize_session="fetch")
    )
    contact.is_primary = True
    await flush_or_stale(db, contact)  # two first contacts at once: the unique index lets one be primary
    return contact


@dataclass
class Coverage:
    roles: dict[str, list[DealContact]]  # every buying role -> who holds it in this deal
    warning: str | None  # None | "decision_maker.missing" | "decision_maker.not_contacted"
    decision_maker_contacted_at: datetime | None = None

    @property
    def covered(self) -> list[str]:
        return [role for role, contacts in self.roles.items() if contacts]


async def coverage(db: AsyncSession, contacts: list[DealContact], *, now: datetime) -> Coverage:
    """Which roles are covered; 決裁者未接触 when no decision maker is attached, or none of them has
    been in an activity within DECISION_MAKER_CONTACT_DAYS."""
    roles = {role.value: [c for c in contacts if c.role == role] for role in BuyingRole}
    deciders = [c.person_id for c in roles[BuyingRole.decision_maker]]
    if not deciders:
        return Coverage(roles, "decision_maker.missing")
    last = await db.scalar(
        select(func.max(Activity.occurred_at))
        .join(activity_persons, activity_persons.c.activity_id == Activity.id)
        .where(activity_persons.c.person_id.in_(deciders))
    )
    cutoff = now - timedelta(days=DECISION_MAKER_CONTACT_DAYS)
    return Coverage(roles, None if last is not None and last >= cutoff else "decision_maker.not_contacted", last)

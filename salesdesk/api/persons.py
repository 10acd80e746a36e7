"""/api/v1/persons: key persons of the accounts, read and written through accounts.people like
the pages (whoever may work on the account may add and change its persons). Persons are never
deleted here: the pages only merge them (a manager's step), which the API does not offer."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from litestar import get, patch, post
from litestar.params import JSONBody, Parameter
from msgspec import UNSET, Meta, Struct, UnsetType

from salesdesk import sync
from salesdesk.accounts import people
from salesdesk.accounts.forms import EMAIL, KANA, PHONE, PersonForm, parse_person, person_form
from salesdesk.accounts.models import BuyingRole, Person, Stance
from salesdesk.api.common import ITEM_ID, Cursor, Limit, UpdatedSince, as_form
from salesdesk.api.errors import READ_ERRORS, WRITE_ERRORS, shows
from salesdesk.deps import DB, Actor, Now
from salesdesk.inputs import NAME, NOTES

TAGS = ["accounts"]
Id = Annotated[int, Meta(ge=1, le=2**53)]
Name = Annotated[str, Meta(max_length=NAME)]
Phone = Annotated[str, Meta(max_length=PHONE)]
BUYING_ROLE = "Their role in buying decisions (決裁者 decision_maker …); null: not known."
DEPARTMENT = "A department of the person's company; null: none."
REPORTS_TO = "Their manager: a person of the same company; null: none."
MOVED_ON = "異動日: the day a change of department or title takes effect (their history); default today."
DUPLICATE = "Save although a person of this company has the same email or phone."
CompanyFilter = Annotated[int | None, Parameter(ge=1, le=2**53, description="Only the persons of this company.")]


class PersonOut(Struct):
    id: int
    company_id: int
    department_id: int | None
    name: str
    name_kana: str
    title: str
    email: str
    phone: str
    mobile: str
    reports_to_id: int | None
    buying_role: Annotated[BuyingRole | None, Meta(description=BUYING_ROLE)]
    stance: Stance
    left_company: Annotated[bool, Meta(description="退職: no longer at the company.")]
    notes: str
    created_at: datetime
    updated_at: datetime
    version: int

    @classmethod
    def of(cls, p: Person) -> PersonOut:
        role = BuyingRole(p.buying_role) if p.buying_role else None
        return cls(
            p.id, p.company_id, p.department_id, p.name, p.name_kana, p.title, p.email, p.phone, p.mobile,
            p.reports_to_id, role, Stance(p.stance), p.left_company, p.notes, p.created_at, p.updated_at, p.version,
        )  # fmt: skip


shows(Person, PersonOut.of)


class PersonList(Struct):
    items: list[PersonOut]
    next_cursor: str | None


class PersonFields(Struct, forbid_unknown_fields=True, kw_only=True):
    name_kana: Annotated[str, Meta(max_length=KANA)] | UnsetType = UNSET
    department_id: Annotated[Id | None, Meta(description=DEPARTMENT)] | UnsetType = UNSET
    title: Name | UnsetType = UNSET
    email: Annotated[str, Meta(max_length=EMAIL)] | UnsetType = UNSET
    phone: Phone | UnsetType = UNSET
    mobile: Phone | UnsetType = UNSET
    reports_to_id: Annotated[Id | None, Meta(description=REPORTS_TO)] | UnsetType = UNSET
    buying_role: Annotated[BuyingRole | None, Meta(description=BUYING_ROLE)] | UnsetType = UNSET
    stance: Stance | UnsetType = UNSET
    left_company: bool | UnsetType = UNSET
    notes: Annotated[str, Meta(max_length=NOTES)] | UnsetType = UNSET
    moved_on: Annotated[date, Meta(description=MOVED_ON)] | UnsetType = UNSET
    confirm_duplicate: Annotated[bool, Meta(description=DUPLICATE)] | UnsetType = UNSET


class PersonCreate(PersonFields, kw_only=True):
    company_id: Id
    name: Name


class PersonPatch(PersonFields, kw_only=True):
    version: Annotated[int, Meta(description="The version you read; a stale one gets 409 with `current`.")]
    name: Name | UnsetType = UNSET


@get("/persons", responses=READ_ERRORS, tags=TAGS, summary="Persons, oldest change first")
async def list_persons(
    db_session: DB,
    actor: Actor,
    limit: Limit = sync.DEFAULT_LIMIT,
    cursor: Cursor = None,
    updated_since: UpdatedSince = None,
    company_id: CompanyFilter = None,
) -> PersonList:
    window = sync.parse_window(limit, cursor, updated_since)
    rows, next_cursor = await people.persons_changed(db_session, actor, window, company_id=company_id)
    return PersonList([PersonOut.of(row) for row in rows], next_cursor)


@get("/persons/{person_id:int}", responses=WRITE_ERRORS, tags=TAGS, summary="One person")
async def get_person(db_session: DB, actor: Actor, person_id: Annotated[int, ITEM_ID]) -> PersonOut:
    return PersonOut.of(await people.get_person(db_session, actor, person_id))


@post("/persons", responses=WRITE_ERRORS, tags=TAGS, summary="Add a person to a company")
async def create_person(db_session: DB, actor: Actor, clock: Now, data: JSONBody[PersonCreate]) -> PersonOut:
    person = await people.create_person(
        db_session, actor, data.company_id, parse_person(as_form(PersonForm, data)), clock
    )
    return PersonOut.of(person)


@patch("/persons/{person_id:int}", responses=WRITE_ERRORS, tags=TAGS, summary="Change a person's fields")
async def update_person(
    db_session: DB, actor: Actor, clock: Now, person_id: Annotated[int, ITEM_ID], data: JSONBody[PersonPatch]
) -> PersonOut:
    saved = await people.get_person(db_session, actor, person_id)
    form = parse_person(as_form(PersonForm, data, person_form(saved)))
    return PersonOut.of(await people.update_person(db_session, actor, person_id, form, clock))


ROUTES = [list_persons, get_person, create_person, update_person]

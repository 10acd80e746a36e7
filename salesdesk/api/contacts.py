"""/api/v1/deals/{deal_id}/contacts: a deal's buying committee, through pipeline.committee like
the deal page. A member is addressed by their person id (a person sits in a committee at most
once). Who may read and change it follows the deal: another team's rep gets 404, a teammate
who may not edit the deal 403. Committee rows carry no version: as on the page, the last save
of a role wins.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from litestar import delete, get, patch, post
from litestar.params import JSONBody
from msgspec import UNSET, Meta, Struct, UnsetType

from salesdesk import sync
from salesdesk.accounts.models import BuyingRole
from salesdesk.api.common import ITEM_ID, Cursor, Limit, UpdatedSince, as_form
from salesdesk.api.errors import WRITE_ERRORS, shows
from salesdesk.deps import DB, Actor
from salesdesk.pipeline import committee
from salesdesk.pipeline.forms import ContactForm, parse_contact
from salesdesk.pipeline.models import DealContact

ROLE = "The person's role in this deal; null: their buying role on the account."
PRIMARY = "true makes them the deal's one primary contact (the previous one stops being it); false changes nothing."
PATH = "/deals/{deal_id:int}/contacts"
DealId = Annotated[int, ITEM_ID]
PersonId = Annotated[int, ITEM_ID]


class ContactOut(Struct):
    id: int
    deal_id: int
    person_id: int
    role: Annotated[BuyingRole | None, Meta(description=ROLE)]
    is_primary: Annotated[bool, Meta(description="The deal's primary contact (one per deal).")]
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, c: DealContact) -> ContactOut:
        role = BuyingRole(c.role) if c.role else None
        return cls(c.id, c.deal_id, c.person_id, role, c.is_primary, c.created_at, c.updated_at)


shows(DealContact, ContactOut.of)


class ContactList(Struct):
    items: list[ContactOut]
    next_cursor: str | None


class ContactPatch(Struct, forbid_unknown_fields=True, kw_only=True):
    role: Annotated[BuyingRole | None, Meta(description=ROLE)] | UnsetType = UNSET
    is_primary: Annotated[bool, Meta(description=PRIMARY)] | UnsetType = UNSET


class ContactCreate(ContactPatch, kw_only=True):
    person_id: Annotated[
        int, Meta(ge=1, le=2**53, description="A person of the deal's company or its group. Again: an update.")
    ]


def _saved(contact: DealContact) -> ContactForm:
    """The committee row as the page's form would carry it (the primary flag is never cleared)."""
    return ContactForm(person_id=str(contact.person_id), role=contact.role or "", is_primary="")


@get(PATH, responses=WRITE_ERRORS, tags=["pipeline"], summary="A deal's buying committee, oldest change first")
async def list_contacts(
    db_session: DB,
    actor: Actor,
    deal_id: DealId,
    limit: Limit = sync.DEFAULT_LIMIT,
    cursor: Cursor = None,
    updated_since: UpdatedSince = None,
) -> ContactList:
    window = sync.parse_window(limit, cursor, updated_since)
    rows, next_cursor = await committee.contacts_changed(db_session, actor, deal_id, window)
    return ContactList([ContactOut.of(row) for row in rows], next_cursor)


@get(PATH + "/{person_id:int}", responses=WRITE_ERRORS, tags=["pipeline"], summary="One member of the committee")
async def get_contact(db_session: DB, actor: Actor, deal_id: DealId, person_id: PersonId) -> ContactOut:
    return ContactOut.of(await committee.get_contact(db_session, actor, deal_id, person_id))


@post(PATH, responses=WRITE_ERRORS, tags=["pipeline"], summary="Add a person to the committee")
async def add_contact(db_session: DB, actor: Actor, deal_id: DealId, data: JSONBody[ContactCreate]) -> ContactOut:
    """The first person added becomes the primary contact; a person already in it is updated."""
    contact = await committee.add_contact(db_session, actor, deal_id, parse_contact(as_form(ContactForm, data)))
    return ContactOut.of(contact)


@patch(PATH + "/{person_id:int}", responses=WRITE_ERRORS, tags=["pipeline"], summary="Change a member's role")
async def update_contact(
    db_session: DB, actor: Actor, deal_id: DealId, person_id: PersonId, data: JSONBody[ContactPatch]
) -> ContactOut:
    saved = await committee.get_contact(db_session, actor, deal_id, person_id)
    form = as_form(ContactForm, data, _saved(saved))
    contact = await committee.update_contact(db_session, actor, deal_id, person_id, parse_contact(form))
    return ContactOut.of(contact)


@delete(
    PATH + "/{person_id:int}", responses=WRITE_ERRORS, tags=["pipeline"], summary="Remove a person from the committee"
)
async def remove_contact(db_session: DB, actor: Actor, deal_id: DealId, person_id: PersonId) -> None:
    await committee.remove_contact(db_session, actor, deal_id, person_id)


ROUTES = [list_contacts, get_contact, add_contact, update_contact, remove_contact]

"""/api/v1/companies: the accounts, read and written through accounts.services like the pages."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from litestar import Router, get, patch, post
from litestar.params import JSONBody
from msgspec import UNSET, Meta, Struct, UnsetType

from salesdesk import sync
from salesdesk.accounts import services
from salesdesk.accounts.forms import CompanyForm, company_form, parse_company
from salesdesk.accounts.models import EMPLOYEE_BANDS, Company
from salesdesk.api.common import ITEM_ID, Cursor, Limit, UpdatedSince, as_form, joined
from salesdesk.api.errors import READ_ERRORS, WRITE_ERRORS, shows
from salesdesk.deps import DB, Actor
from salesdesk.inputs import LINE, NOTES, TITLE
from salesdesk.quotes.rounding import CompanyRoundingInput, set_company_rounding
from salesdesk.quotes.tax import Rounding

EmployeeBand = Annotated[str, Meta(description="One of: " + ", ".join(EMPLOYEE_BANDS) + ", or empty.")]


class CompanyOut(Struct):
    id: int
    name: str
    name_kana: str
    corporate_number: Annotated[str | None, Meta(description="法人番号, 13 digits")]
    industry: str
    employee_band: EmployeeBand
    fiscal_year_end_month: Annotated[int | None, Meta(description="決算月, 1–12")]
    website: str
    phone: str
    address: str
    owner_id: int | None
    parent_id: int | None
    is_target: bool
    tags: list[str]
    notes: str
    last_contact_at: datetime | None
    quote_rounding: Annotated[Rounding | None, Meta(description=ROUNDING)]
    created_at: datetime
    updated_at: datetime
    version: int

    @classmethod
    def of(cls, c: Company) -> CompanyOut:
        return cls(
            c.id, c.name, c.name_kana, c.corporate_number, c.industry, c.employee_band, c.fiscal_year_end_month,
            c.website, c.phone, c.address, c.owner_id, c.parent_id, c.is_target, c.tag_names, c.notes,
            c.last_contact_at, Rounding(c.quote_rounding) if c.quote_rounding else None, c.created_at, c.updated_at,
            c.version,
        )  # fmt: skip


shows(Company, CompanyOut.of)


class CompanyList(Struct):
    items: list[CompanyOut]
    next_cursor: str | None


Text200 = Annotated[str, Meta(max_length=TITLE)]
Line = Annotated[str, Meta(max_length=LINE)]
Notes = Annotated[str, Meta(max_length=NOTES)]
Month = Annotated[int, Meta(ge=1, le=12)]
Id = Annotated[int, Meta(ge=1)]
ROUNDING = "The tax rounding its new quotes start with; null: the issuer's default."
DUPLICATE = "Save although a company with the same name exists (a same 法人番号 is always refused)."


class CompanyFields(Struct, forbid_unknown_fields=True, kw_only=True):
    name_kana: Text200 | UnsetType = UNSET
    corporate_number: Annotated[str, Meta(max_length=20)] | None | UnsetType = UNSET
    industry: Annotated[str, Meta(max_length=100)] | UnsetType = UNSET
    employee_band: EmployeeBand | UnsetType = UNSET
    fiscal_year_end_month: Month | None | UnsetType = UNSET
    website: Line | UnsetType = UNSET
    phone: Annotated[str, Meta(max_length=40)] | UnsetType = UNSET
    address: Line | UnsetType = UNSET
    owner_id: Annotated[Id | None, Meta(description="Empty on create: the creating rep's own.")] | UnsetType = UNSET
    parent_id: Id | None | UnsetType = UNSET
    is_target: bool | UnsetType = UNSET
    tags: Annotated[list[Annotated[str, Meta(max_length=50)]], Meta(max_length=20)] | UnsetType = UNSET
    notes: Notes | UnsetType = UNSET
    confirm_duplicate: Annotated[bool, Meta(description=DUPLICATE)] | UnsetType = UNSET


class CompanyCreate(CompanyFields, kw_only=True):
    name: Text200


class CompanyPatch(CompanyFields, kw_only=True):
    version: Annotated[int, Meta(description="The version you read; a stale one gets 409 with `current`.")]
    name: Text200 | UnsetType = UNSET
    quote_rounding: Annotated[Rounding | None, Meta(description=ROUNDING)] | UnsetType = UNSET


def _form(body: CompanyFields, base: CompanyForm) -> CompanyForm:
    form = as_form(CompanyForm, body, base)
    if not isinstance(body.tags, UnsetType):
        form.tags = joined(body.tags)
    return form


@get("/", responses=READ_ERRORS, summary="Companies, oldest change first")
async def list_companies(
    db_session: DB,
    actor: Actor,
    limit: Limit = sync.DEFAULT_LIMIT,
    cursor: Cursor = None,
    updated_since: UpdatedSince = None,
) -> CompanyList:
    window = sync.parse_window(limit, cursor, updated_since)
    rows, next_cursor = await services.companies_changed(db_session, actor, window)
    return CompanyList([CompanyOut.of(row) for row in rows], next_cursor)


@get("/{company_id:int}", responses=WRITE_ERRORS, summary="One company")
async def get_company(db_session: DB, actor: Actor, company_id: Annotated[int, ITEM_ID]) -> CompanyOut:
    return CompanyOut.of(await services.get_company(db_session, actor, company_id))


@post("/", responses=WRITE_ERRORS, summary="Create a company")
async def create_company(db_session: DB, actor: Actor, data: JSONBody[CompanyCreate]) -> CompanyOut:
    company = await services.create_company(db_session, actor, parse_company(_form(data, CompanyForm())))
    return CompanyOut.of(company)


@patch("/{company_id:int}", responses=WRITE_ERRORS, summary="Change a company's fields")
async def update_company(
    db_session: DB, actor: Actor, company_id: Annotated[int, ITEM_ID], data: JSONBody[CompanyPatch]
) -> CompanyOut:
    saved = await services.get_company(db_session, actor, company_id)
    details = parse_company(_form(data, company_form(saved)))
    company = await services.update_company(db_session, actor, company_id, details)
    if not isinstance(data.quote_rounding, UnsetType):  # the page's other form: a save of its own
        wanted = CompanyRoundingInput(data.quote_rounding, company.version)
        company = await set_company_rounding(db_session, actor, company_id, wanted)
    return CompanyOut.of(company)


ROUTER = Router(
    "/companies", route_handlers=[list_companies, get_company, create_company, update_company], tags=["accounts"]
)

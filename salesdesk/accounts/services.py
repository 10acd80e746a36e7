"""Companies: who may edit them, validation, duplicates, the list with its filters, groups.

Every user reads every account; `may_edit` is the one rule for changing one (persons,
departments and activities of a company follow their company).
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import Select, bindparam, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload, selectinload

from salesdesk import sync
from salesdesk.accounts import normalize as norm
from salesdesk.accounts import search
from salesdesk.accounts.forms import CompanyInput
from salesdesk.accounts.models import EMPLOYEE_BANDS, Company, CompanyTag
from salesdesk.accounts.picker import find_company
from salesdesk.accounts.search import index_company
from salesdesk.auth import policy
from salesdesk.auth.models import Role, User
from salesdesk.clock import Clock
from salesdesk.db import loaded, utcnow
from salesdesk.errors import Forbidden, Invalid, NotFound
from salesdesk.ids import parse_id, parse_int, parse_page
from salesdesk.pipeline.models import Deal
from salesdesk.versions import check_version, flush_or_stale
from salesdesk.webhooks import outbox

PAGE_SIZE = 50
SORTS = {
    "name": (Company.kana_key, Company.normalized_name),
    "-updated": (Company.updated_at.desc(),),
    "-last_contact": (Company.last_contact_at.desc().nulls_last(),),
    "last_contact": (Company.last_contact_at.asc().nulls_first(),),
}


class Duplicates(Invalid):
    """The input matches rows that exist: the form shows them with "open it instead"."""

    def __init__(self, candidates: list[Any], **errors: str) -> None:
        super().__init__(**errors)
        self.candidates = candidates


# --- rights ------------------------------------------------------------------------


@dataclass(frozen=True)
class AccountRights:
    """What the actor may do with one account (auth.policy's account rules, looked up once)."""

    edit: bool  # its details: name, 法人番号, notes ... (the owner's own team decides these)
    contribute: bool  # add and update its activities, departments and persons
    remove: bool  # merge it away or delete it, merge or delete its persons
    owner_team_id: int | None


async def rights(db: AsyncSession, actor: User, company: Company) -> AccountRights:
    owner = loaded(company, "owner")  # get_company loads it: no query for the owner's team then
    known = owner is not None and owner.id == company.owner_id
    owner_team_id = owner.team_id if known else await _team_of(db, company.owner_id)
    who = {"owner_id": company.owner_id, "owner_team_id": owner_team_id}
    edit = policy.may_edit_account(actor, **who)
    contribute = edit or policy.may_contribute_to_account(
        actor, **who, has_actors_deal=await _actor_has_deal(db, actor, company.id)
    )
    return AccountRights(edit, contribute, policy.may_remove_from_account(actor, **who), owner_team_id)


async def _team_of(db: AsyncSession, user_id: int | None) -> int | None:
    if user_id is None:
        return None
    return await db.scalar(select(User.team_id).where(User.id == user_id))


async def _actor_has_deal(db: AsyncSession, actor: User, company_id: int) -> bool:
    """A rep who owns a deal at the company works the account, so may keep it up to date."""
    return await db.scalar(OWNS_A_DEAL, {"company_id": company_id, "owner_id": actor.id}) is not None


OWNS_A_DEAL = (  # built once, as the other statements every company page runs
    select(Deal.id).where(Deal.company_id == bindparam("company_id"), Deal.owner_id == bindparam("owner_id")).limit(1)
)


async def may_edit(db: AsyncSession, actor: User, company: Company) -> bool:
    """May add to and update the account's departments, persons and activities."""
    return (await rights(db, actor, company)).contribute


async def ensure_may_edit(db: AsyncSession, actor: User, company: Company) -> None:
    """Contribute: departments, persons, activities (see AccountRights)."""
    if not (await rights(db, actor, company)).contribute:
        raise Forbidden("company.edit")


async def ensure_may_edit_details(db: AsyncSession, actor: User, company: Company) -> AccountRights:
    found = await rights(db, actor, company)
    if not found.edit:
        raise Forbidden("company.edit")
    return found


async def ensure_may_remove(db: AsyncSession, actor: User, company: Company) -> None:
    """Merge or delete the account, or merge or delete its persons."""
    if not (await rights(db, actor, company)).remove:
        raise Forbidden("company.remove")


# --- reading -------------------------------------------------------------------------


COMPANY = (
    select(Company)
    .where(Company.id == bindparam("company_id"))
    .options(joinedload(Company.owner), joinedload(Company.tags), joinedload(Company.parent))
)


async def get_company(db: AsyncSession, actor: User, company_id: int) -> Company:
    company = (await db.scalars(COMPANY, {"company_id": company_id})).unique().first()  # one statement
    if company is None:
        raise NotFound("company")
    return company


@dataclass
class CompanyFilter:
    q: str = ""
    owner_id: int | None = None
    industry: str = ""
    tag: str = ""
    target: str = ""  # "1" target accounts only, "0" the others
    no_contact_days: int | None = None
    sort: str = "name"
    page: int = 1

    @classmethod
    def from_query(cls, params: Any) -> CompanyFilter:
        """From a URL's query parameters (a mapping); anything malformed is ignored, not an error."""

        return cls(
            q=(params.get("q") or "").strip(),
            owner_id=parse_id(params.get("owner_id")),
            industry=params.get("industry") or "",
            tag=params.get("tag") or "",
            target=params.get("target") or "",
            no_contact_days=parse_int(params.get("no_contact_days"), high=36_500),
            sort=params.get("sort") if params.get("sort") in SORTS else "name",
            page=parse_page(params.get("page")),
        )

    def query_string(self, **overrides: Any) -> str:
        values = {f.name: getattr(self, f.name) for f in fields(self)} | overrides
        defaults = {"page": 1, "sort": "name"}
        return urlencode({k: v for k, v in values.items() if v not in (None, "") and defaults.get(k) != v})


@dataclass
class CompanyPage:
    companies: list[Company]
    total: int
    page: int
    pages: int
    filters: CompanyFilter = field(default_factory=CompanyFilter)


def filtered_companies(f: CompanyFilter, now: datetime) -> Select[tuple[Company]]:
    query = select(Company)
    if f.q and (ids := search.matching_ids(f.q, "company", limit=None)) is not None:
        query = query.where(Company.id.in_(ids))
    if f.owner_id is not None:
        query = query.where(Company.owner_id == f.owner_id)
    if f.industry:
        query = query.where(Company.industry == f.industry)
    if f.tag:
        query = query.where(Company.id.in_(select(CompanyTag.company_id).where(CompanyTag.name == f.tag)))
    if f.target in ("0", "1"):
        query = query.where(Company.is_target.is_(f.target == "1"))
    if f.no_contact_days is not None:
        cutoff = now - timedelta(days=f.no_contact_days)
        query = query.where(or_(Company.last_contact_at.is_(None), Company.last_contact_at < cutoff))
    return query


async def list_companies(
    db: AsyncSession, actor: User, f: CompanyFilter, clock: Clock, *, page_size: int = PAGE_SIZE
) -> CompanyPage:
    query = filtered_companies(f, clock.now())
    total = await db.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    pages = max(1, -(-total // page_size))
    page = min(max(1, f.page), pages)
    rows = await db.scalars(
        query.options(selectinload(Company.owner), selectinload(Company.tags))
        .order_by(*SORTS.get(f.sort, SORTS["name"]), Company.id)
        .limit(page_size)
        .offset((page - 1) * page_size)
    )
    return CompanyPage(list(rows), total, page, pages, f)


async def list_choices(db: AsyncSession) -> dict[str, list[Any]]:
    """What the filter and edit forms offer: users, industries in use, tags in use."""
    users = list(await db.scalars(select(User).where(User.is_active.is_(True)).order_by(User.name)))
    industries = [
        i
        for i in await db.scalars(
            select(Company.industry).where(Company.industry != "").distinct().order_by(Company.industry)
        )
    ]
    tags = list(await db.scalars(select(CompanyTag.name).distinct().order_by(CompanyTag.name)))
    return {"users": users, "industries": industries, "tags": tags, "bands": list(EMPLOYEE_BANDS)}


async def find_duplicates(
    db: AsyncSession, *, name: str, corporate_number: str = "", exclude_id: int | None = None
) -> list[Company]:
    """Companies with the same 法人番号 or the same name once legal forms and spaces are gone."""
    conditions = []
    key = norm.company_key(name)
    if key:
        conditions.append(Company.normalized_name == key)
    if corporate_number:
        conditions.append(Company.corporate_number == corporate_number)
    if not conditions:
        return []
    query = select(Company).where(or_(*conditions)).options(selectinload(Company.owner)).limit(10)
    if exclude_id is not None:
        query = query.where(Company.id != exclude_id)
    return list(await db.scalars(query))


# --- writing -------------------------------------------------------------------------


async def _clean(db: AsyncSession, actor: User, data: CompanyInput, company: Company | None) -> dict[str, Any]:
    """The rules typed input cannot check alone: owners, the parent company."""
    errors: dict[str, str] = {}
    owner_id = data.owner_id
    if company is None and owner_id is None and actor.role == Role.rep:
        owner_id = actor.id  # a rep's new account is their own
    current_owner = company.owner_id if company else None
    new_owner_team = await db.scalar(select(User.team_id).where(User.id == owner_id, User.is_active.is_(True)))
    if (
        owner_id is not None
        and owner_id != current_owner
        and not await db.scalar(select(User.id).where(User.id == owner_id, User.is_active.is_(True)))
    ):
        errors["owner_id"] = "owner.unknown"
    elif company is None and actor.role == Role.rep and owner_id != actor.id:
        errors["owner_id"] = "owner.rep_cannot_assign"  # a rep's new account is their own
    elif company is not None and not policy.may_assign_account(
        actor,
        owner_id=current_owner,
        owner_team_id=await _team_of(db, current_owner),
        new_owner_id=owner_id,
        new_owner_team_id=new_owner_team,
    ):
        errors["owner_id"] = "owner.not_allowed"
    elif company is None and actor.role == Role.manager and owner_id not in (None, actor.id):
        if new_owner_team != actor.team_id:
            errors["owner_id"] = "owner.not_allowed"  # a manager hands accounts to their own team
    parent_field, parent_id = "parent_id", data.parent_id
    if data.parent_name:  # the page names the parent by name, the API by ID
        parent_field, parent_id = "parent_name", await find_company(db, data.parent_name)
    if data.parent_name and parent_id is None:
        errors["parent_name"] = "parent.unresolved"
    elif parent_id is not None:
        if not await db.scalar(select(Company.id).where(Company.id == parent_id)):
            errors[parent_field] = "parent.unknown"
        elif company is not None and parent_id in await _descendant_ids(db, company.id):
            errors[parent_field] = "parent.cycle"
    if errors:
        raise Invalid(**errors)
    return {
        "name": data.name,
        "name_kana": data.name_kana,
        "corporate_number": data.corporate_number,
        "industry": data.industry,
        "employee_band": data.employee_band,
        "fiscal_year_end_month": data.fiscal_year_end_month,
        "website": data.website,
        "phone": data.phone,
        "address": data.address,
        "owner_id": owner_id,
        "parent_id": parent_id,
        "is_target": data.is_target,
        "notes": data.notes,
    }


async def _descendant_ids(db: AsyncSession, company_id: int) -> set[int]:
    down = select(Company.id).where(Company.id == company_id).cte("desc", recursive=True)
    down = down.union_all(select(Company.id).join(down, Company.parent_id == down.c.id))
    return set(await db.scalars(select(down.c.id)))


async def _check_duplicates(db: AsyncSession, values: dict[str, Any], confirmed: bool, exclude_id: int | None) -> None:
    matches = await find_duplicates(
        db, name=values["name"], corporate_number=values["corporate_number"] or "", exclude_id=exclude_id
    )
    same_number = [
        c for c in matches if values["corporate_number"] and c.corporate_number == values["corporate_number"]
    ]
    if same_number:  # 法人番号 is unique: never two rows for one legal entity
        raise Duplicates(same_number, corporate_number="corporate_number.taken")
    if matches and not confirmed:
        raise Duplicates(matches, name="company.duplicate_name")


def apply_keys(company: Company) -> None:
    company.normalized_name = norm.company_key(company.name)
    company.kana_key = norm.kana_key(company.name_kana)
    company.phone_digits = norm.phone_digits(company.phone)


async def create_company(db: AsyncSession, actor: User, data: CompanyInput) -> Company:
    values = await _clean(db, actor, data, None)
    await _check_duplicates(db, values, data.confirm_duplicate, None)
    company = Company(**values)
    apply_keys(company)
    company.tags = [CompanyTag(name=n) for n in data.tags]
    db.add(company)
    await flush_or_stale(db, company)  # the same 法人番号 saved twice at once: 409
    await index_company(db, company)
    await outbox.record(db, "company.created", company, None, actor)
    return company


async def update_company(db: AsyncSession, actor: User, company_id: int, data: CompanyInput) -> Company:
    company = await get_company(db, actor, company_id)
    await ensure_may_edit_details(db, actor, company)
    values = await _clean(db, actor, data, company)
    await check_version(db, company, data.seen_version, values)
    if (
        norm.company_key(values["name"]) != company.normalized_name
        or values["corporate_number"] != company.corporate_number
    ):
        await _check_duplicates(db, values, data.confirm_duplicate, company.id)
    for key, value in values.items():
        setattr(company, key, value)
    apply_keys(company)
    wanted = data.tags
    if set(wanted) != set(company.tag_names):
        company.updated_at = utcnow()  # tags live in their own table: the company is still saved
    company.tags = [t for t in company.tags if t.name in wanted] + [
        CompanyTag(name=n) for n in wanted if n not in company.tag_names
    ]
    await flush_or_stale(db, company, values)
    await index_company(db, company)
    return company


async def companies_changed(db: AsyncSession, actor: User, window: sync.Window) -> tuple[list[Company], str | None]:
    """Every company (all users see all accounts), oldest change first, for the API's sync."""
    return await sync.page(db, select(Company).options(selectinload(Company.tags)), Company, window)


async def user_names(db: AsyncSession, ids: set[int] | None = None) -> dict[int, str]:
    """Names for the user ids a timeline shows (its authors, owners changed): those given, else all."""
    if ids is None:
        return dict((await db.execute(select(User.id, User.name))).tuples().all())
    return dict((await db.execute(USER_NAMES, {"ids": list(ids)})).tuples().all())


USER_NAMES = select(User.id, User.name).where(User.id.in_(bindparam("ids", expanding=True)))  # built once

"""Which tax rounding a quote starts with: the customer company's own (some buyers' accounting asks
for 四捨五入 or 切り上げ), else the issuer's default; the editor and the API body may still choose
another for one quote. A company's rounding is set on its page by whoever edits its details."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from salesdesk.accounts.models import Company
from salesdesk.accounts.services import ensure_may_edit_details, get_company
from salesdesk.auth.models import User
from salesdesk.inputs import Fields
from salesdesk.quotes.models import IssuerSettings
from salesdesk.quotes.tax import Rounding
from salesdesk.versions import check_version, flush_or_stale


def default_rounding(settings: IssuerSettings, company: Company | None) -> Rounding:
    """The rounding a new quote to this company starts with."""
    if company is not None and company.quote_rounding in Rounding.__members__:
        return Rounding(company.quote_rounding)
    return Rounding(settings.default_rounding)


@dataclass
class CompanyRoundingForm:
    rounding: str = ""  # empty: the issuer's default
    version: int = 0


@dataclass(frozen=True)
class CompanyRoundingInput:
    rounding: Rounding | None
    seen_version: int


def parse_company_rounding(form: CompanyRoundingForm) -> CompanyRoundingInput:
    f = Fields()
    chosen = f.choice("rounding", form.rounding, Rounding, required=False)
    values = CompanyRoundingInput(chosen, f.version(form.version))
    f.done()
    return values


async def set_company_rounding(db: AsyncSession, actor: User, company_id: int, data: CompanyRoundingInput) -> Company:
    company = await get_company(db, actor, company_id)
    await ensure_may_edit_details(db, actor, company)
    wanted = {"quote_rounding": data.rounding.value if data.rounding else None}
    await check_version(db, company, data.seen_version, wanted)
    company.quote_rounding = wanted["quote_rounding"]
    await flush_or_stale(db, company, wanted)
    return company

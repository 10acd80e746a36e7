"""Setting a company's or a deal's contract end date (the panel on their pages)."""

from __future__ import annotations

from typing import Annotated

from litestar import Request, Response, post

from salesdesk.calendar import renewals
from salesdesk.calendar.forms import ContractForm, parse_contract
from salesdesk.deps import DB, Actor
from salesdesk.i18n import _
from salesdesk.web import FORM, redirect


@post("/accounts/{company_id:int}/contract")
async def company_contract(
    request: Request, db_session: DB, actor: Actor, company_id: int, data: Annotated[ContractForm, FORM]
) -> Response:
    await renewals.set_company_contract(db_session, actor, company_id, parse_contract(data))
    return redirect(request, f"/accounts/{company_id}", flash=("success", _("Contract end date saved.")))


@post("/deals/{deal_id:int}/contract")
async def deal_contract(
    request: Request, db_session: DB, actor: Actor, deal_id: int, data: Annotated[ContractForm, FORM]
) -> Response:
    await renewals.set_deal_contract(db_session, actor, deal_id, parse_contract(data))
    return redirect(request, f"/deals/{deal_id}", flash=("success", _("Contract end date saved.")))


ROUTES = [company_contract, deal_contract]

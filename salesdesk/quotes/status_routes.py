"""A quote's page and its actions: send, accept (with the deal), reject, and the discount approval.
Each action posts the version the page was drawn from and comes back to the page with a flash;
a refused one shows the page again with the reason (422), a stale one with what changed (409)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from litestar import Request, Response, post
from sqlalchemy.ext.asyncio import AsyncSession

from salesdesk.auth.models import User
from salesdesk.clock import Clock
from salesdesk.deps import DB, Actor, Now
from salesdesk.errors import Invalid, StaleEdit
from salesdesk.i18n import _
from salesdesk.inputs import NOTES, Fields
from salesdesk.pipeline import access
from salesdesk.quotes import diff, services, status
from salesdesk.quotes.forms import fmt_quantity
from salesdesk.quotes.models import QuoteStatus
from salesdesk.quotes.status import AcceptInput, DecisionInput
from salesdesk.web import FORM, Page, redirect, render


@dataclass
class ActionForm:
    version: str = ""
    note: str = ""
    set_deal_amount: str = ""
    win_deal: str = ""
    decided_on: str = ""


async def view_context(db: AsyncSession, actor: User, clock: Clock, quote_id: int) -> dict[str, Any]:
    """Everything the quote's page shows: the quote, its totals per rate, its revisions (with what
    changed from the one before), and which actions the actor has."""
    quote = await services.get_quote(db, actor, quote_id)
    today = clock.today()
    revisions = await services.revisions(db, quote)
    earlier = next((r for r in revisions if r.revision < quote.revision), None)
    changes = None
    if earlier is not None:
        changes = diff.compare(await services.get_quote(db, actor, earlier.id), quote)
    return {
        "quote": quote,
        "deal": quote.deal,
        "totals": services.quote_totals(quote),
        "shown": services.shown_status(quote, today),
        "revisions": revisions,
        "changes": changes,
        "earlier": earlier,
        "may_edit": await access.may_edit(db, actor, quote.deal),
        "may_approve": await status.may_approve(db, actor, quote),
        "needs_approval": await status.needs_approval(db, quote),
        "today": today,
        "QuoteStatus": QuoteStatus,
        "fmt_quantity": fmt_quantity,
    }


def _decision(form: ActionForm) -> DecisionInput:
    f = Fields()
    data = DecisionInput(f.version(form.version), f.text("note", form.note, limit=NOTES, lines=True))
    f.done()
    return data


async def _act(
    request: Request, db: AsyncSession, actor: User, clock: Clock, quote_id: int, call: Any, done: str
) -> Any:
    try:
        await call()
    except Invalid as error:
        context = await view_context(db, actor, clock, quote_id)
        return render("quotes/quote.html", status_code=422, action_errors=error.errors, **context)
    except StaleEdit as stale:
        context = await view_context(db, actor, clock, quote_id)
        return render("quotes/quote.html", status_code=409, stale=stale, **context)
    return redirect(request, f"/quotes/{quote_id}", flash=("success", done))


@post("/quotes/{quote_id:int}/send")
async def send(
    request: Request, db_session: DB, actor: Actor, clock: Now, quote_id: int, data: Annotated[ActionForm, FORM]
) -> Response | Page:
    version = Fields().version(data.version)
    return await _act(
        request, db_session, actor, clock, quote_id,
        lambda: status.send_quote(db_session, actor, clock, quote_id, version),
        _("Marked as sent."),
    )  # fmt: skip


@post("/quotes/{quote_id:int}/accept")
async def accept(
    request: Request, db_session: DB, actor: Actor, clock: Now, quote_id: int, data: Annotated[ActionForm, FORM]
) -> Response | Page:
    f = Fields()
    accepted = AcceptInput(
        seen_version=f.version(data.version),
        set_deal_amount=f.flag(data.set_deal_amount),
        win_deal=f.flag(data.win_deal),
        decided_on=f.date("decided_on", data.decided_on),
    )

    async def accept_it() -> Any:
        f.done()
        return await status.accept_quote(db_session, actor, clock, quote_id, accepted)

    return await _act(request, db_session, actor, clock, quote_id, accept_it, _("Accepted."))


@post("/quotes/{quote_id:int}/reject")
async def reject(
    request: Request, db_session: DB, actor: Actor, clock: Now, quote_id: int, data: Annotated[ActionForm, FORM]
) -> Response | Page:
    return await _act(
        request, db_session, actor, clock, quote_id,
        lambda: status.reject_quote(db_session, actor, clock, quote_id, _decision(data)),
        _("Marked as rejected."),
    )  # fmt: skip


@post("/quotes/{quote_id:int}/request-approval")
async def request_approval(
    request: Request, db_session: DB, actor: Actor, clock: Now, quote_id: int, data: Annotated[ActionForm, FORM]
) -> Response | Page:
    return await _act(
        request, db_session, actor, clock, quote_id,
        lambda: status.request_approval(db_session, actor, clock, quote_id, _decision(data)),
        _("Approval requested."),
    )  # fmt: skip


@post("/quotes/{quote_id:int}/approve")
async def approve(
    request: Request, db_session: DB, actor: Actor, clock: Now, quote_id: int, data: Annotated[ActionForm, FORM]
) -> Response | Page:
    return await _act(
        request, db_session, actor, clock, quote_id,
        lambda: status.decide_approval(db_session, actor, clock, quote_id, _decision(data), approve=True),
        _("Discount approved."),
    )  # fmt: skip


@post("/quotes/{quote_id:int}/decline")
async def decline(
    request: Request, db_session: DB, actor: Actor, clock: Now, quote_id: int, data: Annotated[ActionForm, FORM]
) -> Response | Page:
    return await _act(
        request, db_session, actor, clock, quote_id,
        lambda: status.decide_approval(db_session, actor, clock, quote_id, _decision(data), approve=False),
        _("Sent back to draft."),
    )  # fmt: skip


ROUTES = [send, accept, reject, request_approval, approve, decline]

"""/api/v1/quotes: 御見積書 on deals, read and written through quotes.services and quotes.status
like the pages. Who sees a quote is who sees its deal (another team's: 404); who changes it is who
may edit the deal (403). A body is the editor's form (quote_shapes.py): fields left out keep what
the page would show (a new quote: the deal's company, primary contact and title, the issuer's
payment terms and rounding), and `lines` replaces every line. Saving a sent (rejected, expired)
quote makes its next revision (第N+1版) as the editor does; earlier revisions stay readable.
Status changes are the quote page's buttons: send, accept (with the deal's amount and 受注),
reject, and the discount approval (request, approve, decline). Quotes are never deleted.
"""

from __future__ import annotations

from functools import partial
from typing import Annotated
from urllib.parse import quote as url_quote

import anyio
from litestar import Response, get, patch, post
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import JSONBody, Parameter
from sqlalchemy.ext.asyncio import AsyncSession

from salesdesk import sync
from salesdesk.api.common import ITEM_ID, Cursor, Limit, UpdatedSince, field_names
from salesdesk.api.errors import READ_ERRORS, WRITE_ERRORS
from salesdesk.api.quote_shapes import (
    TAGS,
    AcceptBody,
    DecisionBody,
    QuoteCreate,
    QuoteList,
    QuoteOut,
    QuotePatch,
    VersionBody,
    body_field,
    quote_form,
)
from salesdesk.auth.models import User
from salesdesk.clock import Clock
from salesdesk.deps import DB, Actor, Now
from salesdesk.quotes import pdf, services, status
from salesdesk.quotes.forms import parse_quote
from salesdesk.quotes.issuer import issuer
from salesdesk.quotes.status import AcceptInput, DecisionInput

# --- handlers ----------------------------------------------------------------------------------

DealFilter = Annotated[int | None, Parameter(ge=1, le=2**53, description="Only this deal's quotes.")]


@get("/quotes", responses=READ_ERRORS, tags=TAGS, summary="Quotes (every revision), oldest change first")
async def list_quotes(
    db_session: DB,
    actor: Actor,
    clock: Now,
    limit: Limit = sync.DEFAULT_LIMIT,
    cursor: Cursor = None,
    updated_since: UpdatedSince = None,
    deal_id: DealFilter = None,
) -> QuoteList:
    """The quotes of the deals the user sees; `is_latest` tells the current revision of a number."""
    window = sync.parse_window(limit, cursor, updated_since)
    rows, next_cursor = await services.quotes_changed(db_session, actor, window, deal_id=deal_id)
    today = clock.today()
    return QuoteList([QuoteOut.of(row, today) for row in rows], next_cursor)


@get("/quotes/{quote_id:int}", responses=WRITE_ERRORS, tags=TAGS, summary="One quote (any revision)")
async def get_quote(db_session: DB, actor: Actor, clock: Now, quote_id: Annotated[int, ITEM_ID]) -> QuoteOut:
    return QuoteOut.of(await services.get_quote(db_session, actor, quote_id), clock.today())


@post("/quotes", responses=WRITE_ERRORS, tags=TAGS, summary="Make a quote on a deal (a draft)")
async def create_quote(db_session: DB, actor: Actor, clock: Now, data: JSONBody[QuoteCreate]) -> QuoteOut:
    """Its number is the next of the fiscal year (gap-free); fields left out are the editor's defaults."""
    _deal, base = await services.new_quote_form(db_session, actor, clock, data.deal_id)
    with field_names(body_field(data.lines)):
        quote = await services.create_quote(
            db_session, actor, clock, data.deal_id, parse_quote(quote_form(data, base, data.lines))
        )
    return QuoteOut.of(await services.get_quote(db_session, actor, quote.id), clock.today())


@patch("/quotes/{quote_id:int}", responses=WRITE_ERRORS, tags=TAGS, summary="Change a quote (or re-quote it)")
async def update_quote(
    db_session: DB, actor: Actor, clock: Now, quote_id: Annotated[int, ITEM_ID], data: JSONBody[QuotePatch]
) -> QuoteOut:
    """A draft changes in place (an approved one goes back to draft). A sent, rejected or expired
    quote gets its next revision with these values: the answer is that new revision (another `id`,
    `revision` + 1, the same `number`). Only the latest revision changes; an accepted one does not."""
    saved = await services.editable_quote(db_session, actor, quote_id)
    with field_names(body_field(data.lines)):
        form = quote_form(data, services.edit_form(saved), data.lines)
        quote = await services.save_quote(db_session, actor, clock, quote_id, parse_quote(form))
    return QuoteOut.of(await services.get_quote(db_session, actor, quote.id), clock.today())


PDF = ResponseSpec(
    data_container=bytes,
    media_type="application/pdf",
    description="The 御見積書, A4, in the quote's language (`locale`).",
    generate_examples=False,
)


@get(
    "/quotes/{quote_id:int}/pdf",
    responses={200: PDF} | WRITE_ERRORS,
    media_type="application/pdf",
    tags=TAGS,
    summary="The quote as a PDF",
)
async def quote_pdf(
    db_session: DB,
    actor: Actor,
    quote_id: Annotated[int, ITEM_ID],
    pdfa: Annotated[bool, Parameter(description="true: PDF/A-3b, for archiving.")] = False,
) -> Response[bytes]:
    """The document the quote page downloads (drawn in a worker thread)."""
    quote = await services.get_quote(db_session, actor, quote_id)
    settings = await issuer(db_session)
    content = await anyio.to_thread.run_sync(partial(pdf.render_pdf, quote, settings, pdf_a=pdfa))
    name = f"{quote.number}_{quote.revision}.pdf"
    return Response(
        content,
        media_type="application/pdf",
        headers={"Content-Disposition": f"inline; filename=\"{name}\"; filename*=UTF-8''{url_quote(name)}"},
    )


# --- the quote page's buttons --------------------------------------------------------------------


async def _shown(db: AsyncSession, actor: User, clock: Clock, quote_id: int) -> QuoteOut:
    return QuoteOut.of(await services.get_quote(db, actor, quote_id), clock.today())


ACTION = {"responses": WRITE_ERRORS, "tags": TAGS, "status_code": 200}


@post("/quotes/{quote_id:int}/send", summary="Mark it sent (the PDF went to the customer)", **ACTION)
async def send_quote(
    db_session: DB, actor: Actor, clock: Now, quote_id: Annotated[int, ITEM_ID], data: JSONBody[VersionBody]
) -> QuoteOut:
    """A draft, or an approved one; a discount over the approval threshold needs approval first (422)."""
    await status.send_quote(db_session, actor, clock, quote_id, data.version)
    return await _shown(db_session, actor, clock, quote_id)


@post("/quotes/{quote_id:int}/accept", summary="The customer accepted it (受注)", **ACTION)
async def accept_quote(
    db_session: DB, actor: Actor, clock: Now, quote_id: Annotated[int, ITEM_ID], data: JSONBody[AcceptBody]
) -> QuoteOut:
    """A sent quote. In the same step the deal may take the quote's total excl. tax as its amount
    and move to 受注 (422 names what the won stage still needs); read it at /api/v1/deals."""
    accepted = AcceptInput(data.version, data.set_deal_amount, data.win_deal, data.decided_on)
    await status.accept_quote(db_session, actor, clock, quote_id, accepted)
    return await _shown(db_session, actor, clock, quote_id)


@post("/quotes/{quote_id:int}/reject", summary="The customer declined it", **ACTION)
async def reject_quote(
    db_session: DB, actor: Actor, clock: Now, quote_id: Annotated[int, ITEM_ID], data: JSONBody[VersionBody]
) -> QuoteOut:
    """A sent quote; a PATCH may still re-quote it (its next revision)."""
    await status.reject_quote(db_session, actor, clock, quote_id, DecisionInput(data.version))
    return await _shown(db_session, actor, clock, quote_id)


@post("/quotes/{quote_id:int}/request-approval", summary="Ask the manager to approve its discount", **ACTION)
async def request_approval(
    db_session: DB, actor: Actor, clock: Now, quote_id: Annotated[int, ITEM_ID], data: JSONBody[DecisionBody]
) -> QuoteOut:
    """A draft whose discount is over the threshold set in the quote settings (else 422)."""
    await status.request_approval(db_session, actor, clock, quote_id, DecisionInput(data.version, data.note))
    return await _shown(db_session, actor, clock, quote_id)


@post("/quotes/{quote_id:int}/approve", summary="Approve its discount (the team's manager)", **ACTION)
async def approve_quote(
    db_session: DB, actor: Actor, clock: Now, quote_id: Annotated[int, ITEM_ID], data: JSONBody[DecisionBody]
) -> QuoteOut:
    """The manager of the deal owner's team, or an admin (not the one who made the quote): 403 otherwise."""
    await status.decide_approval(
        db_session, actor, clock, quote_id, DecisionInput(data.version, data.note), approve=True
    )
    return await _shown(db_session, actor, clock, quote_id)


@post("/quotes/{quote_id:int}/decline", summary="Send it back to draft (the team's manager)", **ACTION)
async def decline_quote(
    db_session: DB, actor: Actor, clock: Now, quote_id: Annotated[int, ITEM_ID], data: JSONBody[DecisionBody]
) -> QuoteOut:
    await status.decide_approval(
        db_session, actor, clock, quote_id, DecisionInput(data.version, data.note), approve=False
    )
    return await _shown(db_session, actor, clock, quote_id)


ROUTES = [
    list_quotes,
    get_quote,
    create_quote,
    update_quote,
    quote_pdf,
    send_quote,
    accept_quote,
    reject_quote,
    request_approval,
    approve_quote,
    decline_quote,
]

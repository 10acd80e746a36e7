"""Quote pages: the list, a quote with its revisions and actions, the editor (new from a deal, or
editing a quote) and the PDF. The editor posts the whole form for each button: htmx swaps the
editor block (new amounts and totals, nothing saved); without JavaScript the page comes back.
"""

from __future__ import annotations

from dataclasses import replace
from functools import partial
from typing import Annotated, Any
from urllib.parse import quote as url_quote

import anyio
from litestar import Request, Response, get, post
from sqlalchemy.ext.asyncio import AsyncSession

from salesdesk.auth.models import User
from salesdesk.clock import Clock
from salesdesk.deps import DB, Actor, Now
from salesdesk.errors import Invalid, StaleEdit
from salesdesk.i18n import _
from salesdesk.ids import parse_id, parse_page
from salesdesk.pipeline import access
from salesdesk.pipeline.models import Deal
from salesdesk.quotes import approval, editor, images, pdf, products, rounding, services
from salesdesk.quotes.forms import QuoteForm, fmt_quantity, parse_quote
from salesdesk.quotes.issuer import issuer
from salesdesk.quotes.models import Honorific, Quote, QuoteStatus
from salesdesk.quotes.rounding import CompanyRoundingForm
from salesdesk.quotes.status_routes import ROUTES as STATUS_ROUTES
from salesdesk.quotes.status_routes import view_context
from salesdesk.quotes.tax import RATES, Rounding, TaxCategory
from salesdesk.web import FORM, Page, flash_cookie, is_fragment_request, redirect, render

EDITOR_CONTEXT = {
    "TaxCategory": TaxCategory,
    "Rounding": Rounding,
    "Honorific": Honorific,
    "RATES": RATES,
    "fmt_quantity": fmt_quantity,
}


# --- the list ----------------------------------------------------------------------------------


@get("/quotes")
async def quotes_index(
    db_session: DB, actor: Actor, clock: Now, status: str = "", owner: str = "", page: str = ""
) -> Page:
    f = services.QuoteFilter(status=status, owner_id=parse_id(owner), page=parse_page(page))
    found = await services.list_quotes(db_session, actor, clock, f)
    users = await access.assignable_users(db_session, actor) if actor.role != "rep" else [actor]
    return render(
        "quotes/index.html",
        found=found,
        filter=f,
        users=users,
        today=clock.today(),
        shown_status=services.shown_status,
        QuoteStatus=QuoteStatus,
    )


@get("/quotes/approvals/badge")
async def approvals_badge(db_session: DB, actor: Actor) -> Page:
    """The header's count of quotes awaiting the user's approval (loaded after the page, so pages keep
    their query counts); nothing when none wait."""
    return render("quotes/approval_badge.html", count=await approval.awaiting_count(db_session, actor))


# --- the editor ----------------------------------------------------------------------------------


async def _editor(
    db: AsyncSession,
    *,
    deal: Deal,
    form: QuoteForm,
    quote: Quote | None = None,
    errors: dict[str, str] | None = None,
    stale: StaleEdit | None = None,
    status_code: int = 200,
) -> Page:
    shown = editor.preview(form)
    errors = {**shown.errors, **(errors or {})}
    return render(
        "quotes/editor.html",
        block="editor",
        status_code=status_code,
        deal=deal,
        quote=quote,
        form=form,
        preview=shown,
        errors=errors,
        error_rows={int(key.split("-")[1]) for key in errors if key.startswith("line-")},
        stale=stale,
        catalogue=await products.list_products(db, active_only=True),
        issuer=await issuer(db),
        post_url=f"/quotes/{quote.id}" if quote else f"/deals/{deal.id}/quotes",
        **EDITOR_CONTEXT,
    )


async def _post_editor(
    request: Request, db: AsyncSession, actor: User, clock: Clock, *, deal: Deal, quote: Quote | None = None
) -> Any:
    """A button of the editor (the form comes back changed) or Save (a new quote, a saved draft,
    or the next revision of a sent one: then the quote's page)."""
    raw = await request.form()
    form = QuoteForm.from_form(raw)
    action = str(raw.get("action") or "recalc")
    if action != editor.SAVE:
        product_id = parse_id(str(raw.get("add_product_id") or ""))
        product = await products.get_product(db, product_id) if action == "add_product" and product_id else None
        return await _editor(db, deal=deal, quote=quote, form=editor.apply(form, action, product))
    try:
        data = parse_quote(form)
        if quote is None:
            saved = await services.create_quote(db, actor, clock, deal.id, data)
        else:
            saved = await services.save_quote(db, actor, clock, quote.id, data)
    except Invalid as error:
        return await _editor(db, deal=deal, quote=quote, form=form, errors=error.errors, status_code=422)
    except StaleEdit as stale:  # the user's input stays, now drawn from the current version
        form = replace(form, version=stale.current.version)
        return await _editor(db, deal=deal, quote=quote, form=form, stale=stale, status_code=409)
    message = (
        _("Quote saved.") if quote is None or saved.id == quote.id else _("Revision %(n)d made.", n=saved.revision)
    )
    if is_fragment_request(request):  # htmx: the browser goes to the quote's page
        return Response(
            "", headers={"HX-Redirect": f"/quotes/{saved.id}"}, cookies=[flash_cookie(request, "success", message)]
        )
    return redirect(request, f"/quotes/{saved.id}", flash=("success", message))


@get("/deals/{deal_id:int}/quotes/new")
async def new_quote(db_session: DB, actor: Actor, clock: Now, deal_id: int) -> Page:
    deal, form = await services.new_quote_form(db_session, actor, clock, deal_id)
    return await _editor(db_session, deal=deal, form=editor.apply(form, "add_line"))


@post("/deals/{deal_id:int}/quotes")
async def create_quote(request: Request, db_session: DB, actor: Actor, clock: Now, deal_id: int) -> Any:
    deal, _form = await services.new_quote_form(db_session, actor, clock, deal_id)
    return await _post_editor(request, db_session, actor, clock, deal=deal)


@get("/quotes/{quote_id:int}/edit")
async def edit_quote(db_session: DB, actor: Actor, quote_id: int) -> Page:
    quote = await services.editable_quote(db_session, actor, quote_id)
    return await _editor(db_session, deal=quote.deal, quote=quote, form=services.edit_form(quote))


@post("/quotes/{quote_id:int}")
async def save_quote(request: Request, db_session: DB, actor: Actor, clock: Now, quote_id: int) -> Any:
    quote = await services.editable_quote(db_session, actor, quote_id)
    return await _post_editor(request, db_session, actor, clock, deal=quote.deal, quote=quote)


# --- a quote -------------------------------------------------------------------------------------


@get("/quotes/{quote_id:int}")
async def quote_detail(db_session: DB, actor: Actor, clock: Now, quote_id: int) -> Page:
    return render("quotes/quote.html", **await view_context(db_session, actor, clock, quote_id))


@get("/quotes/{quote_id:int}/pdf")
async def quote_pdf(db_session: DB, actor: Actor, quote_id: int, pdfa: str = "") -> Response:
    """The 御見積書 (in a worker thread: drawing it takes tens of milliseconds); ?pdfa=1 for PDF/A-3b."""
    quote = await services.get_quote(db_session, actor, quote_id)
    settings = await issuer(db_session)
    content = await anyio.to_thread.run_sync(partial(pdf.render_pdf, quote, settings, pdf_a=pdfa == "1"))
    name = f"{quote.number}_{quote.revision}.pdf"
    return Response(
        content,
        media_type="application/pdf",
        headers={"Content-Disposition": f"inline; filename=\"{name}\"; filename*=UTF-8''{url_quote(name)}"},
    )


@post("/accounts/{company_id:int}/quote-rounding")
async def company_rounding(
    request: Request, db_session: DB, actor: Actor, company_id: int, data: Annotated[CompanyRoundingForm, FORM]
) -> Response:
    """The company page's panel: this customer's quotes start with its own rounding (empty: the issuer's)."""
    await rounding.set_company_rounding(db_session, actor, company_id, rounding.parse_company_rounding(data))
    return redirect(request, f"/accounts/{company_id}", flash=("success", _("Tax rounding for quotes saved.")))


@get("/quote-images/{kind:str}")
async def issuer_image(db_session: DB, actor: Actor, kind: str) -> Response:
    """The seal or logo as uploaded, to logged-in users only (the app's login guard), never cached
    by shared caches."""
    content, media_type = await images.image(db_session, kind)
    headers = {"Cache-Control": "private, max-age=0, must-revalidate", "X-Content-Type-Options": "nosniff"}
    return Response(content, media_type=media_type, headers=headers)


ROUTES = [
    quotes_index,
    approvals_badge,
    new_quote,
    create_quote,
    edit_quote,
    save_quote,
    quote_detail,
    quote_pdf,
    issuer_image,
    company_rounding,
    *STATUS_ROUTES,
]

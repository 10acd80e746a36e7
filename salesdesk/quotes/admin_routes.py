"""Administration of quotes (admins only; the services check it): the product catalogue with its
CSV import and export, and the issuer settings printed on every quote."""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated, Any

from litestar import Request, Response, get, post
from litestar.datastructures import UploadFile
from sqlalchemy.ext.asyncio import AsyncSession

from salesdesk.auth.models import User
from salesdesk.deps import DB, Actor, Now
from salesdesk.errors import Invalid, StaleEdit
from salesdesk.i18n import _
from salesdesk.quotes import issuer, products
from salesdesk.quotes.forms import IssuerForm, ProductForm, parse_issuer, parse_product, product_form
from salesdesk.quotes.models import Product
from salesdesk.quotes.products import CATEGORY_LABELS
from salesdesk.web import FORM, Page, redirect, render

PRODUCTS = "/admin/products"
MAX_IMPORT_BYTES = 5 * 1024 * 1024


async def _products_page(
    db: AsyncSession,
    actor: User,
    *,
    status_code: int = 200,
    form: ProductForm | None = None,
    errors: dict[str, str] | None = None,
    editing: Product | None = None,
    stale: StaleEdit | None = None,
    imported: Any = None,
    import_error: str = "",
) -> Page:
    return render(
        "quotes/admin_products.html",
        status_code=status_code,
        catalogue=await products.admin_products(db, actor),
        form=form or ProductForm(is_active="1"),
        errors=errors or {},
        editing=editing,
        stale=stale,
        imported=imported,
        import_error=import_error,
        CATEGORY_LABELS=CATEGORY_LABELS,
    )


@get(PRODUCTS)
async def products_page(db_session: DB, actor: Actor) -> Page:
    return await _products_page(db_session, actor)


@post(PRODUCTS)
async def create_product(
    request: Request, db_session: DB, actor: Actor, data: Annotated[ProductForm, FORM]
) -> Response | Page:
    products.ensure_admin(actor)  # before the input is looked at
    try:
        await products.create_product(db_session, actor, parse_product(data))
    except Invalid as error:
        return await _products_page(db_session, actor, status_code=422, form=data, errors=error.errors)
    return redirect(request, PRODUCTS, flash=("success", _("Product added.")))


@get(PRODUCTS + "/{product_id:int}")
async def edit_product(db_session: DB, actor: Actor, product_id: int) -> Page:
    product = await products.admin_product(db_session, actor, product_id)
    return await _products_page(db_session, actor, form=product_form(product), editing=product)


@post(PRODUCTS + "/{product_id:int}")
async def update_product(
    request: Request, db_session: DB, actor: Actor, product_id: int, data: Annotated[ProductForm, FORM]
) -> Response | Page:
    try:
        await products.update_product(db_session, actor, product_id, parse_product(data))
    except Invalid as error:
        product = await products.admin_product(db_session, actor, product_id)
        return await _products_page(db_session, actor, status_code=422, form=data, errors=error.errors, editing=product)
    except StaleEdit as stale:
        product = await products.admin_product(db_session, actor, product_id)
        form = replace(data, version=product.version)
        return await _products_page(db_session, actor, status_code=409, form=form, editing=product, stale=stale)
    return redirect(request, PRODUCTS, flash=("success", _("Product saved.")))


@get(PRODUCTS + "/export")
async def export_products(db_session: DB, actor: Actor, clock: Now, encoding: str = "utf-8-sig") -> Response:
    file = await products.export_products(db_session, actor, clock, encoding)
    return Response(
        file.content,
        media_type=f"text/csv; charset={file.charset}",
        headers={"Content-Disposition": f'attachment; filename="{file.filename}"'},
    )


@post(PRODUCTS + "/import", request_max_body_size=MAX_IMPORT_BYTES + 64 * 1024)
async def import_products(request: Request, db_session: DB, actor: Actor) -> Response | Page:
    products.ensure_admin(actor)
    upload = (await request.form()).get("file")
    if not isinstance(upload, UploadFile):
        return await _products_page(db_session, actor, status_code=422, import_error=_("Choose a file to import."))
    try:
        result = await products.import_products(db_session, actor, await upload.read(), upload.filename or "")
    except Invalid as error:
        return await _products_page(db_session, actor, status_code=422, import_error=error.errors["file"])
    if result.errors:
        return await _products_page(db_session, actor, status_code=422, imported=result)
    message = _("Imported: %(created)d added, %(updated)d updated.", created=result.created, updated=result.updated)
    return redirect(request, PRODUCTS, flash=("success", message))


# --- issuer settings -------------------------------------------------------------------------------


def issuer_form(settings: Any) -> IssuerForm:
    return IssuerForm(
        name=settings.name,
        address=settings.address,
        phone=settings.phone,
        registration_number=settings.registration_number,
        bank_notes=settings.bank_notes,
        default_payment_terms=settings.default_payment_terms,
        default_rounding=settings.default_rounding,
        default_validity_days=str(settings.default_validity_days),
        number_pattern=settings.number_pattern,
        approval_threshold_percent=str(settings.approval_threshold_percent or ""),
        version=settings.version,
    )


@get("/admin/quote-settings")
async def settings_page(db_session: DB, actor: Actor) -> Page:
    settings = await issuer.admin_issuer(db_session, actor)
    return render("quotes/admin_settings.html", form=issuer_form(settings), errors={})


@post("/admin/quote-settings")
async def save_settings(
    request: Request, db_session: DB, actor: Actor, data: Annotated[IssuerForm, FORM]
) -> Response | Page:
    await issuer.admin_issuer(db_session, actor)  # before the input is looked at
    try:
        await issuer.save_issuer(db_session, actor, parse_issuer(data))
    except Invalid as error:
        return render("quotes/admin_settings.html", status_code=422, form=data, errors=error.errors)
    except StaleEdit as stale:
        settings = await issuer.issuer(db_session)
        form = replace(data, version=settings.version)
        return render("quotes/admin_settings.html", status_code=409, form=form, errors={}, stale=stale)
    return redirect(request, "/admin/quote-settings", flash=("success", _("Quote settings saved.")))


ROUTES = [
    products_page,
    create_product,
    edit_product,
    update_product,
    export_products,
    import_products,
    settings_page,
    save_settings,
]

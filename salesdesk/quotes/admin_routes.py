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
from salesdesk.inputs import Fields
from salesdesk.quotes import images, issuer, products
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


SETTINGS = "/admin/quote-settings"
IMAGE = SETTINGS + "/images/{kind:str}"


async def _settings_page(
    db: AsyncSession,
    *,
    form: IssuerForm | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
    stale: StaleEdit | None = None,
    image_errors: dict[str, str] | None = None,
) -> Page:
    """The settings form (the user's input, or the saved values) and the seal and logo with theirs."""
    settings = await issuer.issuer(db)
    return render(
        "quotes/admin_settings.html",
        status_code=status_code,
        form=form or issuer_form(settings),
        errors=errors or {},
        stale=stale,
        images={kind: images.has_image(settings, kind) for kind in images.KINDS},
        image_errors=image_errors or {},
        image_version=settings.version,
        max_image_kb=images.MAX_BYTES // 1024,
    )


@get(SETTINGS)
async def settings_page(db_session: DB, actor: Actor) -> Page:
    await issuer.admin_issuer(db_session, actor)
    return await _settings_page(db_session)


@post("/admin/quote-settings")
async def save_settings(
    request: Request, db_session: DB, actor: Actor, data: Annotated[IssuerForm, FORM]
) -> Response | Page:
    await issuer.admin_issuer(db_session, actor)  # before the input is looked at
    try:
        await issuer.save_issuer(db_session, actor, parse_issuer(data))
    except Invalid as error:
        return await _settings_page(db_session, status_code=422, form=data, errors=error.errors)
    except StaleEdit as stale:
        settings = await issuer.issuer(db_session)
        form = replace(data, version=settings.version)
        return await _settings_page(db_session, status_code=409, form=form, stale=stale)
    return redirect(request, SETTINGS, flash=("success", _("Quote settings saved.")))


@post(IMAGE, request_max_body_size=4 * images.MAX_BYTES)
async def upload_image(request: Request, db_session: DB, actor: Actor, kind: str) -> Response | Page:
    """The seal's or logo's file (multipart); a file too large, of another format or size is a 422."""
    await issuer.admin_issuer(db_session, actor)  # before the file is read
    form = await request.form()
    upload = form.get("file")
    content = await upload.read() if isinstance(upload, UploadFile) else b""
    try:
        await images.save_image(db_session, actor, kind, content, Fields().version(str(form.get("version") or "")))
    except Invalid as error:
        return await _settings_page(db_session, status_code=422, image_errors=error.errors)
    except StaleEdit as stale:
        return await _settings_page(db_session, status_code=409, stale=stale)
    return redirect(request, SETTINGS, flash=("success", _("Seal saved.") if kind == "seal" else _("Logo saved.")))


@post(IMAGE + "/delete")
async def remove_image(request: Request, db_session: DB, actor: Actor, kind: str) -> Response | Page:
    await issuer.admin_issuer(db_session, actor)
    version = Fields().version(str((await request.form()).get("version") or ""))
    try:
        await images.remove_image(db_session, actor, kind, version)
    except StaleEdit as stale:
        return await _settings_page(db_session, status_code=409, stale=stale)
    return redirect(request, SETTINGS, flash=("success", _("Removed.")))


ROUTES = [
    products_page,
    create_product,
    edit_product,
    update_product,
    export_products,
    import_products,
    settings_page,
    save_settings,
    upload_image,
    remove_image,
]

"""/api/v1/products: the product catalogue quotes pick from. Everyone reads it (inactive products
too: quotes still name them); admins add and change products through quotes.products like the
administration page (403 for the others, before the body's values are looked at). Products are
never deleted (the page deactivates them)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from litestar import get, patch, post
from litestar.params import JSONBody
from msgspec import UNSET, Meta, Struct, UnsetType

from salesdesk import sync
from salesdesk.api.common import ITEM_ID, Cursor, Limit, UpdatedSince, as_form, field_names
from salesdesk.api.errors import READ_ERRORS, WRITE_ERRORS, shows
from salesdesk.deps import DB, Actor
from salesdesk.inputs import NOTES, TITLE
from salesdesk.pipeline.forms import MAX_YEN
from salesdesk.quotes import products
from salesdesk.quotes.forms import CODE, UNIT, ProductForm, parse_product, product_form
from salesdesk.quotes.models import Product
from salesdesk.quotes.tax import TaxCategory

TAGS = ["quotes"]
CATEGORY = "standard (10%), reduced (8%, marked ※ on quotes) or exempt (非課税)."
UNIT_TEXT = "単位 as printed: 式, 個, 時間, 月, 本, ライセンス …"
PRICE = "Integer yen, excluding tax."
RENAMED = {"unit_price": "unit_price_jpy"}
ACTIVE = "false: no longer offered in the quote editor (quotes that have it keep it)."

Code = Annotated[str, Meta(max_length=CODE, description="Unique (compared after NFKC).")]
Name = Annotated[str, Meta(max_length=TITLE)]
Price = Annotated[int, Meta(ge=0, lt=MAX_YEN, description=PRICE)]
Category = Annotated[TaxCategory, Meta(description=CATEGORY)]
Unit = Annotated[str, Meta(max_length=UNIT, description=UNIT_TEXT)]


class ProductOut(Struct):
    id: int
    code: str
    name: str
    description: str
    unit: Annotated[str, Meta(description=UNIT_TEXT)]
    unit_price_jpy: Annotated[int, Meta(description=PRICE)]
    tax_category: Category
    is_active: Annotated[bool, Meta(description=ACTIVE)]
    created_at: datetime
    updated_at: datetime
    version: int

    @classmethod
    def of(cls, p: Product) -> ProductOut:
        return cls(
            p.id, p.code, p.name, p.description, p.unit, p.unit_price_jpy, TaxCategory(p.tax_category), p.is_active,
            p.created_at, p.updated_at, p.version,
        )  # fmt: skip


shows(Product, ProductOut.of)


class ProductList(Struct):
    items: list[ProductOut]
    next_cursor: str | None


class ProductFields(Struct, forbid_unknown_fields=True, kw_only=True):
    description: Annotated[str, Meta(max_length=NOTES)] | UnsetType = UNSET
    unit: Unit | UnsetType = UNSET
    tax_category: Category | UnsetType = UNSET
    is_active: Annotated[bool, Meta(description=ACTIVE)] | UnsetType = UNSET


class ProductCreate(ProductFields, kw_only=True):
    code: Code
    name: Name
    unit_price_jpy: Price


class ProductPatch(ProductFields, kw_only=True):
    version: Annotated[int, Meta(description="The version you read; a stale one gets 409 with `current`.")]
    code: Code | UnsetType = UNSET
    name: Name | UnsetType = UNSET
    unit_price_jpy: Price | UnsetType = UNSET


@get("/products", responses=READ_ERRORS, tags=TAGS, summary="Products, oldest change first")
async def list_products(
    db_session: DB,
    actor: Actor,
    limit: Limit = sync.DEFAULT_LIMIT,
    cursor: Cursor = None,
    updated_since: UpdatedSince = None,
) -> ProductList:
    rows, next_cursor = await products.products_changed(db_session, sync.parse_window(limit, cursor, updated_since))
    return ProductList([ProductOut.of(row) for row in rows], next_cursor)


@get("/products/{product_id:int}", responses=WRITE_ERRORS, tags=TAGS, summary="One product")
async def get_product(db_session: DB, actor: Actor, product_id: Annotated[int, ITEM_ID]) -> ProductOut:
    return ProductOut.of(await products.get_product(db_session, product_id))


@post("/products", responses=WRITE_ERRORS, tags=TAGS, summary="Add a product (admins)")
async def create_product(db_session: DB, actor: Actor, data: JSONBody[ProductCreate]) -> ProductOut:
    products.ensure_admin(actor)  # before the input is looked at, as on the page
    form = as_form(ProductForm, data, ProductForm(is_active="1"), unit_price_jpy="unit_price")
    with field_names(lambda name: RENAMED.get(name, name)):
        return ProductOut.of(await products.create_product(db_session, actor, parse_product(form)))


@patch("/products/{product_id:int}", responses=WRITE_ERRORS, tags=TAGS, summary="Change a product (admins)")
async def update_product(
    db_session: DB, actor: Actor, product_id: Annotated[int, ITEM_ID], data: JSONBody[ProductPatch]
) -> ProductOut:
    saved = await products.admin_product(db_session, actor, product_id)
    form = as_form(ProductForm, data, product_form(saved), unit_price_jpy="unit_price")
    with field_names(lambda name: RENAMED.get(name, name)):
        return ProductOut.of(await products.update_product(db_session, actor, product_id, parse_product(form)))


ROUTES = [list_products, get_product, create_product, update_product]

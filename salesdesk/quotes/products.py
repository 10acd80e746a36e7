"""The product catalogue: admins keep it (one by one or by CSV); every user picks from it in quotes.

CSV follows the accounts' conventions (accounts/exporting.py, import_files.py): exports are UTF-8
with BOM by default or CP932 on request, formulas guarded with an apostrophe; imports read strict
UTF-8 (with or without BOM) first, then CP932, or an XLSX workbook. An import matches products by
code (existing ones are updated) and is all or nothing: one bad row and nothing changes.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from salesdesk import sync
from salesdesk.accounts import normalize as norm
from salesdesk.accounts.exporting import CHARSETS, ENCODINGS, ExportFile, to_csv
from salesdesk.accounts.import_files import ImportFileError, cell_text, header_key, read_table
from salesdesk.auth import policy
from salesdesk.auth.models import User
from salesdesk.clock import Clock
from salesdesk.errors import Forbidden, Invalid, NotFound
from salesdesk.quotes.forms import ProductForm, ProductInput, parse_product
from salesdesk.quotes.models import Product
from salesdesk.quotes.tax import TaxCategory
from salesdesk.versions import check_version, flush_or_stale

HEADERS = ["商品コード", "商品名", "説明", "単位", "単価", "税区分", "有効"]
CATEGORY_LABELS = {TaxCategory.standard: "標準税率10%", TaxCategory.reduced: "軽減税率8%", TaxCategory.exempt: "非課税"}
# Words a file may use for a tax category (after header_key: NFKC, lower case, no spaces or marks).
CATEGORY_WORDS = {
    header_key(word): category
    for category, words in {
        TaxCategory.standard: ["standard", "標準", "標準税率", "標準税率10%", "10%", "10"],
        TaxCategory.reduced: ["reduced", "軽減", "軽減税率", "軽減税率8%", "8%", "8"],
        TaxCategory.exempt: ["exempt", "非課税", "不課税", "対象外", "0%", "0"],
    }.items()
    for word in words
}
# Header (after header_key) -> the product form's field.
COLUMNS = {
    header_key(name): target
    for target, names in {
        "code": ["商品コード", "コード", "品番", "code", "productcode", "sku"],
        "name": ["商品名", "品名", "名称", "name", "productname"],
        "description": ["説明", "摘要", "description"],
        "unit": ["単位", "unit"],
        "unit_price": ["単価", "税抜単価", "価格", "unitprice", "price", "unitpricejpy"],
        "tax_category": ["税区分", "税率", "taxcategory", "tax"],
        "is_active": ["有効", "active", "isactive"],
    }.items()
    for name in names
}
INACTIVE_WORDS = {"", "0", "×", "x", "no", "false", "無効", "いいえ"}


def ensure_admin(actor: User) -> None:
    if not policy.may_administer(actor):
        raise Forbidden("quotes.products")


async def list_products(db: AsyncSession, *, active_only: bool = False) -> list[Product]:
    query = select(Product).order_by(Product.code, Product.id)
    if active_only:
        query = query.where(Product.is_active.is_(True))
    return list(await db.scalars(query))


async def get_product(db: AsyncSession, product_id: int) -> Product:
    product = await db.get(Product, product_id)
    if product is None:
        raise NotFound("product")
    return product


async def products_changed(db: AsyncSession, window: sync.Window) -> tuple[list[Product], str | None]:
    """The whole catalogue (inactive products too: quotes still name them), oldest change first."""
    return await sync.page(db, select(Product), Product, window)


async def admin_products(db: AsyncSession, actor: User) -> list[Product]:
    """The catalogue as its administration page lists it (inactive products too)."""
    ensure_admin(actor)
    return await list_products(db)


async def admin_product(db: AsyncSession, actor: User, product_id: int) -> Product:
    ensure_admin(actor)
    return await get_product(db, product_id)


async def _code_taken(db: AsyncSession, code: str, but: int | None = None) -> bool:
    query = select(Product.id).where(Product.code == code)
    if but is not None:
        query = query.where(Product.id != but)
    return await db.scalar(query.limit(1)) is not None


def _values(data: ProductInput) -> dict:
    return {
        "code": data.code,
        "name": data.name,
        "description": data.description,
        "unit": data.unit,
        "unit_price_jpy": data.unit_price_jpy,
        "tax_category": data.tax_category.value,
        "is_active": data.is_active,
    }


async def create_product(db: AsyncSession, actor: User, data: ProductInput) -> Product:
    ensure_admin(actor)
    if await _code_taken(db, data.code):
        raise Invalid(code="product.code_taken")
    product = Product(**_values(data))
    db.add(product)
    await flush_or_stale(db, product)  # two admins adding one code at once: the second is a 409
    return product


async def update_product(db: AsyncSession, actor: User, product_id: int, data: ProductInput) -> Product:
    ensure_admin(actor)
    product = await get_product(db, product_id)
    values = _values(data)
    await check_version(db, product, data.seen_version, values)
    if await _code_taken(db, data.code, but=product.id):
        raise Invalid(code="product.code_taken")
    for key, value in values.items():
        setattr(product, key, value)
    await flush_or_stale(db, product, values)
    return product


# --- CSV -------------------------------------------------------------------------------------


async def export_products(db: AsyncSession, actor: User, clock: Clock, encoding: str = "utf-8-sig") -> ExportFile:
    ensure_admin(actor)
    encoding = encoding if encoding in ENCODINGS else "utf-8-sig"
    rows = [
        [
            p.code,
            p.name,
            p.description,
            p.unit,
            str(p.unit_price_jpy),
            CATEGORY_LABELS[TaxCategory(p.tax_category)],
            "○" if p.is_active else "",
        ]
        for p in await list_products(db)
    ]
    content, replaced = to_csv(HEADERS, rows, encoding)
    return ExportFile(f"products-{clock.today():%Y%m%d}.csv", content, "text/csv", CHARSETS[encoding], replaced)


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    errors: list[tuple[int, str, str]] = field(default_factory=list)  # (row as Excel shows it, field, error key)


def _row_form(headers: dict[int, str], row: list) -> ProductForm:
    values = {target: cell_text(row[i]) if i < len(row) else "" for i, target in headers.items()}
    category = values.get("tax_category", "")
    values["tax_category"] = CATEGORY_WORDS.get(header_key(category), category or TaxCategory.standard)
    active = values.get("is_active")
    values["is_active"] = "1" if active is None or norm.nfkc(active).strip().lower() not in INACTIVE_WORDS else ""
    return ProductForm(**values)


async def import_products(db: AsyncSession, actor: User, content: bytes, filename: str = "") -> ImportResult:
    """Create or update the file's products; with any error nothing is written (result.errors)."""
    ensure_admin(actor)
    try:
        table = read_table(content, filename)
    except ImportFileError as error:
        raise Invalid(file=error.message) from None
    headers = {i: COLUMNS[header_key(h)] for i, h in enumerate(table.headers) if header_key(h) in COLUMNS}
    if not {"code", "name", "unit_price"} <= set(headers.values()):
        raise Invalid(file="products.columns_missing")
    existing = {p.code: p for p in await list_products(db)}
    result, seen = ImportResult(), set()
    parsed = []
    for number, row in zip(table.numbers, table.rows, strict=True):
        try:
            data = parse_product(_row_form(headers, row))
        except Invalid as invalid:
            result.errors += [(number, name, key) for name, key in invalid.errors.items()]
            continue
        if data.code in seen:
            result.errors.append((number, "code", "product.code_repeated"))
        seen.add(data.code)
        parsed.append(data)
    if result.errors:
        return result
    for data in parsed:
        if (product := existing.get(data.code)) is None:
            db.add(Product(**_values(data)))
            result.created += 1
        else:
            for key, value in _values(data).items():
                setattr(product, key, value)
            result.updated += 1
    await db.flush()
    return result

"""The product catalogue: admins keep it, by hand or by CSV in Excel's encodings."""

import pytest
from sqlalchemy import select

from salesdesk.audit.hook import set_actor
from salesdesk.clock import Clock
from salesdesk.errors import Forbidden, Invalid
from salesdesk.quotes import products
from salesdesk.quotes.forms import ProductInput
from salesdesk.quotes.models import Product
from salesdesk.quotes.tax import TaxCategory

CLOCK = Clock()
LICENSE = ProductInput(code="LIC-01", name="クラウド利用料", unit="ライセンス", unit_price_jpy=3_000)


async def test_an_admin_adds_a_product_and_its_code_stays_unique(db, admin):
    set_actor(db, admin)
    await products.create_product(db, admin, LICENSE)
    await db.commit()

    with pytest.raises(Invalid) as taken:
        await products.create_product(db, admin, LICENSE)
    assert taken.value.errors == {"code": "product.code_taken"}


async def test_a_rep_or_manager_may_not_change_the_catalogue(db, rep, manager):
    for actor in (rep, manager):
        with pytest.raises(Forbidden):
            await products.create_product(db, actor, LICENSE)


async def test_the_export_is_utf8_with_bom_or_cp932_in_the_import_layout(db, admin):
    set_actor(db, admin)
    await products.create_product(db, admin, LICENSE)
    await products.create_product(
        db, admin, ProductInput("FOOD-1", "お弁当", 1_080, TaxCategory.reduced, unit="個", is_active=False)
    )
    await db.commit()

    utf8 = await products.export_products(db, admin, CLOCK)
    cp932 = await products.export_products(db, admin, CLOCK, "cp932")

    assert utf8.content.startswith(b"\xef\xbb\xbf")
    text = utf8.content.decode("utf-8-sig")
    assert text.splitlines() == [
        "商品コード,商品名,説明,単位,単価,税区分,有効",
        "FOOD-1,お弁当,,個,1080,軽減税率8%,",
        "LIC-01,クラウド利用料,,ライセンス,3000,標準税率10%,○",
    ]
    assert cp932.content.decode("cp932") == text and cp932.charset == "shift_jis"


async def test_a_cp932_file_from_excel_creates_and_updates_products_by_code(db, admin):
    set_actor(db, admin)
    await products.create_product(db, admin, LICENSE)
    await db.commit()
    file = (
        "品番,品名,単位,単価,税率\r\n"
        'LIC-01,クラウド利用料（年額）,ライセンス,"36,000",10%\r\n'
        "NEWS,日経新聞,部,4900,軽減\r\n"
    )

    result = await products.import_products(db, admin, file.encode("cp932"), "商品.csv")
    await db.commit()

    assert (result.created, result.updated, result.errors) == (1, 1, [])
    rows = {p.code: (p.name, p.unit_price_jpy, p.tax_category) for p in await db.scalars(select(Product))}
    assert rows == {"LIC-01": ("クラウド利用料（年額）", 36_000, "standard"), "NEWS": ("日経新聞", 4_900, "reduced")}


async def test_an_import_with_a_bad_row_changes_nothing_and_names_the_row(db, admin):
    file = "商品コード,商品名,単価\nA,正しい行,1000\nB,,abc\nA,重複,5\n"

    result = await products.import_products(db, admin, file.encode("utf-8-sig"), "p.csv")

    assert sorted(result.errors) == [
        (3, "name", "required"),
        (3, "unit_price", "amount.invalid"),
        (4, "code", "product.code_repeated"),
    ]
    assert (await db.scalars(select(Product))).all() == []


async def test_a_file_without_the_needed_columns_is_refused(db, admin):
    with pytest.raises(Invalid) as refused:
        await products.import_products(db, admin, "名前,値段\nx,1\n".encode(), "p.csv")
    assert refused.value.errors == {"file": "products.columns_missing"}

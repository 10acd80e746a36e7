"""The quote pages: the editor from the deal page (htmx and plain posts), the quote's page and its
actions, the list."""

from sqlalchemy import func, select

from salesdesk.audit.hook import set_actor
from salesdesk.quotes import products
from salesdesk.quotes.forms import ProductInput
from salesdesk.quotes.models import Quote
from salesdesk.quotes.tax import TaxCategory
from tests.conftest import HTMX
from tests.quotes.conftest import line, reload


def editor_form(*rows: dict, **fields) -> dict:
    """The editor's body: the header fields and each row's repeated fields, in order."""
    body = {"addressee_company": "株式会社サンプル", "subject": "営業支援システム導入", "version": "0"} | fields
    columns = ("description", "quantity", "unit", "unit_price", "discount", "tax_category", "product_id")
    for column in columns:
        body[f"line_{column}"] = [
            row.get(column, {"quantity": "1", "tax_category": "standard"}.get(column, "")) for row in rows
        ]
    return body


async def count_quotes(db) -> int:
    return await db.scalar(select(func.count()).select_from(Quote))


async def test_the_deal_page_offers_a_new_quote_and_the_editor_starts_from_the_deal(
    login, rep, make_deal, issuer_settings
):
    deal = await make_deal(rep, title="基幹システム更改")
    client = await login(rep)

    page = await client.get(f"/deals/{deal.id}")
    editor = await client.get(f"/deals/{deal.id}/quotes/new")

    assert f'href="/deals/{deal.id}/quotes/new"' in page.text
    assert editor.status_code == 200
    assert 'value="基幹システム更改"' in editor.text  # the deal's title as 件名
    assert "月末締め翌月末払い" in editor.text  # the issuer's payment terms


async def test_changing_lines_with_htmx_returns_the_editor_with_new_totals_and_saves_nothing(db, login, rep, make_deal):
    deal = await make_deal(rep)
    client = await login(rep)
    rows = [
        {"description": "ライセンス", "quantity": "10", "unit_price": "12,345"},
        {"description": "値引", "unit_price": "-345"},
    ]

    r = await client.post(f"/deals/{deal.id}/quotes", data=editor_form(*rows, rounding="half_up"), headers=HTMX)

    assert r.status_code == 200 and "<html" not in r.text
    assert 'id="quote-editor"' in r.text
    assert "¥123,450" in r.text and "-¥345" in r.text  # each row's amount
    assert 'id="quote-subtotal">¥123,105<' in r.text
    assert 'id="quote-tax">¥12,311<' in r.text  # 12,310.5 rounded half up, once
    assert 'id="quote-total">¥135,416<' in r.text
    assert await count_quotes(db) == 0


async def test_the_editors_buttons_add_a_product_and_move_and_remove_rows_without_javascript(
    db, login, admin, rep, make_deal
):
    set_actor(db, admin)
    product = await products.create_product(
        db, admin, ProductInput("FOOD-1", "会議用お弁当", 1_080, TaxCategory.reduced, unit="個")
    )
    await db.commit()
    deal = await make_deal(rep)
    client = await login(rep)
    rows = [{"description": "A", "unit_price": "100"}, {"description": "B", "unit_price": "200"}]

    added = await client.post(
        f"/deals/{deal.id}/quotes", data=editor_form(*rows, action="add_product", add_product_id=str(product.id))
    )
    moved = await client.post(f"/deals/{deal.id}/quotes", data=editor_form(*rows, action="up-1"))
    removed = await client.post(f"/deals/{deal.id}/quotes", data=editor_form(*rows, action="remove-0"))

    assert added.status_code == 200 and "<html" in added.text
    assert 'value="会議用お弁当"' in added.text and 'value="1,080"' in added.text
    assert moved.text.index('value="B"') < moved.text.index('value="A"')
    assert 'value="A"' not in removed.text and 'value="B"' in removed.text
    assert await count_quotes(db) == 0


async def test_saving_the_editor_makes_the_quote_and_shows_its_page(db, login, rep, make_deal, issuer_settings):
    deal = await make_deal(rep)
    client = await login(rep)
    rows = [
        {"description": "導入支援", "unit_price": "100,000"},
        {"description": "お弁当", "unit_price": "1,080", "quantity": "10", "tax_category": "reduced"},
    ]

    saved = await client.post(
        f"/deals/{deal.id}/quotes", data=editor_form(*rows, addressee_person="山田 太郎", action="save")
    )
    quote = await db.scalar(select(Quote))
    page = await client.get(saved.headers["location"])

    assert saved.status_code == 303 and saved.headers["location"] == f"/quotes/{quote.id}"
    assert "株式会社サンプル 山田 太郎 様" in page.text
    assert "¥121,664" in page.text  # 110,000 + 10,800 + 864
    assert "※" in page.text


async def test_saving_with_htmx_sends_the_browser_to_the_quote(db, login, rep, make_deal):
    deal = await make_deal(rep)
    client = await login(rep)

    r = await client.post(
        f"/deals/{deal.id}/quotes",
        data=editor_form({"description": "作業", "unit_price": "5000"}, action="save"),
        headers=HTMX,
    )

    assert r.headers["hx-redirect"] == f"/quotes/{await db.scalar(select(Quote.id))}"


async def test_a_save_with_errors_is_422_with_the_input_kept_and_each_rows_error(db, login, rep, make_deal):
    deal = await make_deal(rep)
    client = await login(rep)
    rows = [{"description": "作業", "unit_price": "abc"}, {"description": "", "unit_price": "500"}]

    r = await client.post(f"/deals/{deal.id}/quotes", data=editor_form(*rows, subject="", action="save"))

    assert r.status_code == 422
    assert 'value="abc"' in r.text and 'value="500"' in r.text
    assert r.text.count('class="field-error"') >= 3  # the subject, row 1's price, row 2's item
    assert await count_quotes(db) == 0


async def test_sending_revising_and_accepting_from_the_quotes_page_wins_the_deal(
    db, login, rep, make_deal, make_quote, stage
):
    deal = await make_deal(rep, stage="見積提出", amount_jpy="10万", expected_close_date="2030-03-31")
    quote = await make_quote(rep, deal, line(price=300_000))
    client = await login(rep)

    sent = await client.post(f"/quotes/{quote.id}/send", data={"version": "1"})
    revised = await client.post(
        f"/quotes/{quote.id}",
        data=editor_form({"description": "導入支援", "unit_price": "250,000"}, version="2", action="save"),
    )
    second = await db.scalar(select(Quote).where(Quote.revision == 2))
    await client.post(f"/quotes/{second.id}/send", data={"version": "1"})
    accepted = await client.post(
        f"/quotes/{second.id}/accept", data={"version": "2", "set_deal_amount": "1", "win_deal": "1"}
    )
    page = await client.get(f"/quotes/{second.id}")

    assert sent.status_code == 303 and revised.status_code == 303 and accepted.status_code == 303
    won = await reload(db, deal)
    assert (won.stage_id, won.amount_jpy) == (stage("受注").id, 250_000)
    assert f'href="/quotes/{quote.id}"' in page.text  # revision 1 stays readable
    assert "¥300,000 → ¥250,000" in page.text and "¥330,000 → ¥275,000" in page.text  # the revision diff


async def test_a_stale_action_shows_the_page_again_with_409(login, rep, make_deal, make_quote):
    quote = await make_quote(rep, await make_deal(rep))
    client = await login(rep)

    r = await client.post(f"/quotes/{quote.id}/send", data={"version": "0"})

    assert r.status_code == 409 and quote.number in r.text


async def test_the_list_shows_the_quotes_with_status_and_total(login, rep, make_deal, make_quote):
    quote = await make_quote(rep, await make_deal(rep), line(price=100_000))
    client = await login(rep)

    listed = await client.get("/quotes")
    drafts = await client.get("/quotes?status=draft")
    sent = await client.get("/quotes?status=sent")

    assert quote.number in listed.text and "¥110,000" in listed.text
    assert quote.number in drafts.text and quote.number not in sent.text


async def test_the_pdf_is_served_to_whoever_sees_the_deal(login, rep, other_rep, make_deal, make_quote):
    quote = await make_quote(rep, await make_deal(rep))

    mine = await (await login(rep)).get(f"/quotes/{quote.id}/pdf")
    theirs = await (await login(other_rep)).get(f"/quotes/{quote.id}/pdf")

    assert mine.status_code == 200 and mine.headers["content-type"] == "application/pdf"
    assert mine.content.startswith(b"%PDF")
    assert theirs.status_code == 404


async def test_the_admin_pages_render_in_japanese(login, admin):
    client = await login(admin)

    settings = await client.get("/admin/quote-settings")
    catalogue = await client.get("/admin/products")

    assert settings.status_code == 200 and "見積番号の形式" in settings.text
    assert catalogue.status_code == 200 and "商品マスタ" in catalogue.text

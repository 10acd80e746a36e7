"""A quote in a real browser: built from the deal page with two products and a free-text line,
totals updating as lines change (htmx, no reload), sent, its PDF downloaded, accepted — and the
deal moves to 受注. The editor is photographed (quote-editor.png) and checked with axe."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass

from playwright.sync_api import Page, expect

from salesdesk.accounts import services as accounts
from salesdesk.accounts.forms import CompanyInput
from salesdesk.auth.models import User
from salesdesk.clock import Clock
from salesdesk.pipeline import services as deals
from salesdesk.pipeline import setup
from salesdesk.pipeline.forms import DealForm, parse_deal
from salesdesk.quotes import products
from salesdesk.quotes.forms import ProductInput
from salesdesk.quotes.tax import TaxCategory
from tests.browser.conftest import ADMIN, REP, arrange, check_axe, demo_user, login, screenshot


@dataclass
class Story:
    deal_id: int
    licence: str  # the products' labels in the editor's picker start with their codes
    lunch: str


def make_story(live_db_url: str) -> Story:
    code = uuid.uuid4().hex[:6].upper()

    async def catalogue(db):
        admin = await demo_user(db, ADMIN)
        await products.create_product(
            db, admin, ProductInput(f"LIC-{code}", "クラウド利用料", 12_000, unit="ライセンス")
        )
        await products.create_product(
            db, admin, ProductInput(f"FOOD-{code}", "会議用お弁当", 1_080, TaxCategory.reduced, unit="個")
        )

    async def deal(db):
        rep: User = await demo_user(db, REP)
        company = await accounts.create_company(
            db, rep, CompanyInput(name=f"株式会社見積検証{code}", confirm_duplicate=True)
        )
        pipeline = await setup.ensure_defaults(db)
        quoting = next(s for s in pipeline.stages if s.name == "見積提出")
        form = DealForm(company_id=str(company.id), title="営業支援システム導入", stage_id=str(quoting.id),
                        amount_jpy="100万", expected_close_date="2030-03-31", next_title="見積提出のフォロー",
                        next_due_on="2030-01-10")  # fmt: skip
        return (await deals.create_deal(db, rep, Clock.of(rep), parse_deal(form))).id

    arrange(live_db_url, catalogue, as_email=ADMIN)
    return Story(arrange(live_db_url, deal, as_email=REP), f"LIC-{code}", f"FOOD-{code}")


def add_product(page: Page, code: str) -> None:
    option = page.locator("#f-add_product_id option", has_text=code)
    page.locator("#f-add_product_id").select_option(value=option.get_attribute("value"))
    page.get_by_role("button", name="商品を追加").click()


def test_rep_builds_sends_and_wins_a_quote_from_the_deal_page(page: Page, live_db_url: str) -> None:
    story = make_story(live_db_url)
    login(page, REP)
    page.goto(f"/deals/{story.deal_id}")
    page.locator("#deal-quotes").get_by_role("link", name="見積書を作成").click()
    expect(page).to_have_url(re.compile(rf"/deals/{story.deal_id}/quotes/new$"))
    editor_url = page.url

    add_product(page, story.licence)
    expect(page.locator("#quote-total")).to_have_text("¥13,200")  # 12,000 + 10%
    add_product(page, story.lunch)
    expect(page.locator("#quote-total")).to_have_text("¥14,366")  # + 1,080 + 8% (86.4 → 86)
    page.locator("#line-0-quantity").fill("10")
    page.locator("#line-0-quantity").blur()
    expect(page.locator("#quote-total")).to_have_text("¥133,166")  # 120,000 + 12,000 + 1,080 + 86

    page.get_by_role("button", name="行を追加").click()
    expect(page.locator("#line-2-description")).to_be_visible()
    page.locator("#line-2-description").fill("出精値引")
    page.locator("#line-2-unit_price").fill("-3,000")
    page.locator("#line-2-unit_price").blur()
    expect(page.locator("#quote-subtotal")).to_have_text("¥118,080")
    expect(page.locator("#quote-tax")).to_have_text("¥11,786")  # 11,700 on ¥117,000, 86 on ¥1,080
    expect(page.locator("#quote-total")).to_have_text("¥129,866")
    assert page.url == editor_url  # no reload: htmx swapped the editor
    screenshot(page, "quote-editor")
    check_axe(page)

    page.get_by_role("button", name="見積書を保存").click()
    expect(page).to_have_url(re.compile(r"/quotes/\d+$"))
    expect(page.locator("h1")).to_contain_text("下書き")
    page.get_by_role("button", name="送付済みにする").click()
    expect(page.locator("h1")).to_contain_text("送付済み")

    pdf = page.request.get(page.get_by_role("link", name="PDF").get_attribute("href"))
    assert pdf.status == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.body().startswith(b"%PDF")

    page.get_by_role("button", name="お客様が承諾（受注）").click()
    expect(page.locator("h1")).to_contain_text("受注")
    page.goto(f"/deals/{story.deal_id}")
    expect(page.locator(".deal-badges")).to_contain_text("受注")
    expect(page.locator("#deal-summary")).to_contain_text("¥118,080")  # the deal's amount: the total excl. tax


def test_what_is_typed_while_a_recalculation_is_on_its_way_is_kept(page: Page, live_db_url: str) -> None:
    """A field's change posts the editor; the answer must not replace a field typed into since
    (it once emptied the price of a discount line typed right after its description)."""
    story = make_story(live_db_url)
    login(page, REP)
    page.goto(f"/deals/{story.deal_id}/quotes/new")
    add_product(page, story.licence)
    expect(page.locator("#quote-total")).to_have_text("¥13,200")
    page.get_by_role("button", name="行を追加").click()
    expect(page.locator("#line-1-description")).to_be_visible()
    held = []  # the recalculation waits here until released
    editor = re.compile(r"/deals/\d+/quotes$")
    page.route(editor, lambda route: held.append(route))

    page.locator("#line-1-description").fill("出精値引")
    with page.expect_request(lambda request: request.method == "POST"):
        page.locator("#line-1-unit_price").focus()  # the description's change posts the editor
    page.locator("#line-1-unit_price").fill("-2,000")
    assert len(held) == 1
    editor_form, busy = page.locator("#quote-editor"), re.compile(r"\bhtmx-request\b")
    expect(editor_form).to_have_class(busy)  # htmx marks the form while its request is out
    held[0].continue_()
    page.unroute(editor)
    expect(editor_form).not_to_have_class(busy)  # the answer arrived and htmx has dealt with it

    expect(page.locator("#line-1-unit_price")).to_have_value("-2,000")
    expect(page.locator("#line-1-description")).to_have_value("出精値引")
    page.locator("#line-1-unit_price").blur()
    expect(page.locator("#quote-total")).to_have_text("¥11,000")  # 12,000 − 2,000 + 10%

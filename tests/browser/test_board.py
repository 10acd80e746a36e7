"""The kanban board in a real browser: dragging a card updates both columns' totals without a
reload, a stage's required fields open a form, the keyboard move menu, completing a next action
from a card, the owner filter in the URL, and a screenshot with an axe check.

Each story makes its own deals (a company of its own, so `?company_id=` shows only them) and
never depends on the demo's deals.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import timedelta

from playwright.sync_api import Locator, Page, expect

from salesdesk.accounts import services as accounts
from salesdesk.accounts.forms import CompanyForm, parse_company
from salesdesk.clock import Clock
from salesdesk.i18n import local_today
from salesdesk.pipeline import services, setup
from salesdesk.pipeline.forms import DealForm, parse_deal
from tests.browser.conftest import MANAGER, REP, arrange, check_axe, demo_user, login, screenshot

CLOSE = (local_today() + timedelta(days=45)).isoformat()


@dataclass
class Arranged:
    company_id: int
    deals: dict[str, int]  # title -> id
    stages: dict[str, int]  # name -> id
    owners: dict[str, int]  # email -> user id


def _unique(label: str) -> str:
    return f"{label}{uuid.uuid4().hex[:6].upper()}"


def make_deals(live_db_url: str, *specs: dict[str, str]) -> Arranged:
    """A company of the rep's with these deals (title, stage, and DealForm fields; `owner` an email)."""

    async def work(db):
        rep = await demo_user(db, REP)
        company = await accounts.create_company(
            db, rep, parse_company(CompanyForm(name=_unique("株式会社ボード検証"), confirm_duplicate="1"))
        )
        stages = {s.name: s.id for s in (await setup.get_pipeline(db, None)).stages}
        deals, owners = {}, {REP: rep.id}
        for spec in specs:
            values = dict(spec)
            owner = await demo_user(db, values.pop("owner", REP))
            owners[owner.email] = owner.id
            form = DealForm(company_id=str(company.id), stage_id=str(stages[values.pop("stage")]), **values)
            deals[form.title] = (await services.create_deal(db, owner, Clock.of(owner), parse_deal(form))).id
        return Arranged(company.id, deals, stages, owners)

    return arrange(live_db_url, work, as_email=REP)


def column(page: Page, name: str) -> Locator:
    return page.locator("section.board-column", has=page.locator(".stage-name", has_text=re.compile(f"^{name}$")))


def card(page: Page, deal_id: int) -> Locator:
    return page.locator(f"#deal-{deal_id}")


def drag(page: Page, source: Locator, target: Locator) -> None:
    """Drag by the card's handle with the mouse, in steps, as a person would."""
    source.scroll_into_view_if_needed()
    start = source.locator(".card-head").bounding_box()
    end = target.bounding_box()
    assert start and end
    page.mouse.move(start["x"] + start["width"] / 2, start["y"] + start["height"] / 2)
    page.mouse.down()
    page.mouse.move(start["x"] + start["width"] / 2 + 10, start["y"] + 20, steps=4)
    page.mouse.move(end["x"] + end["width"] / 2, end["y"] + 40, steps=15)
    page.mouse.move(end["x"] + end["width"] / 2, end["y"] + 44, steps=3)
    # Release only once the placeholder shows where the card will land (SortableJS re-reads the
    # pointer's position on its own clock; a busy machine may need a moment).
    expect(target.locator(".deal-card.is-placeholder")).to_have_count(1)
    page.mouse.up()


def test_rep_drags_a_card_to_quote_submitted_and_both_columns_totals_update_without_a_reload(
    page: Page, live_db_url: str
) -> None:
    data = make_deals(
        live_db_url,
        {
            "title": _unique("基幹刷新"),
            "stage": "提案",
            "amount_jpy": "3000000",
            "expected_close_date": CLOSE,
            "next_title": "提案内容の確認",
            "next_due_on": CLOSE,
        },
        {
            "title": _unique("帳票電子化"),
            "stage": "提案",
            "amount_jpy": "1000000",
            "next_title": "電話",
            "next_due_on": CLOSE,
        },
    )
    moving = next(iter(data.deals.values()))
    login(page, REP)
    page.goto(f"/pipeline?company_id={data.company_id}")
    proposal, quote = column(page, "提案"), column(page, "見積提出")
    expect(proposal.locator(".column-figures")).to_have_text(re.compile(r"2件\s+合計 ¥4,000,000\s+加重 ¥1,600,000"))
    expect(quote.locator(".column-figures")).to_have_text(re.compile(r"0件\s+合計 ¥0"))
    page.evaluate("window.__marker = 'still here'")

    drag(page, card(page, moving), quote.locator(".column-cards"))

    expect(quote.locator(f"#deal-{moving}")).to_be_visible()
    expect(proposal.locator(".column-figures")).to_have_text(re.compile(r"1件\s+合計 ¥1,000,000\s+加重 ¥400,000"))
    expect(quote.locator(".column-figures")).to_have_text(re.compile(r"1件\s+合計 ¥3,000,000\s+加重 ¥1,800,000"))
    expect(page.locator("#board-summary")).to_contain_text("¥4,000,000")
    expect(page.locator("#board-status")).to_contain_text("見積提出に移動しました")
    assert page.evaluate("window.__marker") == "still here", "the page reloaded"
    # The moved card carries its new version: a second move is not refused as stale.
    drag(page, card(page, moving), column(page, "交渉").locator(".column-cards"))
    expect(column(page, "交渉").locator(f"#deal-{moving}")).to_be_visible()
    expect(column(page, "交渉").locator(".column-figures")).to_contain_text("1件")
    expect(page.locator("#board-messages")).to_be_empty()


def test_a_move_into_quote_submitted_without_an_amount_opens_the_required_fields_form(
    page: Page, live_db_url: str
) -> None:
    title = _unique("金額未定の案件")
    data = make_deals(live_db_url, {"title": title, "stage": "提案", "next_title": "電話", "next_due_on": CLOSE})
    deal_id = data.deals[title]
    login(page, REP)
    page.goto(f"/pipeline?company_id={data.company_id}")
    quote = column(page, "見積提出")

    drag(page, card(page, deal_id), quote.locator(".column-cards"))

    dialog = page.locator("dialog#move-dialog")
    expect(dialog).to_be_visible()
    expect(dialog.locator("h2")).to_contain_text("見積提出")
    expect(dialog.locator(".field-error")).to_have_count(2)
    expect(dialog.locator(".field-error").first).to_have_text("このステージに進むには入力が必要です。")
    expect(dialog.get_by_label("金額(税抜)")).to_be_focused()
    screenshot(page, "board-required-fields")
    check_axe(page)

    dialog.get_by_label("金額(税抜)").fill("150万")
    dialog.get_by_label("受注予定日").fill(CLOSE)
    dialog.get_by_role("button", name="移動", exact=True).click()

    expect(dialog).to_have_count(0)
    expect(quote.locator(f"#deal-{deal_id}")).to_contain_text("¥1,500,000")
    expect(quote.locator(".column-figures")).to_have_text(re.compile(r"1件\s+合計 ¥1,500,000"))
    expect(column(page, "提案").locator(".column-figures")).to_have_text(re.compile(r"0件"))


def test_cancelling_the_required_fields_form_puts_the_card_back(page: Page, live_db_url: str) -> None:
    title = _unique("戻る案件")
    data = make_deals(live_db_url, {"title": title, "stage": "提案", "next_title": "電話", "next_due_on": CLOSE})
    login(page, REP)
    page.goto(f"/pipeline?company_id={data.company_id}")

    drag(page, card(page, data.deals[title]), column(page, "見積提出").locator(".column-cards"))
    page.locator("dialog#move-dialog").get_by_role("button", name="キャンセル").click()

    expect(page.locator("dialog#move-dialog")).to_have_count(0)
    expect(column(page, "提案").locator(f"#deal-{data.deals[title]}")).to_be_visible()
    expect(column(page, "提案").locator(".column-figures")).to_have_text(re.compile(r"1件"))


def test_rep_moves_a_card_with_the_keyboard_through_its_move_menu(page: Page, live_db_url: str) -> None:
    title = _unique("キーボード移動")
    data = make_deals(
        live_db_url,
        {"title": title, "stage": "リード", "amount_jpy": "200000", "next_title": "電話", "next_due_on": CLOSE},
    )
    deal_id = data.deals[title]
    login(page, REP)
    page.goto(f"/pipeline?company_id={data.company_id}")
    move = card(page, deal_id).locator(".move-link")

    move.focus()
    page.keyboard.press("Enter")
    menu = page.get_by_role("menu")
    expect(menu).to_be_visible()
    expect(menu.get_by_role("menuitem", name="商談化")).to_be_focused()
    page.keyboard.press("Escape")  # closes, back on the card
    expect(menu).to_have_count(0)
    expect(move).to_be_focused()

    page.keyboard.press("Enter")
    page.keyboard.press("ArrowDown")
    expect(page.get_by_role("menuitem", name="提案")).to_be_focused()
    page.keyboard.press("Enter")

    proposal = column(page, "提案")
    expect(proposal.locator(f"#deal-{deal_id}")).to_be_visible()
    expect(proposal.locator(".column-figures")).to_have_text(re.compile(r"1件\s+合計 ¥200,000\s+加重 ¥80,000"))
    expect(column(page, "リード").locator(".column-figures")).to_have_text(re.compile(r"0件"))
    expect(proposal.locator(f"#deal-{deal_id} .move-link")).to_be_focused()  # the keyboard can go on


def test_completing_a_cards_next_action_prompts_for_the_next_one_and_the_card_shows_it(
    page: Page, live_db_url: str
) -> None:
    title = _unique("次のアクション")
    data = make_deals(
        live_db_url,
        {
            "title": title,
            "stage": "商談化",
            "next_title": "初回ヒアリング",
            "next_due_on": (local_today() - timedelta(days=2)).isoformat(),
        },
    )
    deal_id = data.deals[title]
    login(page, REP)
    page.goto(f"/pipeline?company_id={data.company_id}")
    deal = card(page, deal_id)
    expect(deal.locator(".card-next")).to_contain_text("初回ヒアリング")
    expect(deal.locator(".card-next")).to_contain_text("期限切れ")  # overdue, said in words
    page.evaluate("window.__marker = 1")

    deal.get_by_role("link", name="完了にする: 初回ヒアリング").click()
    step = deal.locator("form.complete-form")
    expect(step).to_be_visible()
    step.get_by_role("button", name="完了にする").click()

    deal = card(page, deal_id)
    expect(deal).to_have_attribute("data-prompt-next", "")
    expect(deal.locator(".badge.stale-no-next")).to_have_text("次のアクションなし")
    expect(deal.locator(".prompt-next")).to_be_visible()
    title_input = deal.locator("form.task-form input[name='title']")
    expect(title_input).to_be_focused()
    screenshot(page, "board-next-action-prompt")

    title_input.fill("見積書を送付")
    deal.locator("form.task-form input[name='due_on']").fill(CLOSE)
    deal.locator("form.task-form").get_by_role("button", name="追加").click()

    expect(card(page, deal_id).locator(".card-next .next-title")).to_have_text("見積書を送付")
    expect(card(page, deal_id).locator(".badge.stale-no-next")).to_have_count(0)
    assert page.evaluate("window.__marker") == 1, "the page reloaded"


def test_adding_a_next_action_to_a_card_without_one_fetches_the_form_in_place(page: Page, live_db_url: str) -> None:
    title = _unique("予定なし")
    data = make_deals(live_db_url, {"title": title, "stage": "提案"})
    deal_id = data.deals[title]
    login(page, REP)
    page.goto(f"/pipeline?company_id={data.company_id}")
    deal = card(page, deal_id)
    expect(deal.locator("form.task-form")).to_have_count(0)  # not drawn until asked for
    page.evaluate("window.__marker = 1")

    deal.locator(".add-next summary").click()
    form = deal.locator("form.task-form")
    expect(form).to_be_visible()
    form.locator("input[name='title']").fill("要件ヒアリングの日程調整")
    form.locator("input[name='due_on']").fill(CLOSE)
    form.get_by_role("button", name="追加").click()

    expect(card(page, deal_id).locator(".card-next .next-title")).to_have_text("要件ヒアリングの日程調整")
    expect(card(page, deal_id).locator(".badge.stale-no-next")).to_have_count(0)
    assert page.evaluate("window.__marker") == 1, "the page reloaded"


def test_manager_filters_the_board_by_owner_and_the_url_keeps_the_filter(page: Page, live_db_url: str) -> None:
    rep_title, manager_title = _unique("鈴木さんの案件"), _unique("佐藤さんの案件")
    data = make_deals(
        live_db_url,
        {"title": rep_title, "stage": "提案", "amount_jpy": "400000", "next_title": "電話", "next_due_on": CLOSE},
        {
            "title": manager_title,
            "stage": "提案",
            "amount_jpy": "600000",
            "owner": MANAGER,
            "next_title": "訪問",
            "next_due_on": CLOSE,
        },
    )
    login(page, MANAGER)
    page.goto(f"/pipeline?company_id={data.company_id}")
    proposal = column(page, "提案")
    expect(proposal.locator(".deal-card")).to_have_count(2)
    page.evaluate("window.__marker = 1")

    page.locator(".board-filters").get_by_label("担当営業").select_option(label="鈴木 美咲")

    expect(page).to_have_url(re.compile(rf"/pipeline\?owner_id={data.owners[REP]}&company_id={data.company_id}$"))
    expect(proposal.locator(".deal-card")).to_have_count(1)
    expect(proposal.locator(".deal-card")).to_contain_text(rep_title)
    expect(proposal.locator(".column-figures")).to_have_text(re.compile(r"1件\s+合計 ¥400,000"))
    assert page.evaluate("window.__marker") == 1

    page.reload()  # the URL alone reproduces the filtered board
    expect(page.locator(".board-filters").get_by_label("担当営業")).to_have_value(str(data.owners[REP]))
    expect(column(page, "提案").locator(".deal-card")).to_have_count(1)


def test_the_board_is_dense_legible_and_accessible(page: Page, live_db_url: str) -> None:
    make_deals(
        live_db_url,
        {
            "title": "基幹システム刷新プロジェクト(第2期)",
            "stage": "交渉",
            "amount_jpy": "12800000",
            "expected_close_date": (local_today() - timedelta(days=3)).isoformat(),
            "forecast": "A",
            "next_title": "稟議の進捗を確認",
            "next_due_on": (local_today() - timedelta(days=1)).isoformat(),
        },
        {"title": "営業支援ツール導入", "stage": "提案", "amount_jpy": "2400000", "forecast": "B"},
        {"title": "問い合わせ対応の効率化", "stage": "リード", "next_title": "資料送付", "next_due_on": CLOSE},
    )
    login(page, REP)
    page.goto("/pipeline")
    expect(page.locator("#board")).to_be_visible()
    expect(page.locator(".board-column")).to_have_count(5)

    screenshot(page, "board")
    check_axe(page)

    page.set_viewport_size({"width": 390, "height": 800})  # a phone: the columns scroll sideways
    scroll = page.locator(".board-columns").evaluate("el => el.scrollWidth > el.clientWidth")
    assert scroll, "narrow screens scroll the columns horizontally"
    screenshot(page, "board-narrow")

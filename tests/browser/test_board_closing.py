"""The board when a move closes or conflicts: dropping a card on 失注 asks for the reason and takes
the card off the board; a card someone else moved meanwhile goes back with a message saying where
it is. (The board's other stories: test_board.py, whose helpers these use.)"""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from salesdesk.clock import Clock
from salesdesk.pipeline import services
from salesdesk.pipeline.forms import parse_move
from tests.browser.conftest import MANAGER, REP, arrange, demo_user, login
from tests.browser.test_board import CLOSE, _unique, card, column, drag, make_deals  # noqa: F401


def test_dropping_a_card_on_lost_asks_for_the_reason_and_takes_the_card_off_the_board(
    page: Page, live_db_url: str
) -> None:
    title = _unique("失注する案件")
    data = make_deals(
        live_db_url,
        {
            "title": title,
            "stage": "交渉",
            "amount_jpy": "900000",
            "expected_close_date": CLOSE,
            "next_title": "電話",
            "next_due_on": CLOSE,
        },
    )
    deal_id = data.deals[title]
    login(page, REP)
    page.goto(f"/pipeline?company_id={data.company_id}")
    negotiation = column(page, "交渉")
    expect(negotiation.locator(".column-figures")).to_have_text(re.compile(r"1件\s+合計 ¥900,000"))

    source = card(page, deal_id).locator(".card-head").bounding_box()
    assert source
    page.mouse.move(source["x"] + 40, source["y"] + source["height"] / 2)
    page.mouse.down()
    page.mouse.move(source["x"] + 60, source["y"] + 30, steps=4)
    lost = page.locator(".drop-zone.drop-lost")
    expect(lost).to_be_visible()  # the won / lost targets appear while dragging
    target = lost.bounding_box()
    assert target
    page.mouse.move(target["x"] + target["width"] / 2, target["y"] + target["height"] / 2, steps=15)
    expect(lost.locator(".deal-card.is-placeholder")).to_have_count(1)
    page.mouse.up()

    dialog = page.locator("dialog#move-dialog")
    expect(dialog).to_be_visible()
    dialog.locator("select[name=lost_reason_id]").select_option(label="価格")
    dialog.get_by_label("失注理由の補足").fill("他社が2割安い")
    dialog.get_by_role("button", name="失注にする", exact=True).click()

    expect(card(page, deal_id)).to_have_count(0)
    expect(negotiation.locator(".column-figures")).to_have_text(re.compile(r"0件\s+合計 ¥0"))
    expect(page.locator("#board-status")).to_contain_text("失注にしました")


def test_a_card_someone_else_moved_meanwhile_goes_back_with_a_message_saying_where_it_is(
    page: Page, live_db_url: str
) -> None:
    title = _unique("取り合い案件")
    data = make_deals(
        live_db_url,
        {
            "title": title,
            "stage": "提案",
            "amount_jpy": "700000",
            "expected_close_date": CLOSE,
            "next_title": "電話",
            "next_due_on": CLOSE,
        },
    )
    deal_id = data.deals[title]
    login(page, REP)
    page.goto(f"/pipeline?company_id={data.company_id}")
    expect(card(page, deal_id)).to_be_visible()

    async def manager_moves_it(db):  # in another tab, after this board was drawn
        from salesdesk.pipeline import moves
        from salesdesk.pipeline.forms import MoveForm

        manager = await demo_user(db, MANAGER)
        deal = await services.get_deal(db, manager, deal_id)
        await moves.move_deal(
            db,
            manager,
            Clock.of(manager),
            deal_id,
            parse_move(MoveForm(stage_id=str(data.stages["交渉"]), version=deal.version)),
        )

    arrange(live_db_url, manager_moves_it, as_email=MANAGER)

    drag(page, card(page, deal_id), column(page, "見積提出").locator(".column-cards"))

    message = page.locator("#board-messages [role=alert]")
    expect(message).to_contain_text("交渉")
    expect(message.get_by_role("link", name="ボードを再読み込み")).to_be_visible()
    expect(column(page, "提案").locator(f"#deal-{deal_id}")).to_be_visible()  # back where it was
    expect(column(page, "見積提出").locator(".column-figures")).to_have_text(re.compile(r"0件"))

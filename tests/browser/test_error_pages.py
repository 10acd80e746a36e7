"""Error pages as a browser gets them (HTML: Chromium asks for text/html)."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.browser.conftest import REP, check_axe, login, screenshot


def test_rep_opening_the_admin_users_page_gets_the_japanese_403_page(page: Page) -> None:
    login(page, REP)

    response = page.goto("/admin/users")

    assert response is not None and response.status == 403, response and response.status
    expect(page.locator("h1")).to_have_text("この操作は許可されていません")
    screenshot(page, "error-403-ja")
    check_axe(page)


def test_rep_opening_a_missing_page_gets_the_japanese_404_page(page: Page) -> None:
    login(page, REP)

    response = page.goto("/no-such-page")

    assert response is not None and response.status == 404, response and response.status
    expect(page.locator("h1")).to_have_text("見つかりません")
    expect(page.get_by_role("link", name="ホームに戻る")).to_be_visible()

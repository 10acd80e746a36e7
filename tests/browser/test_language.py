"""Switching between Japanese and English in a real browser.

The language a logged-in user picks is saved on the user, so these tests use a demo user
no other test logs in as (manager2) and put Japanese back even when they fail.
"""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.browser.conftest import NAMES, login, set_language

SWITCHER = "manager2@example.com"
JA_NAV = ["顧客", "パイプライン", "タスク", "見積", "レポート"]
EN_NAV = ["Accounts", "Pipeline", "Tasks", "Quotes", "Reports"]


def _switch_from_user_menu(page: Page, button: str) -> None:
    page.locator("details.usermenu summary").click()
    with page.expect_navigation():
        page.locator("details.usermenu .menu").get_by_role("button", name=button, exact=True).click()


def test_manager_switches_to_english_from_the_user_menu_and_back_to_japanese(page: Page) -> None:
    login(page, SWITCHER)
    expect(page.locator("nav.mainnav a")).to_have_text(JA_NAV)
    try:
        _switch_from_user_menu(page, "English")

        expect(page).to_have_url(re.compile(r"/$"))
        expect(page.locator("html")).to_have_attribute("lang", "en")
        expect(page.locator("nav.mainnav a")).to_have_text(EN_NAV)
        expect(page.locator("details.usermenu summary")).to_contain_text(NAMES[SWITCHER])

        _switch_from_user_menu(page, "日本語")

        expect(page.locator("html")).to_have_attribute("lang", "ja")
        expect(page.locator("nav.mainnav a")).to_have_text(JA_NAV)
    finally:
        set_language(page, SWITCHER, "ja")


def test_manager_finds_english_kept_after_logging_in_again(page: Page) -> None:
    login(page, SWITCHER)
    try:
        _switch_from_user_menu(page, "English")
        page.context.clear_cookies()

        login(page, SWITCHER)

        expect(page.locator("nav.mainnav a")).to_have_text(EN_NAV)
    finally:
        set_language(page, SWITCHER, "ja")


def test_visitor_switches_the_login_page_to_english_and_back(page: Page) -> None:
    page.goto("/login")
    expect(page.get_by_role("button", name="ログイン")).to_be_visible()

    with page.expect_navigation():
        page.get_by_role("button", name="English", exact=True).click()

    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("button", name="Log in")).to_be_visible()
    expect(page.get_by_label("Email address")).to_be_visible()

    with page.expect_navigation():
        page.get_by_role("button", name="日本語", exact=True).click()

    expect(page.locator("html")).to_have_attribute("lang", "ja")
    expect(page.get_by_role("button", name="ログイン")).to_be_visible()

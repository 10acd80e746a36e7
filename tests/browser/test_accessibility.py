"""Screenshots of the main pages in both languages and axe-core checks (no serious or
critical violations) on every page a user sees so far."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import ADMIN, check_axe, login, screenshot, set_language

HOME_USER = "rep4@example.com"  # switches language: a demo user of its own, put back to ja


def test_visitor_gets_an_accessible_login_page_in_japanese_and_english(page: Page) -> None:
    page.goto("/login")
    expect(page.locator("html")).to_have_attribute("lang", "ja")
    screenshot(page, "login-ja")
    check_axe(page)

    with page.expect_navigation():
        page.get_by_role("button", name="English", exact=True).click()

    expect(page.locator("html")).to_have_attribute("lang", "en")
    screenshot(page, "login-en")
    check_axe(page)


def test_visitor_gets_an_accessible_login_error(page: Page) -> None:
    login(page, HOME_USER, password="wrong-password")

    expect(page.get_by_role("alert")).to_be_visible()
    screenshot(page, "login-error-ja")
    check_axe(page)


def test_rep_gets_an_accessible_home_page_in_japanese_and_english(page: Page) -> None:
    login(page, HOME_USER)
    try:
        expect(page.locator("html")).to_have_attribute("lang", "ja")
        screenshot(page, "home-ja")
        check_axe(page)

        page.locator("details.usermenu summary").click()
        expect(page.locator("details.usermenu .menu")).to_be_visible()
        screenshot(page, "home-ja-usermenu")
        check_axe(page)  # the open menu too

        with page.expect_navigation():
            page.get_by_role("button", name="English", exact=True).click()

        expect(page.locator("html")).to_have_attribute("lang", "en")
        screenshot(page, "home-en")
        check_axe(page)
    finally:
        set_language(page, HOME_USER, "ja")


@pytest.mark.parametrize("path", ["/admin/users", "/admin/audit", "/settings"])
def test_admin_gets_an_accessible_page(page: Page, path: str) -> None:
    login(page, ADMIN)

    page.goto(path)

    expect(page.locator("details.usermenu")).to_be_visible()
    screenshot(page, "admin" + path.replace("/", "-").replace("-admin", ""))
    check_axe(page)

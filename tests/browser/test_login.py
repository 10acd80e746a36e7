"""Logging in with the demo users, in a real browser."""

from __future__ import annotations

import re
from urllib.parse import quote

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import ADMIN, MANAGER, NAMES, REP, REP2, login

JA_NAV = ["顧客", "パイプライン", "タスク", "見積", "レポート"]


@pytest.mark.parametrize("email", [ADMIN, MANAGER, REP, REP2])
def test_demo_user_logs_in_and_sees_their_name_and_the_japanese_navigation(page: Page, email: str) -> None:
    login(page, email)

    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.locator("html")).to_have_attribute("lang", "ja")
    expect(page.locator("h1")).to_contain_text(NAMES[email])
    expect(page.locator("details.usermenu summary")).to_contain_text(NAMES[email])
    expect(page.locator("nav.mainnav a:not(.overdue-badge, .approval-badge)")).to_have_text(JA_NAV)


def test_admin_opens_the_user_menu_and_sees_the_admin_links(page: Page) -> None:
    login(page, ADMIN)

    page.locator("details.usermenu summary").click()

    menu = page.locator("details.usermenu .menu")
    expect(menu.get_by_role("link", name="ユーザー", exact=True)).to_be_visible()
    expect(menu.get_by_role("link", name="監査ログ", exact=True)).to_be_visible()
    expect(menu.get_by_role("link", name="設定", exact=True)).to_be_visible()


def test_rep_opens_the_user_menu_and_sees_no_admin_links(page: Page) -> None:
    login(page, REP)

    page.locator("details.usermenu summary").click()

    menu = page.locator("details.usermenu .menu")
    expect(menu.get_by_role("link", name="設定", exact=True)).to_be_visible()
    expect(menu.get_by_role("link", name="ユーザー", exact=True)).to_have_count(0)
    expect(menu.get_by_role("link", name="監査ログ", exact=True)).to_have_count(0)
    expect(menu.locator("a[href^='/admin']")).to_have_count(0)


def test_visitor_with_a_wrong_password_sees_the_error_and_keeps_the_email(page: Page) -> None:
    login(page, REP, password="not-the-password")

    expect(page.get_by_role("alert")).to_have_text("メールアドレスまたはパスワードが正しくありません。")
    expect(page.locator("input[name='email']")).to_have_value(REP)
    expect(page.locator("input[name='password']")).to_have_value("")
    expect(page.locator("details.usermenu")).to_have_count(0)


@pytest.mark.parametrize(("email", "target"), [(ADMIN, "/admin/users?x=1"), (REP, "/settings")])
def test_logged_out_visitor_is_sent_to_login_and_lands_back_on_the_page_asked_for(
    page: Page, email: str, target: str
) -> None:
    page.goto(target)
    expect(page).to_have_url(re.compile(r"/login\?next="))
    assert page.url.endswith(f"/login?next={quote(target, safe='/')}"), page.url
    expect(page.locator("input[name='next']")).to_have_value(target)

    login(page, email)

    assert page.url.endswith(target), page.url
    expect(page.locator("details.usermenu summary")).to_contain_text(NAMES[email])

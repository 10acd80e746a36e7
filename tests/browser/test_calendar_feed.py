"""A rep copies their calendar feed URL from the settings page in a real browser (the copy button is
a script file: the CSP allows no inline handler) and the copied URL serves their calendar."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.browser.conftest import REP, login


def test_rep_copies_the_feed_url_from_the_settings_page_and_it_serves_the_calendar(page: Page, live_server: str):
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server)
    login(page, REP)  # only reads: the feed URL stays as it is
    page.goto("/settings#calendar-feeds")
    feeds = page.locator("#calendar-feeds")
    shown = feeds.locator("#feed-own-https").input_value()

    button = feeds.locator("button[data-copy='feed-own-https']")
    button.click()

    expect(button).to_have_text("コピーしました")
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied == shown and copied.startswith(live_server + "/calendar/") and copied.endswith(".ics")
    assert feeds.locator("#feed-own-webcal").input_value() == "webcal://" + copied.split("://", 1)[1]
    served = page.request.get(copied)
    assert served.status == 200 and served.headers["content-type"].startswith("text/calendar")
    assert served.text().startswith("BEGIN:VCALENDAR")

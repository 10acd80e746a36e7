"""Phones (issue 11, item 17): at 390×844 every main page fits the screen's width — no sideways
scroll of the page (the board's columns and wide tables scroll inside their own box) — and the
board's move menu opens on screen."""

from __future__ import annotations

from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select

from salesdesk.accounts.models import Company
from salesdesk.pipeline.models import Deal
from tests.browser.conftest import DEFAULT_TIMEOUT_MS, MANAGER, arrange, login, screenshot

PHONE = {"width": 390, "height": 844}


def demo_ids(live_db_url: str) -> tuple[int, int]:
    """A demo company with deals, and the one of its deals with the longest title."""

    async def work(db):
        deal = await db.scalar(select(Deal).order_by(Deal.id))
        company = await db.get(Company, deal.company_id)
        return company.id, deal.id

    return arrange(live_db_url, work)


def overflow(page: Page) -> str:
    """'' when the page fits; else its width and the widest elements that stick out."""
    return page.evaluate(
        """() => {
          const width = innerWidth, doc = document.documentElement;
          if (doc.scrollWidth <= width) return "";
          const wide = [...document.querySelectorAll("body *")]
            .filter(el => el.getBoundingClientRect().right > width + 1 && el.getClientRects().length)
            .filter(el => ![...el.children].some(c => c.getBoundingClientRect().right > width + 1))
            .slice(0, 6).map(el => el.tagName.toLowerCase() + "." + [...el.classList].join(".") + " → "
              + Math.round(el.getBoundingClientRect().right));
          return doc.scrollWidth + " px: " + wide.join(", ");
        }"""
    )


def test_every_main_page_fits_a_phone_screen(browser: Browser, live_server: str, live_db_url: str) -> None:
    company_id, deal_id = demo_ids(live_db_url)
    context = browser.new_context(base_url=live_server, viewport=PHONE, locale="ja-JP", has_touch=True)
    context.set_default_timeout(DEFAULT_TIMEOUT_MS)
    page = context.new_page()
    try:
        login(page, MANAGER)
        pages = {
            "home": "/",
            "companies": "/accounts",
            "company": f"/accounts/{company_id}",
            "deal-list": "/pipeline/list",
            "board": "/pipeline",
            "forecast": "/pipeline/forecast",
            "deal": f"/deals/{deal_id}",
            "tasks": "/tasks",
            "quotes": "/quotes",
            "search": "/search?q=株式会社",
            "settings": "/settings",
        }
        wide = {}
        for name, url in pages.items():
            page.goto(url)
            assert page.evaluate("innerWidth") == PHONE["width"]
            if problem := overflow(page):
                wide[name] = problem
                screenshot(page, f"phone-{name}")
        page.goto("/pipeline")
        screenshot(page, "phone-board")
        assert not wide, "wider than the phone:\n" + "\n".join(f"{k}: {v}" for k, v in wide.items())

        link = page.locator(".deal-card .move-link").first
        link.scroll_into_view_if_needed()
        link.click()
        menu = page.get_by_role("menu")
        expect(menu).to_be_visible()
        box = menu.bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
        assert box["y"] >= 0 and box["y"] + box["height"] <= PHONE["height"]
    finally:
        context.close()

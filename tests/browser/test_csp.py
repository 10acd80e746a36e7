"""The Content-Security-Policy in a real browser: the main pages and their htmx interactions run
under it without a single violation (no inline script, handler or style anywhere, htmx injects
no <style> and evaluates no attribute code), and a violation, were one to slip in, is seen.

Violations are watched twice: the `securitypolicyviolation` event (an init script reports it to
the test) and Chromium's console ("Refused to ..."), for every page and every htmx swap.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from playwright.sync_api import ConsoleMessage, Page, expect
from sqlalchemy import select

from salesdesk.pipeline.models import Deal
from tests.browser.conftest import ADMIN, REP, arrange, demo_user, login, screenshot

WATCH = """
document.addEventListener("securitypolicyviolation", (e) => {
  const where = `${e.sourceFile}:${e.lineNumber}`;
  window.__cspViolation(`${e.effectiveDirective} blocked ${e.blockedURI || "inline"} at ${where} (${e.sample})`);
});
// window.print() would open a dialog in a real browser: note the call instead.
window.print = () => { document.documentElement.dataset.printed = "yes"; };
"""

# Wait until the page has run what it had queued (violation events are dispatched as tasks).
SETTLE = "() => new Promise((done) => requestAnimationFrame(() => setTimeout(done, 0)))"


@dataclass
class Watch:
    page: Page
    violations: list[str] = field(default_factory=list)

    def report(self, text: str) -> None:
        self.violations.append(text)

    def console(self, message: ConsoleMessage) -> None:
        text = message.text
        if "Content Security Policy" in text or "Permissions-Policy" in text or "Refused to" in text:
            self.violations.append(f"console {message.type}: {text}")

    def visit(self, path: str) -> None:
        response = self.page.goto(path)
        assert response is not None and response.status == 200, f"GET {path}: {response and response.status}"
        self.settle(path)

    def settle(self, where: str) -> None:
        self.page.evaluate(SETTLE)
        assert not self.violations, f"CSP violations on {where}:\n" + "\n".join(self.violations)


@pytest.fixture
def watch(page: Page) -> Iterator[Watch]:
    watch = Watch(page)
    page.expose_function("__cspViolation", watch.report)
    page.add_init_script(WATCH)
    page.on("console", watch.console)
    yield watch


def a_deal_of(live_db_url: str, email: str) -> tuple[int, int]:
    """(deal id, company id) of one of the user's demo deals."""

    async def work(db):
        user = await demo_user(db, email)
        deal = await db.scalar(select(Deal).where(Deal.owner_id == user.id).order_by(Deal.id).limit(1))
        return deal.id, deal.company_id

    return arrange(live_db_url, work, as_email=email)


def test_an_inline_style_slipped_into_a_page_is_refused_and_seen(watch: Watch) -> None:
    watch.visit("/login")

    watch.page.evaluate("() => document.body.insertAdjacentHTML('beforeend', '<p id=x style=\"color: red\">x</p>')")
    watch.page.evaluate(SETTLE)

    assert any("style-src" in v for v in watch.violations), watch.violations
    color = watch.page.locator("#x").evaluate("(p) => getComputedStyle(p).color")
    assert color != "rgb(255, 0, 0)"


def test_rep_main_pages_run_under_the_csp_without_a_violation(watch: Watch, live_db_url: str) -> None:
    page = watch.page
    deal_id, company_id = a_deal_of(live_db_url, REP)
    watch.visit("/login")
    login(page, REP)
    watch.settle("/ after login")

    for path in [
        "/",
        "/accounts",
        f"/accounts/{company_id}",
        f"/accounts/{company_id}/org-chart",
        "/pipeline",
        f"/deals/{deal_id}",
        "/pipeline/list",
        "/pipeline/forecast",
        "/tasks",
        "/quotes",
        "/reports",
        "/settings",
        "/search?q=株式会社",
    ]:
        watch.visit(path)
    screenshot(page, "csp-search")

    # htmx still runs, configured for the CSP, with the 409/422 handling kept
    config = page.evaluate("() => htmx.config")
    assert config["allowEval"] is False and config["includeIndicatorStyles"] is False
    assert {"code": "409|422", "swap": True, "error": False} in config["responseHandling"]
    assert page.locator("head style").count() == 0


def test_rep_htmx_interactions_work_under_the_csp(watch: Watch, live_db_url: str) -> None:
    page = watch.page
    deal_id, company_id = a_deal_of(live_db_url, REP)
    login(page, REP)

    # the header's live search swaps its results in
    watch.visit("/accounts")
    page.locator("#header-search").fill("株式会社")
    expect(page.locator("#live-results a").first).to_be_visible()
    watch.settle("the live search")

    # the deal list's filters and sorting swap the results and push the URL
    watch.visit("/pipeline/list")
    with page.expect_response(lambda r: "/pipeline/list?" in r.url and r.request.headers.get("hx-request") == "true"):
        page.locator("#results th a").first.click()
    expect(page).to_have_url(re.compile(r"[?&]sort="))
    watch.settle("the deal list sorted")

    # the board loads, and its card menu (board.js) opens
    watch.visit(f"/pipeline?company_id={company_id}")
    expect(page.locator(f"#deal-{deal_id}")).to_be_visible()
    screenshot(page, "csp-board")
    watch.settle("the board")

    # the org chart's print button (was an inline onclick)
    watch.visit(f"/accounts/{company_id}/org-chart")
    page.get_by_role("button", name="印刷").click()
    expect(page.locator("html")).to_have_attribute("data-printed", "yes")
    screenshot(page, "csp-org-chart")
    watch.settle("the org chart")


def test_admin_pages_run_under_the_csp_without_a_violation(watch: Watch) -> None:
    page = watch.page
    login(page, ADMIN)
    watch.settle("/ after login")

    for path in ["/admin/users", "/admin/teams", "/admin/pipelines", "/admin/audit", "/accounts/import", "/deals/new"]:
        watch.visit(path)
    screenshot(page, "csp-admin-deal-form")

    missing = page.goto("/deals/999999999")
    assert missing is not None and missing.status == 404
    watch.settle("the error page")

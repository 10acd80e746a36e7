"""htmx requests carry the CSRF token in a real browser (<body hx-headers> in htmx 2)."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.browser.conftest import csrf_token, login

USER = "rep3@example.com"  # posts its own default preferences (ja, Asia/Tokyo): nothing changes

PROBE = """
() => {
  const button = document.createElement("button");
  button.id = "csrf-probe";
  button.type = "button";
  button.textContent = "probe";
  button.setAttribute("hx-post", "/settings");
  button.setAttribute("hx-vals", JSON.stringify({locale: "ja", time_zone: "Asia/Tokyo"}));
  button.setAttribute("hx-swap", "none");
  document.querySelector("main").appendChild(button);
  htmx.process(button);
}
"""


def test_rep_htmx_post_sends_the_pages_csrf_token_and_is_accepted(page: Page) -> None:
    login(page, USER)
    page.wait_for_function("() => window.htmx !== undefined")
    token = csrf_token(page)
    assert token
    expect(page.locator("body")).to_have_attribute("hx-headers", f'{{"X-CSRFToken": "{token}"}}')
    page.evaluate(PROBE)

    with page.expect_request(lambda r: r.method == "POST" and r.url.endswith("/settings")) as posted:
        page.locator("#csrf-probe").click()

    request = posted.value
    headers = request.all_headers()
    assert headers.get("hx-request") == "true", headers
    assert headers.get("x-csrftoken") == token, headers
    response = request.response()
    assert response is not None
    assert response.status != 403
    assert response.status == 303  # saved, then htmx follows to GET /settings


def test_rep_post_without_the_csrf_token_is_refused(page: Page) -> None:
    login(page, USER)

    response = page.request.post("/settings", form={"locale": "ja", "time_zone": "Asia/Tokyo"}, max_redirects=0)

    assert response.status == 403

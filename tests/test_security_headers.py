"""Every response carries the security headers: a strict Content-Security-Policy, no framing,
no sniffing, no referrer outside the site, no powerful browser features, HSTS over https, and
no caching of anything but /static.

The walk is generated from the router like tests/test_route_matrix.py, so a new page is
covered without being listed here. Path parameters are filled with the ids of real rows
(the route matrix's `account`), or a made-up value where no row fits.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from litestar.testing import AsyncTestClient

from salesdesk.app import create_app
from tests import test_route_matrix

account = test_route_matrix.account  # the matrix's rows: the walk fills path ids from them

EXPECTED_CSP = {
    "default-src": {"'self'"},
    "script-src": {"'self'"},
    "style-src": {"'self'"},
    "img-src": {"'self'", "data:"},
    "font-src": {"'self'"},
    "connect-src": {"'self'"},
    "object-src": {"'none'"},
    "base-uri": {"'self'"},
    "form-action": {"'self'"},
    "frame-ancestors": {"'none'"},
}
FEATURES_DENIED = ("camera", "microphone", "geolocation", "payment", "usb")
PARAM = re.compile(r"\{(\w+):(\w+)\}")
MADE_UP = {"int": "999999", "str": "not-a-token", "path": "css/app.css"}
TEMPLATES = Path(__file__).resolve().parents[1] / "templates"
# What the CSP refuses to run, and htmx's ways of evaluating code from attributes.
INLINE_CODE = re.compile(
    r"""\son[a-z]+\s*=|\sstyle\s*=|<style|<script(?![^>]*\ssrc=)|javascript:|hx-on|hx-vals\s*=\s*["']\s*js:|hx-trigger\s*=\s*["'][^"']*\[""",
    re.IGNORECASE,
)
JINJA_COMMENT = re.compile(r"\{#.*?#\}", re.DOTALL)


def get_urls(app, ids: dict[str, int]) -> list[str]:
    """A concrete URL for every GET route of the app."""
    paths = sorted({route.path for route in app.routes if "GET" in getattr(route, "methods", ())})

    def fill(match: re.Match[str]) -> str:
        name, kind = match.groups()
        row = ids.get(name.removesuffix("_id"))
        return str(row) if row is not None else MADE_UP[kind]

    return [PARAM.sub(fill, path) for path in paths]


def csp(response) -> dict[str, set[str]]:
    directives = (part.split() for part in response.headers["content-security-policy"].split(";") if part.strip())
    return {name: set(sources) for name, *sources in directives}


# The weekly meeting's followers poll the lead's deal every 2 s: 304 while nothing changed.
REVALIDATED = re.compile(r"^/meetings/\d+/now$")


def header_problems(url: str, response, *, cacheable: bool, revalidated: bool = False) -> list[str]:
    h = response.headers
    problems = []
    if "content-security-policy" not in h or csp(response) != EXPECTED_CSP:
        problems.append(f"CSP {h.get('content-security-policy')!r}")
    expected = {
        "x-frame-options": "DENY",
        "x-content-type-options": "nosniff",
        "referrer-policy": "same-origin",
        "cross-origin-opener-policy": "same-origin",
    }
    problems += [f"{name} {h.get(name)!r}" for name, value in expected.items() if h.get(name) != value]
    features = h.get("permissions-policy", "")
    problems += [f"Permissions-Policy lets {f} in" for f in FEATURES_DENIED if f"{f}=()" not in features]
    if "strict-transport-security" in h:
        problems.append("HSTS over plain http")
    if revalidated:  # kept by this browser only, and asked again each time (ETag → 304)
        if h.get("cache-control") != "private, no-cache" or "etag" not in h:
            problems.append(f"Cache-Control {h.get('cache-control')!r}, ETag {h.get('etag')!r}")
    elif ("no-store" in h.get("cache-control", "")) == cacheable:
        problems.append(f"Cache-Control {h.get('cache-control')!r}")
    return [f"GET {url} ({response.status_code}): {p}" for p in problems]


@pytest.mark.parametrize("persona", ["anonymous", "rep", "admin"])
async def test_every_get_route_sends_the_security_headers(
    persona, request, app, login, anonymous, account, rep, admin, team_east
):
    client = anonymous if persona == "anonymous" else await login(request.getfixturevalue(persona))
    ids = {"user": rep.id, "team": team_east.id} | account
    problems = []
    for url in get_urls(app, ids):
        response = await client.get(url)
        problems += header_problems(
            url,
            response,
            cacheable=url.startswith("/static/"),
            revalidated=response.status_code == 200 and bool(REVALIDATED.match(url)),
        )

    assert not problems, f"{persona}:\n" + "\n".join(problems)


async def test_a_page_that_does_not_exist_sends_the_security_headers_too(login, rep):
    client = await login(rep)

    response = await client.get("/no/such/page")

    assert response.status_code == 404
    assert header_problems("/no/such/page", response, cacheable=False) == []


@pytest.mark.parametrize("url", ["/accounts/export?format=csv", "/accounts/export?format=xlsx", "/pipeline/export"])
async def test_an_export_download_is_never_stored(login, rep, account, url):
    client = await login(rep)

    response = await client.get(url)

    assert response.status_code == 200
    assert response.headers["content-disposition"].startswith("attachment")
    assert response.headers["cache-control"] == "no-store"


async def test_static_assets_stay_cacheable_for_a_logged_in_user(login, rep):
    client = await login(rep)

    response = await client.get("/static/js/app.js")

    assert response.status_code == 200
    assert "no-store" not in response.headers.get("cache-control", "")


async def test_hsts_is_sent_when_the_request_came_over_https(settings, engine):
    async with AsyncTestClient(create_app(settings), base_url="https://salesdesk.test") as client:
        response = await client.get("/login")

    assert response.headers["strict-transport-security"] == "max-age=31536000; includeSubDomains"


async def test_a_forwarded_proto_header_alone_does_not_turn_hsts_on(anonymous):
    """Only uvicorn decides the scheme (from X-Forwarded-Proto of a trusted proxy)."""
    response = await anonymous.get("/login", headers={"X-Forwarded-Proto": "https"})

    assert "strict-transport-security" not in response.headers


def test_no_template_carries_inline_script_handler_or_style():
    """The CSP would block them: behaviour goes to static/js, looks to static/css."""
    found = [
        f"{path.relative_to(TEMPLATES)}: {match.group(0)!r}"
        for path in sorted(TEMPLATES.rglob("*.html"))
        for match in INLINE_CODE.finditer(JINJA_COMMENT.sub("", path.read_text()))
    ]

    assert not found, "\n".join(found)

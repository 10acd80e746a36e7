"""No input gives a 500: every route × hostile values in each of its parameters.

The walk is generated from the router, like the route matrix (whose rules give each route a
valid URL and a harmless form): each path parameter, each query parameter the handler reads
and each field of its form body gets every hostile value in turn while the others stay valid.
An admin walks it (most rights, deepest code paths). A new route is covered without a line here.
"""

from __future__ import annotations

import dataclasses
import inspect
import logging
import re
import time
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode, urlsplit

import pytest
from litestar import get
from litestar._kwargs.parameter_definition import ParameterDefinition

from salesdesk.accounts.services import CompanyFilter
from salesdesk.pipeline.filters import DealFilter
from tests.test_route_matrix import RULES, account  # noqa: F401  (account: the matrix's fixture)

INVALID_UTF8 = object()  # sent as %ff%fe in a URL, as the raw bytes in a form body
HOSTILE: tuple[Any, ...] = (
    "99999999999999999999",
    str(2**63),
    "-1",
    "0",
    "᧚",  # U+19DA: str.isdigit() is true, int() fails
    "１２",  # full-width digits, as typed with a Japanese input method
    "",
    "9" * 10_000,
    "\x00",
    INVALID_UTF8,
    "not-a-choice",  # an unknown enum value
)
PATH_PARAM = re.compile(r"\{(\w+):(\w+)\}")
# Handlers that read their query through a filter class: its fields are their query parameters.
FILTER_CLASSES = {"DealFilter": DealFilter, "CompanyFilter": CompanyFilter}


def routes(app) -> list[tuple[str, str, Any, Any]]:
    """(method, path, handler, kwargs model) of every route; logout last (it ends the walk's session)."""
    found = [
        (method, route.path, handler, kwargs_model)
        for route in app.routes
        for method, (handler, kwargs_model) in getattr(route, "route_handler_map", {}).items()
        if method not in ("OPTIONS", "HEAD")
    ]
    return sorted(found, key=lambda r: (r[1] == "/logout", r[1], r[0]))


def query_params(handler, kwargs_model) -> set[str]:
    """The query parameters a handler declares, and those it reads from `request.query_params`."""
    declared: set[ParameterDefinition] = kwargs_model.expected_query_params
    names = {p.field_alias for p in declared}
    source = inspect.getsource(handler.fn)
    names |= set(re.findall(r"params\.get\(\"(\w+)\"", source))
    for class_name, cls in FILTER_CLASSES.items():
        if f"{class_name}.from_query" in source:
            names |= {f.name for f in dataclasses.fields(cls)}
    return names


def form_fields(handler) -> list[str]:
    data = handler.parsed_fn_signature.parameters.get("data")
    if data is None or not dataclasses.is_dataclass(data.annotation):
        return []
    return [f.name for f in dataclasses.fields(data.annotation)]


def valid_url(method: str, path: str, ids: dict[str, int]) -> str:
    """The route matrix's URL for the route, else its path with ids filled in by parameter name."""
    if rule := RULES.get((method, path)):
        return (rule.url or path).format(**ids)

    def fill(match: re.Match) -> str:
        name, kind = match[1], match[2]
        return str(ids.get(name.removesuffix("_id"), 1)) if kind == "int" else "x"

    return PATH_PARAM.sub(fill, path)


def valid_form(method: str, path: str, ids: dict[str, int]) -> dict[str, str]:
    rule = RULES.get((method, path))
    return {k: v.format(**ids) for k, v in ((rule.data if rule else None) or {}).items()}


def in_url(value: Any) -> str:
    return "%ff%fe" if value is INVALID_UTF8 else quote(value, safe="")


def with_path_value(url: str, path: str, index: int, value: Any) -> str:
    """The URL with the index-th path parameter's segment replaced."""
    base, _, query = url.partition("?")
    segments, template = base.split("/"), path.split("/")
    positions = [i for i, part in enumerate(template) if PATH_PARAM.fullmatch(part)]
    segments[positions[index]] = in_url(value)
    return "/".join(segments) + (f"?{query}" if query else "")


def with_query_value(url: str, name: str, value: Any) -> str:
    parts = urlsplit(url)
    pairs = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != name]
    query = "&".join(filter(None, [urlencode(pairs), f"{name}={in_url(value)}"]))
    return f"{parts.path}?{query}"


def form_body(form: dict[str, str], name: str, value: Any) -> bytes:
    others = urlencode({k: v for k, v in form.items() if k != name}).encode()
    raw = b"\xff\xfe" if value is INVALID_UTF8 else quote(value, safe="").encode()
    return b"&".join(filter(None, [others, name.encode() + b"=" + raw]))


FORM_HEADERS = {"content-type": "application/x-www-form-urlencoded"}


SHARDS = 4  # the walk in parts, so the test workers share it


def walk(app, ids: dict[str, int]) -> list[tuple[str, str, bytes, str]]:
    """Every request of the walk: (method, url, body, what), each route's valid request with one value hostile."""
    requests = []
    for method, path, handler, kwargs_model in routes(app):
        url, form = valid_url(method, path, ids), valid_form(method, path, ids)
        body = urlencode(form).encode()
        for index, (name, _) in enumerate(PATH_PARAM.findall(path)):
            for value in HOSTILE:
                requests.append((method, with_path_value(url, path, index, value), body, f"path {name}={_show(value)}"))
        for name in sorted(query_params(handler, kwargs_model)):
            for value in HOSTILE:
                requests.append((method, with_query_value(url, name, value), body, f"query {name}={_show(value)}"))
        for name in form_fields(handler) if method == "POST" else ():
            for value in HOSTILE:
                requests.append((method, url, form_body(form, name, value), f"form {name}={_show(value)}"))
    return requests


async def test_the_hostile_walk_covers_every_route_and_parameter(app, rep, team_east, account):  # noqa: F811
    requests = walk(app, {"user": rep.id, "team": team_east.id} | account)
    assert len(requests) > 4000, "the walk lost routes or parameters"


@pytest.mark.slow(seconds=25)
@pytest.mark.parametrize("shard", range(SHARDS))
async def test_no_route_answers_a_hostile_value_with_a_5xx(
    app,
    login,
    admin,
    rep,
    team_east,
    account,  # noqa: F811
    make_token,
    caplog,
    shard,
):
    caplog.set_level(logging.WARNING, logger="httpx")  # a log line per request costs more than the request
    client = await login(admin)
    client.headers["Authorization"] = f"Bearer {await make_token(admin)}"  # /api/v1 takes a token, not the cookie
    requests = walk(app, {"user": rep.id, "team": team_east.id} | account)[shard::SHARDS]
    failures = []
    started = time.monotonic()
    for method, url, body, what in requests:
        try:
            if method == "GET":
                response = await client.get(url)
            else:
                response = await client.post(url, content=body, headers=FORM_HEADERS)
        except Exception as error:  # escaped the app (e.g. a failed commit while sending): a 500 to a browser
            failures.append(f"raised {type(error).__name__} {method} {url[:120]} {what}")
            continue
        if response.status_code >= 500:
            failures.append(f"{response.status_code} {method} {url[:120]} {what}")

    print(f"\nhostile input, part {shard + 1}/{SHARDS}: {len(requests)} requests in {time.monotonic() - started:.1f} s")
    assert not failures, f"{len(failures)} of {len(requests)} requests gave a 5xx:\n" + "\n".join(failures)


def _show(value: Any) -> str:
    if value is INVALID_UTF8:
        return "<invalid utf-8>"
    return repr(value if len(value) < 30 else value[:10] + f"…({len(value)} chars)")


# --- the reported cases ----------------------------------------------------------------------


async def test_a_deal_id_beyond_the_database_range_is_not_found(login, admin):
    client = await login(admin)

    r = await client.get("/deals/99999999999999999999")

    assert r.status_code == 404


async def test_a_non_ascii_digit_as_the_list_owner_filter_is_ignored(login, admin):
    client = await login(admin)

    r = await client.get("/pipeline/list?owner_id=᧚")

    assert r.status_code == 200


@pytest.mark.own_app
async def test_an_unexpected_error_is_logged_with_a_request_id_the_error_page_shows(app, login, admin, caplog):
    @get("/test-only/boom", sync_to_thread=False)
    def boom() -> str:
        raise RuntimeError("boom in a handler")

    app.register(boom)
    client = await login(admin)

    with caplog.at_level(logging.ERROR):
        page = await client.get("/test-only/boom")
        api = await client.get("/test-only/boom", headers={"accept": "application/json"})

    request_id = page.headers["x-request-id"]
    assert page.status_code == 500 and request_id in page.text
    assert api.status_code == 500
    assert api.json() == {"detail": "Internal Server Error", "request_id": api.headers["x-request-id"]}
    record = next(r for r in caplog.records if request_id in r.getMessage())
    assert record.exc_info and "boom in a handler" in str(record.exc_info[1])


async def test_a_sane_request_id_from_the_proxy_is_kept_and_a_hostile_one_replaced(login, admin):
    client = await login(admin)

    kept = await client.get("/", headers={"x-request-id": "lb-1234abcd"})
    replaced = await client.get("/", headers={"x-request-id": "<script>" + "x" * 300})

    assert kept.headers["x-request-id"] == "lb-1234abcd"
    assert re.fullmatch(r"[0-9a-f]{32}", replaced.headers["x-request-id"])

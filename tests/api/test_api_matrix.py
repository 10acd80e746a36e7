"""Every /api/v1 route, called with each persona's token, a read token, and no token."""

from __future__ import annotations

import pytest

from tests.api.route_rules import PERSONAS, RULES
from tests.api.test_auth import bearer
from tests.matrix_data import matrix_account
from tests.test_route_matrix import app_routes

PUBLIC = {("GET", "/api/v1/openapi.json"), ("GET", "/api/v1"), ("GET", "/api/v1/{path:str}"), ("GET", "/api/v1/docs")}


@pytest.fixture
async def account(db, rep):
    return await matrix_account(db, rep)


def api_routes(app) -> set[tuple[str, str]]:
    return {(m, p) for m, p in app_routes(app) if p.startswith("/api/v1") and (m, p) not in PUBLIC}


async def test_every_api_route_has_a_rule(app):
    assert api_routes(app) - set(RULES) == set(), "API routes without a rule in tests/api/route_rules.py"
    assert set(RULES) - api_routes(app) == set(), "rules for API routes that no longer exist"


async def _call(client, method: str, url: str, token: str | None, json=None):
    headers = bearer(token) if token else {}
    if method == "GET":
        return await client.get(url, headers=headers)
    return await client.request(method, url, headers=headers, json=json if json is not None else {})


@pytest.mark.parametrize("persona", PERSONAS)
async def test_each_api_route_answers_each_personas_token_as_its_rule_says(
    persona, request, anonymous, make_token, account, rep, other_rep, manager, admin
):
    token = await make_token(request.getfixturevalue(persona), "write")
    wrong = []
    for (method, path), rule in RULES.items():
        url = (rule.url or path).format(**account)
        response = await _call(anonymous, method, url, token, rule.json)
        if response.status_code != rule.expect[persona]:
            wrong.append(f"{method} {url}: expected {rule.expect[persona]}, got {response.status_code} {response.text}")
        media_type = rule.media_type if response.status_code < 300 else "application/json"
        assert response.headers["content-type"].startswith(media_type), url

    assert not wrong, f"{persona}:\n" + "\n".join(wrong)


async def test_a_read_token_gets_403_on_every_write_and_no_token_401_on_everything(
    anonymous, make_token, admin, account
):
    read = await make_token(admin, "read")
    for (method, path), rule in RULES.items():
        url = (rule.url or path).format(**account)
        assert (await _call(anonymous, method, url, None, rule.json)).status_code == 401, url
        if method != "GET":
            assert (await _call(anonymous, method, url, read, rule.json)).status_code == 403, url

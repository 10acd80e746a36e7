"""Every route of the app, checked for every kind of visitor.

A rule says what status each persona gets. A route without a rule fails
`test_every_route_has_a_rule`, so no page or action can land without saying who may use it.
Mutating routes are called with input that the rules refuse harmlessly (a stale version,
an empty form), so one logged-in client can walk the whole table.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

PERSONAS = ("anonymous", "rep", "other_rep", "manager", "admin")


@dataclass(frozen=True)
class Rule:
    expect: dict[str, int]
    url: str = ""  # concrete URL; "{user}" and "{team}" are filled in; default: the route path
    data: dict[str, str] | None = field(default=None)


def everyone(status: int) -> dict[str, int]:
    return dict.fromkeys(PERSONAS, status)


def logged_in(status: int = 200) -> dict[str, int]:
    return {"anonymous": 303} | dict.fromkeys(PERSONAS[1:], status)


def admin_only(status: int = 200) -> dict[str, int]:
    return {"anonymous": 303, "rep": 403, "other_rep": 403, "manager": 403, "admin": status}


RULES: dict[tuple[str, str], Rule] = {
    # public
    ("GET", "/login"): Rule(everyone(200)),
    ("POST", "/login"): Rule(everyone(422), data={"email": "nobody@example.test", "password": "wrong"}),
    ("POST", "/lang/{code:str}"): Rule(everyone(303), url="/lang/ja"),
    ("GET", "/invite/{token:str}"): Rule(everyone(404), url="/invite/not-a-token"),
    ("POST", "/invite/{token:str}"): Rule(everyone(404), url="/invite/not-a-token", data={"password": "x"}),
    ("GET", "/healthz"): Rule(everyone(200)),
    ("GET", "/static/{file_path:path}"): Rule(everyone(200), url="/static/css/app.css"),
    # every logged-in user
    ("GET", "/"): Rule(logged_in()),
    ("GET", "/search"): Rule(logged_in(), url="/search?q=test"),
    ("GET", "/settings"): Rule(logged_in()),
    ("POST", "/settings"): Rule(logged_in(303), data={"locale": "ja", "time_zone": "Asia/Tokyo"}),
    ("POST", "/settings/password"): Rule(logged_in(422), data={"current_password": "wrong", "new_password": "x"}),
    ("GET", "/accounts"): Rule(logged_in()),
    ("GET", "/pipeline"): Rule(logged_in()),
    ("GET", "/tasks"): Rule(logged_in()),
    ("GET", "/quotes"): Rule(logged_in()),
    ("GET", "/reports"): Rule(logged_in()),
    # administration
    ("GET", "/admin/users"): Rule(admin_only()),
    ("POST", "/admin/users"): Rule(admin_only(422), data={"email": ""}),
    ("GET", "/admin/users/{user_id:int}"): Rule(admin_only(), url="/admin/users/{user}"),
    ("POST", "/admin/users/{user_id:int}"): Rule(admin_only(409), url="/admin/users/{user}",
                                                 data={"role": "admin", "version": "0"}),
    ("POST", "/admin/users/{user_id:int}/active"): Rule(admin_only(409), url="/admin/users/{user}/active",
                                                        data={"active": "0", "version": "0"}),
    ("GET", "/admin/teams"): Rule(admin_only()),
    ("POST", "/admin/teams"): Rule(admin_only(422), data={"name": ""}),
    ("POST", "/admin/teams/{team_id:int}"): Rule(admin_only(409), url="/admin/teams/{team}",
                                                 data={"name": "x", "version": "0"}),
    ("GET", "/admin/audit"): Rule(admin_only()),
    # last: it ends the session the walk uses
    ("POST", "/logout"): Rule(logged_in(303)),
}


def app_routes(app) -> set[tuple[str, str]]:
    return {(method, route.path) for route in app.routes
            for method in getattr(route, "methods", ()) if method not in ("OPTIONS", "HEAD")}


async def test_every_route_has_a_rule(app):
    missing = app_routes(app) - set(RULES)
    stale = set(RULES) - app_routes(app)

    assert not missing, f"routes without an access rule in tests/test_route_matrix.py: {sorted(missing)}"
    assert not stale, f"rules for routes that no longer exist: {sorted(stale)}"


@pytest.mark.parametrize("persona", PERSONAS)
async def test_each_route_answers_each_persona_as_its_rule_says(persona, request, login, anonymous,
                                                               rep, other_rep, manager, admin, team_east):
    client = anonymous if persona == "anonymous" else await login(request.getfixturevalue(persona))
    ids = {"user": rep.id, "team": team_east.id}
    wrong = []
    for (method, path), rule in RULES.items():
        url = (rule.url or path).format(**ids)
        if method == "GET":
            response = await client.get(url)
        else:
            response = await client.post(url, data=rule.data or {})
        expected = rule.expect[persona]
        if response.status_code != expected:
            wrong.append(f"{method} {url}: expected {expected}, got {response.status_code}")
        if expected == 303 and persona == "anonymous" and (method, path) not in PUBLIC_REDIRECTS:
            assert response.headers["location"].startswith("/login"), url

    assert not wrong, f"{persona}:\n" + "\n".join(wrong)


PUBLIC_REDIRECTS = {("POST", "/lang/{code:str}")}

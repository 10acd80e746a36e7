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


def account_editors(status: int = 200) -> dict[str, int]:
    """The account belongs to `rep` (team east): rep, their manager and admins edit it."""
    return {"anonymous": 303, "rep": status, "other_rep": 403, "manager": status, "admin": status}


def account_managers(status: int = 200) -> dict[str, int]:
    """Merging or deleting `rep`'s accounts and persons: their team's manager and admins, not rep."""
    return {"anonymous": 303, "rep": 403, "other_rep": 403, "manager": status, "admin": status}


def deal_editors(status: int = 200) -> dict[str, int]:
    """The deal (and its task) belongs to `rep` (team east): a rep of another team does not even see it."""
    return {"anonymous": 303, "rep": status, "other_rep": 404, "manager": status, "admin": status}


# Rules of other route modules, kept beside their tests (they import Rule and the helpers above).
from tests.accounts.route_rules_import import RULES as IMPORT_RULES  # noqa: E402
from tests.api.route_rules import RULES as API_RULES  # noqa: E402
from tests.calendar.route_rules import RULES as CALENDAR_RULES  # noqa: E402
from tests.matrix_data import matrix_account  # noqa: E402
from tests.meetings.route_rules import RULES as MEETING_RULES  # noqa: E402
from tests.pipeline.route_rules_board import RULES as BOARD_RULES  # noqa: E402
from tests.pipeline.route_rules_deals import RULES as DEAL_RULES  # noqa: E402
from tests.pipeline.route_rules_reports import RULES as REPORT_RULES  # noqa: E402
from tests.quotes.route_rules import RULES as QUOTE_RULES  # noqa: E402
from tests.tasks.route_rules import RULES as TASK_RULES  # noqa: E402
from tests.webhooks.route_rules import RULES as WEBHOOK_RULES  # noqa: E402

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
    ("POST", "/settings/tokens"): Rule(logged_in(422), data={"name": "", "scope": "read"}),
    ("POST", "/settings/tokens/{token_id:int}/revoke"): Rule(logged_in(404), url="/settings/tokens/999999/revoke"),
    ("GET", "/accounts"): Rule(logged_in()),
    ("GET", "/reports"): Rule(logged_in()),
    # the JSON API: a session cookie is not a token (tests/api/ walk it with tokens); its schema is public
    **{route: Rule(everyone(401), url=rule.url) for route, rule in API_RULES.items()},
    ("GET", "/api/v1/openapi.json"): Rule(everyone(200)),
    ("GET", "/api/v1/docs"): Rule(everyone(200)),
    ("GET", "/static/swagger-ui/{file_path:path}"): Rule(everyone(200), url="/static/swagger-ui/swagger-ui.css"),
    ("GET", "/api/v1"): Rule(everyone(200)),  # Litestar serves the schema at its root too
    ("GET", "/api/v1/{path:str}"): Rule(everyone(404), url="/api/v1/nothing"),
    # administration
    ("GET", "/admin/users"): Rule(admin_only()),
    ("POST", "/admin/users"): Rule(admin_only(422), data={"email": ""}),
    ("GET", "/admin/users/{user_id:int}"): Rule(admin_only(), url="/admin/users/{user}"),
    ("POST", "/admin/users/{user_id:int}"): Rule(
        admin_only(409), url="/admin/users/{user}", data={"name": "x", "role": "admin", "version": "0"}
    ),
    ("POST", "/admin/users/{user_id:int}/active"): Rule(
        admin_only(409), url="/admin/users/{user}/active", data={"active": "0", "version": "0"}
    ),
    ("GET", "/admin/teams"): Rule(admin_only()),
    ("POST", "/admin/teams"): Rule(admin_only(422), data={"name": ""}),
    ("POST", "/admin/teams/{team_id:int}"): Rule(
        admin_only(409), url="/admin/teams/{team}", data={"name": "x", "version": "0"}
    ),
    ("GET", "/admin/audit"): Rule(admin_only()),
    # accounts: everyone reads, account_editors change (see accounts.services.may_edit)
    ("POST", "/accounts/views"): Rule(logged_in(303), data={"name": "", "query": ""}),
    ("POST", "/accounts/views/{view_id:int}/delete"): Rule(logged_in(404), url="/accounts/views/999999/delete"),
    ("GET", "/accounts/new"): Rule(logged_in()),
    ("POST", "/accounts"): Rule(logged_in(422), data={"name": ""}),
    ("GET", "/accounts/{company_id:int}"): Rule(logged_in(), url="/accounts/{company}"),
    ("GET", "/accounts/{company_id:int}/org-chart"): Rule(logged_in(), url="/accounts/{company}/org-chart"),
    ("GET", "/accounts/{company_id:int}/edit"): Rule(account_editors(), url="/accounts/{company}/edit"),
    ("POST", "/accounts/{company_id:int}"): Rule(
        account_editors(409), url="/accounts/{company}", data={"name": "x", "owner_id": "{user}", "version": "0"}
    ),
    ("GET", "/accounts/{company_id:int}/merge"): Rule(account_managers(), url="/accounts/{company}/merge"),
    ("POST", "/accounts/{company_id:int}/merge"): Rule(
        account_managers(422), url="/accounts/{company}/merge", data={"other_id": ""}
    ),
    ("POST", "/accounts/{company_id:int}/departments"): Rule(
        account_editors(303), url="/accounts/{company}/departments", data={"name": "営業部"}
    ),
    ("POST", "/departments/{department_id:int}"): Rule(
        account_editors(409), url="/departments/{department}", data={"name": "x", "version": "0"}
    ),
    ("POST", "/departments/{department_id:int}/delete"): Rule(
        account_editors(409), url="/departments/{department}/delete", data={"version": "0"}
    ),
    ("GET", "/accounts/{company_id:int}/persons/new"): Rule(account_editors(), url="/accounts/{company}/persons/new"),
    ("POST", "/accounts/{company_id:int}/persons"): Rule(
        account_editors(303), url="/accounts/{company}/persons", data={"name": "佐藤 花子"}
    ),
    ("GET", "/persons/{person_id:int}"): Rule(logged_in(), url="/persons/{person}"),
    ("GET", "/persons/{person_id:int}/edit"): Rule(account_editors(), url="/persons/{person}/edit"),
    ("POST", "/persons/{person_id:int}"): Rule(
        account_editors(409), url="/persons/{person}", data={"name": "x", "stance": "neutral", "version": "0"}
    ),
    ("POST", "/persons/{person_id:int}/merge"): Rule(
        account_managers(303), url="/persons/{person}/merge", data={"other_id": ""}
    ),
    # anyone may log what they did with an account; an empty subject is refused
    ("POST", "/accounts/{company_id:int}/activities"): Rule(
        logged_in(422), url="/accounts/{company}/activities", data={"kind": "call", "subject": ""}
    ),
    # the activity is rep's: its author and the account's editors correct it (version 0 is stale: 409)
    ("GET", "/activities/{activity_id:int}/edit"): Rule(account_editors(), url="/activities/{activity}/edit"),
    ("POST", "/activities/{activity_id:int}"): Rule(
        account_editors(409), url="/activities/{activity}", data={"kind": "call", "subject": "x", "version": "0"}
    ),
    # the activity is rep's: its author and the account's editors may delete it
    ("POST", "/activities/{activity_id:int}/delete"): Rule(account_editors(303), url="/activities/{activity}/delete"),
    **IMPORT_RULES,
    **BOARD_RULES,
    **DEAL_RULES,
    **REPORT_RULES,
    **QUOTE_RULES,
    **TASK_RULES,
    **CALENDAR_RULES,
    **WEBHOOK_RULES,
    **MEETING_RULES,
    # last: it ends the session the walk uses
    ("POST", "/logout"): Rule(logged_in(303)),
}


def app_routes(app) -> set[tuple[str, str]]:
    return {
        (method, route.path)
        for route in app.routes
        for method in getattr(route, "methods", ())
        if method not in ("OPTIONS", "HEAD")
    }


async def test_every_route_has_a_rule(app):
    missing = app_routes(app) - set(RULES)
    stale = set(RULES) - app_routes(app)

    assert not missing, f"routes without an access rule in tests/test_route_matrix.py: {sorted(missing)}"
    assert not stale, f"rules for routes that no longer exist: {sorted(stale)}"


@pytest.mark.parametrize("persona", PERSONAS)
async def test_each_route_answers_each_persona_as_its_rule_says(
    persona, request, login, anonymous, account, rep, other_rep, manager, admin, team_east
):
    client = anonymous if persona == "anonymous" else await login(request.getfixturevalue(persona))
    ids = {"user": rep.id, "team": team_east.id} | account
    wrong = []
    for (method, path), rule in RULES.items():
        url = (rule.url or path).format(**ids)
        if method == "GET":
            response = await client.get(url)
        else:
            data = {k: v.format(**ids) for k, v in (rule.data or {}).items()}
            response = await client.request(method, url, data=data)
        expected = rule.expect[persona]
        if response.status_code != expected:
            wrong.append(f"{method} {url}: expected {expected}, got {response.status_code}")
        if expected == 303 and persona == "anonymous" and (method, path) not in PUBLIC_REDIRECTS:
            assert response.headers["location"].startswith("/login"), url

    assert not wrong, f"{persona}:\n" + "\n".join(wrong)


PUBLIC_REDIRECTS = {("POST", "/lang/{code:str}")}


@pytest.fixture
async def account(db, rep):
    return await matrix_account(db, rep)


async def test_a_rep_who_starts_a_deal_on_another_teams_account_still_may_not_edit_reassign_or_merge_it(
    login, account, rep, other_rep
):
    """The takeover found in the hardening review: starting a deal on an account used to make it
    editable, and then the rep could make themselves its owner or merge it into their own."""
    intruder = await login(other_rep)
    started = await intruder.post(
        "/deals",
        data={"company_id": str(account["company"]), "title": "横取り", "owner_id": str(other_rep.id)},
    )
    assert started.status_code == 303  # anyone may start a deal on any account

    refused = {
        "GET /accounts/{company}/edit": await intruder.get(f"/accounts/{account['company']}/edit"),
        "POST /accounts/{company} (owner)": await intruder.post(
            f"/accounts/{account['company']}", data={"name": "x", "owner_id": str(other_rep.id), "version": "1"}
        ),
        "GET /accounts/{company}/merge": await intruder.get(f"/accounts/{account['company']}/merge"),
        "POST /accounts/{company}/merge": await intruder.post(
            f"/accounts/{account['company']}/merge", data={"other_id": str(account["company"]), "confirm": "1"}
        ),
        "POST /persons/{person}/merge": await intruder.post(
            f"/persons/{account['person']}/merge", data={"other_id": str(account["person"]), "confirm": "1"}
        ),
    }

    assert {name: r.status_code for name, r in refused.items()} == dict.fromkeys(refused, 403)

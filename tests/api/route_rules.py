"""Who may call each /api/v1 route, by the token's user (tests/api/test_api_matrix.py walks it).

Same personas and fixtures as tests/test_route_matrix.py; every API route needs a rule here
(a session cookie gets 401 on all of them, which the main matrix checks from this table).
Writes carry input the rules refuse harmlessly (a stale version, an empty name), so one walk
can run the whole table; each resource's own tests check that the allowed writes write.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

PERSONAS = ("rep", "other_rep", "manager", "admin")


@dataclass(frozen=True)
class ApiRule:
    expect: dict[str, int]
    url: str = ""  # concrete URL, ids filled in from the matrix's `account` fixture
    json: dict[str, Any] | None = field(default=None)
    media_type: str = "application/json"  # of a 2xx answer (errors are always JSON)


def everyone(status: int = 200) -> dict[str, int]:
    return dict.fromkeys(PERSONAS, status)


def account_editors(status: int) -> dict[str, int]:
    """The account is rep's (team east): rep, their manager and admins edit; other_rep gets 403."""
    return {"rep": status, "other_rep": 403, "manager": status, "admin": status}


def deal_editors(status: int) -> dict[str, int]:
    """The deal is rep's (team east): a rep of another team does not even see it (404)."""
    return {"rep": status, "other_rep": 404, "manager": status, "admin": status}


STALE = {"version": 0}

RULES: dict[tuple[str, str], ApiRule] = {
    ("GET", "/api/v1/me"): ApiRule(everyone()),
    ("GET", "/api/v1/users"): ApiRule(everyone()),
    ("GET", "/api/v1/teams"): ApiRule(everyone()),
    # accounts: everyone reads and creates; account_editors change
    ("GET", "/api/v1/companies"): ApiRule(everyone()),
    ("POST", "/api/v1/companies"): ApiRule(everyone(422), json={"name": ""}),
    ("GET", "/api/v1/companies/{company_id:int}"): ApiRule(everyone(), url="/api/v1/companies/{company}"),
    ("PATCH", "/api/v1/companies/{company_id:int}"): ApiRule(
        account_editors(409), url="/api/v1/companies/{company}", json=STALE | {"name": "x"}
    ),
}


def _others() -> dict[tuple[str, str], ApiRule]:
    from tests.api import (
        route_rules_accounts,
        route_rules_meetings,
        route_rules_pipeline,
        route_rules_quotes,
        route_rules_tasks,
    )

    return (
        route_rules_accounts.RULES
        | route_rules_pipeline.RULES
        | route_rules_tasks.RULES
        | route_rules_quotes.RULES
        | route_rules_meetings.RULES
    )


RULES |= _others()

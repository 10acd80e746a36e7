"""API route rules of the pipeline resources (imported by tests/api/route_rules.py).

The matrix's deal is rep's (team east) in 提案, with the matrix's person in its committee."""

from __future__ import annotations

from tests.api.route_rules import STALE, ApiRule, deal_editors, everyone

DEAL = "/api/v1/deals/{deal}"
PIPELINE = "/api/v1/pipelines/{pipeline_id:int}"
STAGE = "/api/v1/stages/{stage_id:int}"
REASON = "/api/v1/lost-reasons/{reason_id:int}"
CONTACTS = "/api/v1/deals/{deal_id:int}/contacts"
CONTACT = CONTACTS + "/{person_id:int}"


def admins(status: int) -> dict[str, int]:
    """The sales configuration: everyone reads it, only admins change it (403 for the others)."""
    return {"rep": 403, "other_rep": 403, "manager": 403, "admin": status}


RULES: dict[tuple[str, str], ApiRule] = {
    # pipelines with their stages, and lost reasons: read by everyone, changed by admins
    ("GET", "/api/v1/pipelines"): ApiRule(everyone()),
    ("POST", "/api/v1/pipelines"): ApiRule(admins(422), json={"name": ""}),
    ("GET", PIPELINE): ApiRule(everyone(), url="/api/v1/pipelines/{pipeline}"),
    ("PATCH", PIPELINE): ApiRule(admins(409), url="/api/v1/pipelines/{pipeline}", json=STALE | {"name": "x"}),
    # the form is read before the rights (as on the page): a valid body with a name in use
    ("POST", PIPELINE + "/stages"): ApiRule(
        admins(422), url="/api/v1/pipelines/{pipeline}/stages", json={"name": "提案", "probability": 10}
    ),
    ("PATCH", STAGE): ApiRule(admins(409), url="/api/v1/stages/{stage}", json=STALE | {"name": "x"}),
    ("DELETE", STAGE): ApiRule(admins(409), url="/api/v1/stages/{stage}?version=0"),
    ("GET", "/api/v1/lost-reasons"): ApiRule(everyone()),
    ("POST", "/api/v1/lost-reasons"): ApiRule(admins(422), json={"name": ""}),
    ("GET", REASON): ApiRule(everyone(), url="/api/v1/lost-reasons/{lost_reason}"),
    ("PATCH", REASON): ApiRule(admins(409), url="/api/v1/lost-reasons/{lost_reason}", json=STALE | {"name": "x"}),
    ("DELETE", REASON): ApiRule(admins(409), url="/api/v1/lost-reasons/{lost_reason}?version=0"),
    # deals: who sees them as on the board (another team's rep: 404); editors as on the deal page
    ("GET", "/api/v1/deals"): ApiRule(everyone()),
    ("POST", "/api/v1/deals"): ApiRule(everyone(422), json={"company_id": 1, "title": ""}),
    ("GET", "/api/v1/deals/{deal_id:int}"): ApiRule(deal_editors(200), url=DEAL),
    ("PATCH", "/api/v1/deals/{deal_id:int}"): ApiRule(deal_editors(409), url=DEAL, json=STALE | {"title": "x"}),
    # the buying committee follows its deal (a member by person id; the matrix's person is in it)
    ("GET", CONTACTS): ApiRule(deal_editors(200), url=DEAL + "/contacts"),
    ("POST", CONTACTS): ApiRule(deal_editors(422), url=DEAL + "/contacts", json={"person_id": 999999}),
    ("GET", CONTACT): ApiRule(deal_editors(200), url=DEAL + "/contacts/{person}"),
    # the role it has already: an allowed write that changes nothing
    ("PATCH", CONTACT): ApiRule(deal_editors(200), url=DEAL + "/contacts/{person}", json={"role": "decision_maker"}),
    ("DELETE", CONTACT): ApiRule(everyone(404), url=DEAL + "/contacts/999999"),
}

# the weekly meeting's bridge: everyone, each over the deals they see
RULES[("GET", "/api/v1/pipeline/changes")] = ApiRule(
    everyone(), url="/api/v1/pipeline/changes?since=2026-01-05T00:00:00Z"
)

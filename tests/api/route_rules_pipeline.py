"""API route rules of the pipeline resources (imported by tests/api/route_rules.py).

The matrix's deal is rep's (team east) in 提案, with the matrix's person in its committee."""

from __future__ import annotations

from tests.api.route_rules import STALE, ApiRule, deal_editors, everyone

DEAL = "/api/v1/deals/{deal}"
CONTACTS = "/api/v1/deals/{deal_id:int}/contacts"
CONTACT = CONTACTS + "/{person_id:int}"

RULES: dict[tuple[str, str], ApiRule] = {
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

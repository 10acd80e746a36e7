"""API route rules of the weekly meetings (imported by tests/api/route_rules.py). The matrix's
meeting is rep's team's (finished): another team's rep does not see it (404)."""

from __future__ import annotations

from tests.api.route_rules import ApiRule, deal_editors, everyone

MEETING = "/api/v1/meetings/{meeting_id:int}"

RULES: dict[tuple[str, str], ApiRule] = {
    ("GET", "/api/v1/meetings"): ApiRule(everyone()),
    # the team is looked up before the rights: an unknown team is 422 for everyone
    ("POST", "/api/v1/meetings"): ApiRule(everyone(422), json={"team_id": 999999}),
    ("GET", MEETING): ApiRule(deal_editors(200), url="/api/v1/meetings/{meeting}"),
    ("GET", MEETING + "/minutes.pdf"): ApiRule(
        deal_editors(200), url="/api/v1/meetings/{meeting}/minutes.pdf", media_type="application/pdf"
    ),
}

"""API route rules of the quotes resources (imported by tests/api/route_rules.py).

The matrix's quote is a draft of rep's deal (team east): who sees the deal reads it (another
team's rep: 404), who may edit the deal changes it; the manager of rep's team and admins decide a
discount, not rep. Products are read by everyone and changed by admins (403 for the others, before
the body is looked at). Writes carry a stale version or an empty name, so the walk changes nothing.
"""

from __future__ import annotations

from tests.api.route_rules import STALE, ApiRule, deal_editors, everyone

QUOTE = "/api/v1/quotes/{quote}"
ITEM = "/api/v1/quotes/{quote_id:int}"
PRODUCT = "/api/v1/products/{product_id:int}"
LINE = {"description": "作業", "quantity": "1", "unit": "式", "unit_price_jpy": 1000, "tax_category": "standard"}
APPROVERS = {"rep": 403, "other_rep": 404, "manager": 409, "admin": 409}


def admins(status: int) -> dict[str, int]:
    return {"rep": 403, "other_rep": 403, "manager": 403, "admin": status}


RULES: dict[tuple[str, str], ApiRule] = {
    ("GET", "/api/v1/products"): ApiRule(everyone()),
    ("POST", "/api/v1/products"): ApiRule(admins(422), json={"code": "", "name": "", "unit_price_jpy": 0}),
    ("GET", PRODUCT): ApiRule(everyone(), url="/api/v1/products/{product}"),
    ("PATCH", PRODUCT): ApiRule(admins(409), url="/api/v1/products/{product}", json=STALE | {"name": "x"}),
    ("GET", "/api/v1/quotes"): ApiRule(everyone(), url="/api/v1/quotes?deal_id={deal}"),
    # (the body's ids are not filled in: a deal nobody sees; tests/api/test_quotes.py has the rights)
    ("POST", "/api/v1/quotes"): ApiRule(everyone(404), json={"deal_id": 999999, "subject": "見積", "lines": [LINE]}),
    ("GET", ITEM): ApiRule(deal_editors(200), url=QUOTE),
    ("PATCH", ITEM): ApiRule(deal_editors(409), url=QUOTE, json=STALE | {"subject": "x"}),
    ("GET", ITEM + "/pdf"): ApiRule(deal_editors(200), url=QUOTE + "/pdf", media_type="application/pdf"),
    ("POST", ITEM + "/send"): ApiRule(deal_editors(409), url=QUOTE + "/send", json=STALE),
    ("POST", ITEM + "/accept"): ApiRule(deal_editors(409), url=QUOTE + "/accept", json=STALE),
    ("POST", ITEM + "/reject"): ApiRule(deal_editors(409), url=QUOTE + "/reject", json=STALE),
    ("POST", ITEM + "/request-approval"): ApiRule(deal_editors(409), url=QUOTE + "/request-approval", json=STALE),
    ("POST", ITEM + "/approve"): ApiRule(APPROVERS, url=QUOTE + "/approve", json=STALE),
    ("POST", ITEM + "/decline"): ApiRule(APPROVERS, url=QUOTE + "/decline", json=STALE),
}

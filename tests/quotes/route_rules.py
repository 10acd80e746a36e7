"""Access rules of the quote routes (merged into tests/test_route_matrix.py).

The quote is a draft of rep's deal: who sees the deal reads it (a rep of another team gets 404),
who may edit the deal changes it. Actions post a stale version (409) and editor posts no button
(a recalculation, nothing saved), so the walk changes nothing. Products and the issuer settings
are the admins'; the others get 403 before their input is looked at.
"""

from tests.test_route_matrix import Rule, account_editors, admin_only, deal_editors, logged_in

STALE = {"version": "0"}

RULES: dict[tuple[str, str], Rule] = {
    ("GET", "/quotes"): Rule(logged_in(), url="/quotes?status=expiring&owner={user}"),
    ("GET", "/quotes/approvals/badge"): Rule(logged_in()),
    ("GET", "/deals/{deal_id:int}/quotes/new"): Rule(deal_editors(), url="/deals/{deal}/quotes/new"),
    ("POST", "/deals/{deal_id:int}/quotes"): Rule(
        deal_editors(), url="/deals/{deal}/quotes", data={"subject": "見積", "line_description": "作業"}
    ),
    ("GET", "/quotes/{quote_id:int}"): Rule(deal_editors(), url="/quotes/{quote}"),
    ("GET", "/quotes/{quote_id:int}/pdf"): Rule(deal_editors(), url="/quotes/{quote}/pdf"),
    ("GET", "/quotes/{quote_id:int}/edit"): Rule(deal_editors(), url="/quotes/{quote}/edit"),
    ("POST", "/quotes/{quote_id:int}"): Rule(deal_editors(), url="/quotes/{quote}", data={"action": "add_line"}),
    ("POST", "/quotes/{quote_id:int}/send"): Rule(deal_editors(409), url="/quotes/{quote}/send", data=STALE),
    ("POST", "/quotes/{quote_id:int}/accept"): Rule(deal_editors(409), url="/quotes/{quote}/accept", data=STALE),
    ("POST", "/quotes/{quote_id:int}/reject"): Rule(deal_editors(409), url="/quotes/{quote}/reject", data=STALE),
    ("POST", "/quotes/{quote_id:int}/request-approval"): Rule(
        deal_editors(409), url="/quotes/{quote}/request-approval", data=STALE
    ),
    # the manager of rep's team and admins decide a discount; rep, though the deal is theirs, does not
    ("POST", "/quotes/{quote_id:int}/approve"): Rule(
        {"anonymous": 303, "rep": 403, "other_rep": 404, "manager": 409, "admin": 409},
        url="/quotes/{quote}/approve",
        data=STALE,
    ),
    ("POST", "/quotes/{quote_id:int}/decline"): Rule(
        {"anonymous": 303, "rep": 403, "other_rep": 404, "manager": 409, "admin": 409},
        url="/quotes/{quote}/decline",
        data=STALE,
    ),
    # administration
    ("GET", "/admin/products"): Rule(admin_only()),
    ("POST", "/admin/products"): Rule(admin_only(422), data={"code": ""}),
    ("GET", "/admin/products/{product_id:int}"): Rule(admin_only(), url="/admin/products/{product}"),
    ("POST", "/admin/products/{product_id:int}"): Rule(
        admin_only(409),
        url="/admin/products/{product}",
        data={"code": "MX-1", "name": "x", "unit_price": "1", "tax_category": "standard", "version": "0"},
    ),
    ("GET", "/admin/products/export"): Rule(admin_only(), url="/admin/products/export?encoding=cp932"),
    ("POST", "/admin/products/import"): Rule(admin_only(422)),
    ("GET", "/admin/quote-settings"): Rule(admin_only()),
    ("POST", "/admin/quote-settings"): Rule(admin_only(422), data={"name": ""}),
    # the seal and logo: no file (422) or a stale version (409); shown to anyone logged in (none here: 404)
    ("POST", "/admin/quote-settings/images/{kind:str}"): Rule(admin_only(422), url="/admin/quote-settings/images/seal"),
    ("POST", "/admin/quote-settings/images/{kind:str}/delete"): Rule(
        admin_only(409), url="/admin/quote-settings/images/logo/delete", data={"version": "999"}
    ),
    ("GET", "/quote-images/{kind:str}"): Rule(logged_in(404), url="/quote-images/seal"),
    # a customer's own tax rounding is set by the account's editors (the walk's version is stale)
    ("POST", "/accounts/{company_id:int}/quote-rounding"): Rule(
        account_editors(409), url="/accounts/{company}/quote-rounding", data={"rounding": "half_up", "version": "0"}
    ),
}

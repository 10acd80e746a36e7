"""Access rules of the pipeline's deals routes (merged into tests/test_route_matrix.py).

The deal `{deal}` is rep's (team east), in 提案, with rep's task `{task}`; see the matrix's fixture.
Everyone may start a deal (everyone reads every account); the deal's page is for those who see it
(rep's team and admins: another team's rep gets 404), its changes for its editors. Changes are
sent with a stale version (409) or an empty field (422), so the walk changes nothing, except the
last rule: removing `{person}` from the committee, which nothing after it needs.
"""

from tests.test_route_matrix import Rule, deal_editors, logged_in

RULES: dict[tuple[str, str], Rule] = {
    ("GET", "/deals/new"): Rule(logged_in(), url="/deals/new?company_id={company}"),
    ("GET", "/deals/new/companies"): Rule(logged_in(), url="/deals/new/companies?company_q=マトリクス"),
    ("POST", "/deals"): Rule(logged_in(422), data={"company_id": "{company}", "title": ""}),
    # rep's team sees the deal (a teammate reads it too: see test_deal_pages); the others get 404
    ("GET", "/deals/{deal_id:int}"): Rule(deal_editors(), url="/deals/{deal}"),
    ("GET", "/deals/{deal_id:int}/edit"): Rule(deal_editors(), url="/deals/{deal}/edit"),
    ("POST", "/deals/{deal_id:int}"): Rule(
        deal_editors(409), url="/deals/{deal}", data={"title": "x", "forecast": "C", "version": "0"}
    ),
    ("POST", "/deals/{deal_id:int}/forecast"): Rule(
        deal_editors(409), url="/deals/{deal}/forecast", data={"forecast": "A", "version": "0"}
    ),
    ("POST", "/deals/{deal_id:int}/activities"): Rule(
        deal_editors(422), url="/deals/{deal}/activities", data={"kind": "call", "subject": ""}
    ),
    # an unknown stage: refused, back to the deal page with the reason
    ("POST", "/deals/{deal_id:int}/reopen"): Rule(
        deal_editors(303), url="/deals/{deal}/reopen", data={"stage_id": "999999", "version": "0"}
    ),
    ("POST", "/deals/{deal_id:int}/contacts"): Rule(
        deal_editors(422), url="/deals/{deal}/contacts", data={"person_id": ""}
    ),
    ("POST", "/deals/{deal_id:int}/contacts/{person_id:int}"): Rule(
        deal_editors(422), url="/deals/{deal}/contacts/{person}", data={"role": "not-a-role"}
    ),
    ("POST", "/deals/{deal_id:int}/contacts/{person_id:int}/delete"): Rule(
        deal_editors(303), url="/deals/{deal}/contacts/{person}/delete"
    ),
}

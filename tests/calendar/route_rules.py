"""Access rules of the calendar routes (merged into tests/test_route_matrix.py)."""

from tests.test_route_matrix import Rule, account_editors, admin_only, deal_editors, everyone, logged_in

RULES: dict[tuple[str, str], Rule] = {
    # the feed is public: its URL's secret token is the key (an unknown one is 404 for everyone)
    ("GET", "/calendar/{name:str}"): Rule(everyone(404), url="/calendar/not-a-token.ics"),
    ("GET", "/tasks/{task_id:int}/calendar.ics"): Rule(deal_editors(), url="/tasks/{task}/calendar.ics"),
    ("POST", "/settings/calendar"): Rule(logged_in(303), data={"feed": "own"}),
    ("GET", "/admin/calendar"): Rule(admin_only()),
    ("POST", "/admin/calendar"): Rule(admin_only(409), data={"closed_days": "", "version": "99"}),
    ("POST", "/admin/calendar/pipelines/{pipeline_id:int}"): Rule(
        admin_only(404), url="/admin/calendar/pipelines/999999", data={"renewal_lead_days": "30", "version": "1"}
    ),
    # the CalDAV sync panel: each user's own calendar (an empty form is refused; sync without one shows the panel)
    ("GET", "/settings/caldav"): Rule(logged_in()),
    ("POST", "/settings/caldav"): Rule(logged_in(422), data={"url": ""}),
    ("POST", "/settings/caldav/sync"): Rule(logged_in()),
    ("POST", "/settings/caldav/disconnect"): Rule(logged_in(303)),
    # a contract end date is changed by the account's (or deal's) editors; the walk's version is stale
    ("POST", "/accounts/{company_id:int}/contract"): Rule(
        account_editors(409), url="/accounts/{company}/contract", data={"contract_end_on": "", "version": "0"}
    ),
    ("POST", "/deals/{deal_id:int}/contract"): Rule(
        deal_editors(409), url="/deals/{deal}/contract", data={"contract_end_on": "", "version": "0"}
    ),
}

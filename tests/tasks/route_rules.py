"""Access rules of the task routes (merged into tests/test_route_matrix.py).

The task is rep's (the next action of rep's deal): rep, their manager and admins may change
it; a rep of another team does not see it (404). Changes are sent with a stale version (409)
or an empty title (422), so the walk changes nothing. The panels a page fetches again answer a
plain GET (no htmx) of a card or deal panel with a redirect to the deal, once the deal is seen.
"""

from tests.test_route_matrix import Rule, deal_editors, logged_in

MANAGERS = {"anonymous": 303, "rep": 403, "other_rep": 403, "manager": 200, "admin": 200}

RULES: dict[tuple[str, str], Rule] = {
    ("GET", "/tasks"): Rule(logged_in()),
    ("GET", "/tasks/new"): Rule(deal_editors(), url="/tasks/new?deal_id={deal}"),
    ("GET", "/tasks/team"): Rule(MANAGERS),
    ("GET", "/tasks/overdue-badge"): Rule(logged_in()),
    ("GET", "/tasks/panels/card/{deal_id:int}"): Rule(deal_editors(303), url="/tasks/panels/card/{deal}"),
    ("GET", "/tasks/panels/deal/{deal_id:int}"): Rule(deal_editors(303), url="/tasks/panels/deal/{deal}"),
    ("GET", "/tasks/panels/company/{company_id:int}"): Rule(logged_in(), url="/tasks/panels/company/{company}"),
    ("GET", "/tasks/panels/person/{person_id:int}"): Rule(logged_in(), url="/tasks/panels/person/{person}"),
    ("POST", "/tasks"): Rule(logged_in(422), data={"title": "", "due_on": "2030-01-01"}),
    ("GET", "/tasks/{task_id:int}/complete"): Rule(deal_editors(), url="/tasks/{task}/complete"),
    ("POST", "/tasks/{task_id:int}/complete"): Rule(
        deal_editors(409), url="/tasks/{task}/complete", data={"version": "0"}
    ),
    ("POST", "/tasks/{task_id:int}/cancel"): Rule(deal_editors(409), url="/tasks/{task}/cancel", data={"version": "0"}),
    ("GET", "/tasks/{task_id:int}/edit"): Rule(deal_editors(), url="/tasks/{task}/edit"),
    ("POST", "/tasks/{task_id:int}"): Rule(
        deal_editors(409), url="/tasks/{task}", data={"title": "x", "due_on": "2030-01-01", "version": "0"}
    ),
}

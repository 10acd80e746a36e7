"""Access rules of the task routes (merged into tests/test_route_matrix.py).

The task is rep's (the next action of rep's deal): rep, their manager and admins may change
it; a rep of another team does not see it (404). Changes are sent with a stale version (409)
or an empty title (422), so the walk changes nothing.
"""

from tests.test_route_matrix import Rule, deal_editors, logged_in

RULES: dict[tuple[str, str], Rule] = {
    ("GET", "/tasks"): Rule(logged_in()),
    ("GET", "/tasks/new"): Rule(deal_editors(), url="/tasks/new?view=card&deal_id={deal}"),
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

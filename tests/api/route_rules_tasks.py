"""API route rules of the tasks resources (imported by tests/api/route_rules.py).

The task is rep's (the next action of rep's deal): rep, their manager and admins see and change
it; a rep of another team does not see it (404). Writes carry an empty title or a stale version,
so the walk changes nothing.
"""

from __future__ import annotations

from tests.api.route_rules import STALE, ApiRule, deal_editors, everyone

RULES: dict[tuple[str, str], ApiRule] = {
    ("GET", "/api/v1/tasks"): ApiRule(everyone(), url="/api/v1/tasks?deal_id={deal}"),
    ("POST", "/api/v1/tasks"): ApiRule(everyone(422), json={"title": "", "due_on": "2030-01-01"}),
    ("GET", "/api/v1/tasks/{task_id:int}"): ApiRule(deal_editors(200), url="/api/v1/tasks/{task}"),
    ("PATCH", "/api/v1/tasks/{task_id:int}"): ApiRule(
        deal_editors(409), url="/api/v1/tasks/{task}", json=STALE | {"title": "x"}
    ),
}

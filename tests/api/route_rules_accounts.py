"""API route rules of the accounts resources (imported by tests/api/route_rules.py).

Everyone reads every account; its departments and persons are changed by the account's
editors (rep owns it: other_rep gets 403). Writes carry an empty name or a stale version, so
the walk changes nothing.
"""

from __future__ import annotations

from tests.api.route_rules import STALE, ApiRule, account_editors, everyone

RULES: dict[tuple[str, str], ApiRule] = {
    # departments
    ("GET", "/api/v1/departments"): ApiRule(everyone(), url="/api/v1/departments?company_id={company}"),
    ("POST", "/api/v1/departments"): ApiRule(everyone(422), json={"company_id": 1, "name": ""}),
    ("GET", "/api/v1/departments/{department_id:int}"): ApiRule(everyone(), url="/api/v1/departments/{department}"),
    ("PATCH", "/api/v1/departments/{department_id:int}"): ApiRule(
        account_editors(409), url="/api/v1/departments/{department}", json=STALE | {"name": "x"}
    ),
    ("DELETE", "/api/v1/departments/{department_id:int}"): ApiRule(
        account_editors(409), url="/api/v1/departments/{department}?version=0"
    ),
    # persons (no DELETE: the pages only merge persons)
    ("GET", "/api/v1/persons"): ApiRule(everyone(), url="/api/v1/persons?company_id={company}"),
    ("POST", "/api/v1/persons"): ApiRule(everyone(422), json={"company_id": 1, "name": ""}),
    ("GET", "/api/v1/persons/{person_id:int}"): ApiRule(everyone(), url="/api/v1/persons/{person}"),
    ("PATCH", "/api/v1/persons/{person_id:int}"): ApiRule(
        account_editors(409), url="/api/v1/persons/{person}", json=STALE | {"name": "x"}
    ),
    # activities (no PATCH: the pages do not edit them); anyone logs one, on any account
    ("GET", "/api/v1/activities"): ApiRule(everyone(), url="/api/v1/activities?company_id={company}"),
    ("POST", "/api/v1/activities"): ApiRule(everyone(422), json={"company_id": 1, "subject": ""}),
    ("GET", "/api/v1/activities/{activity_id:int}"): ApiRule(everyone(), url="/api/v1/activities/{activity}"),
    # a delete of one that exists would delete (204, no body: the walk wants JSON): a missing one is 404;
    # who may delete (its author and the account's editors, 403 for others) is in test_activities.py
    ("DELETE", "/api/v1/activities/{activity_id:int}"): ApiRule(everyone(404), url="/api/v1/activities/999999"),
}

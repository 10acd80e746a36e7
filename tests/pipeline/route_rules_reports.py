"""Access rules of the pipeline's reports routes (merged into tests/test_route_matrix.py): the deal list,
its export and the forecast (every logged-in user, each seeing their own deals), and the pipeline
administration (admins only; a stale version is 409 and an empty name 422, so nothing changes).

The deal `{deal}` is rep's (team east), in 提案, with rep's task `{task}`; `{pipeline}` is the default
pipeline, `{stage}` its 提案 and `{lost_reason}` the first lost reason; see the matrix's fixture.
"""

from tests.test_route_matrix import Rule, admin_only, deal_editors, logged_in  # noqa: F401

STALE = {"version": "0"}

RULES: dict[tuple[str, str], Rule] = {
    ("GET", "/pipeline/list"): Rule(logged_in(), url="/pipeline/list?status=all&sort=-amount"),
    ("GET", "/pipeline/export"): Rule(logged_in(), url="/pipeline/export?format=xlsx"),
    ("GET", "/pipeline/forecast"): Rule(logged_in(), url="/pipeline/forecast?fy=2026"),
    ("GET", "/pipeline/forecast/export"): Rule(logged_in(), url="/pipeline/forecast/export?fy=2026&format=xlsx"),
    ("GET", "/admin/pipelines"): Rule(admin_only()),
    ("POST", "/admin/pipelines"): Rule(admin_only(422), data={"name": "", "copy_from_id": "{pipeline}"}),
    ("POST", "/admin/pipelines/{pipeline_id:int}"): Rule(
        admin_only(409), url="/admin/pipelines/{pipeline}", data={"name": "x"} | STALE
    ),
    ("POST", "/admin/pipelines/{pipeline_id:int}/default"): Rule(
        admin_only(409), url="/admin/pipelines/{pipeline}/default", data=STALE
    ),
    ("POST", "/admin/pipelines/{pipeline_id:int}/stages"): Rule(
        admin_only(422), url="/admin/pipelines/{pipeline}/stages", data={"name": "", "probability": "10"}
    ),
    ("GET", "/admin/stages/{stage_id:int}"): Rule(admin_only(), url="/admin/stages/{stage}"),
    ("POST", "/admin/stages/{stage_id:int}"): Rule(
        admin_only(409), url="/admin/stages/{stage}", data={"name": "x", "probability": "10", "kind": "open"} | STALE
    ),
    ("POST", "/admin/stages/{stage_id:int}/move"): Rule(
        admin_only(409), url="/admin/stages/{stage}/move", data={"direction": "up"} | STALE
    ),
    ("POST", "/admin/stages/{stage_id:int}/delete"): Rule(
        admin_only(409), url="/admin/stages/{stage}/delete", data=STALE
    ),
    ("POST", "/admin/lost-reasons"): Rule(admin_only(422), data={"name": ""}),
    ("POST", "/admin/lost-reasons/{reason_id:int}"): Rule(
        admin_only(409), url="/admin/lost-reasons/{lost_reason}", data={"name": "x"} | STALE
    ),
    ("POST", "/admin/lost-reasons/{reason_id:int}/active"): Rule(
        admin_only(409), url="/admin/lost-reasons/{lost_reason}/active", data={"active": "0"} | STALE
    ),
    ("POST", "/admin/lost-reasons/{reason_id:int}/move"): Rule(
        admin_only(409), url="/admin/lost-reasons/{lost_reason}/move", data={"direction": "down"} | STALE
    ),
    ("POST", "/admin/lost-reasons/{reason_id:int}/delete"): Rule(
        admin_only(409), url="/admin/lost-reasons/{lost_reason}/delete", data=STALE
    ),
    ("POST", "/admin/sales-settings"): Rule(
        admin_only(409), data={"fiscal_year_start_month": "1", "require_next_action": "1"} | STALE
    ),
}

"""Access rules of the import/export and company-picker routes (merged into tests/test_route_matrix.py).

Any logged-in user may import and export. Uploads belong to their user, so an id nobody
owns (999999) is refused with 404 for everyone logged in; an upload without a file is 422.
"""

from tests.test_route_matrix import Rule, logged_in

RULES: dict[tuple[str, str], Rule] = {
    ("GET", "/accounts/import"): Rule(logged_in()),
    ("POST", "/accounts/import"): Rule(logged_in(422), data={"file": ""}),
    ("GET", "/accounts/import/{upload_id:int}"): Rule(logged_in(404), url="/accounts/import/999999"),
    ("POST", "/accounts/import/{upload_id:int}/preview"): Rule(
        logged_in(404), url="/accounts/import/999999/preview", data={"col_0": "company.name"}
    ),
    ("POST", "/accounts/import/{upload_id:int}/commit"): Rule(
        logged_in(404), url="/accounts/import/999999/commit", data={"col_0": "company.name"}
    ),
    ("GET", "/accounts/export"): Rule(logged_in(), url="/accounts/export?format=csv"),
    # the parent-company picker's suggestions: every user reads every account
    ("GET", "/accounts/suggestions"): Rule(logged_in(), url="/accounts/suggestions?parent_name=x"),
}

"""Access rules of the weekly meeting's pages (merged into tests/test_route_matrix.py): the review
page is every logged-in user's, each over the deals they see."""

from tests.test_route_matrix import Rule, logged_in

RULES: dict[tuple[str, str], Rule] = {
    ("GET", "/pipeline/changes"): Rule(logged_in(), url="/pipeline/changes?since=2026-01-05T09:00"),
}

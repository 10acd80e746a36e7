"""Access rules of the pipeline's board routes (merged into tests/test_route_matrix.py).

The deal `{deal}` is rep's (team east), in 提案, with rep's task `{task}`; see the matrix's fixture.
"""

from tests.test_route_matrix import Rule, deal_editors, logged_in  # noqa: F401

RULES: dict[tuple[str, str], Rule] = {
}
RULES[("GET", "/pipeline")] = Rule(logged_in())

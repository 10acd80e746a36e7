"""Access rules of the import/export routes (merged into tests/test_route_matrix.py)."""

from tests.test_route_matrix import Rule

RULES: dict[tuple[str, str], Rule] = {}

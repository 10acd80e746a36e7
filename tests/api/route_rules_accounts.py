"""API route rules of the accounts resources (imported by tests/api/route_rules.py)."""

from __future__ import annotations

from tests.api.route_rules import ApiRule

RULES: dict[tuple[str, str], ApiRule] = {}

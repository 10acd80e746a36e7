"""/api/v1/departments (to be written: see salesdesk/api/companies.py for the pattern)."""

from __future__ import annotations

from typing import Any

ROUTES: list[Any] = []

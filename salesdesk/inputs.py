"""Parsing at the edge: a form (or, later, a JSON body) becomes typed values or field errors.

    fields = Fields()
    name = fields.text("name", form.name, limit=200, required=True)
    owner_id = fields.id("owner_id", form.owner_id)
    fields.done()   # Invalid(**errors) if any field failed: 422 with the input kept

Every text field has a limit, checked here with the limit in the message (never cut silently).
Whitespace runs of one-line fields become one space; multi-line text keeps its lines.
"""

from __future__ import annotations

import enum
from datetime import date, time
from typing import TypeVar

from salesdesk.accounts import normalize as norm
from salesdesk.errors import Invalid
from salesdesk.ids import parse_id, parse_int

E = TypeVar("E", bound=enum.Enum)

# Limits shared by many forms; columns are at least this wide (String(n)) or Text.
NAME = 100  # a person's, user's, team's, department's, stage's name
TITLE = 200  # a company name, a deal or task title, an activity subject
LINE = 300  # an address, a website, one line of free text
NOTES = 10_000  # notes, activity bodies, customer challenges: a long memo, not a document


def too_long(limit: int) -> str:
    """The error key for a text over `limit` characters (messages.error_text shows the limit)."""
    return f"too_long:{limit}"


class Fields:
    """Collects the errors of one form while its fields are parsed, then raises them together."""

    def __init__(self) -> None:
        self.errors: dict[str, str] = {}

    def fail(self, field: str, key: str) -> None:
        self.errors.setdefault(field, key)

    def done(self) -> None:
        if self.errors:
            raise Invalid(**self.errors)

    def text(self, field: str, value: str | None, *, limit: int, required: bool = False, lines: bool = False) -> str:
        raw = (value or "").replace("\x00", "")
        text = raw.strip() if lines else " ".join(raw.split())
        if lines:
            text = text.replace("\r\n", "\n")
        if required and not text:
            self.fail(field, "required")
        elif len(text) > limit:
            self.fail(field, too_long(limit))
        return text

    def id(self, field: str, value: str | None, *, required: bool = False) -> int | None:
        """An id picked in a <select> or a hidden field: empty is None, anything else must parse."""
        if value is None or not value.strip():
            if required:
                self.fail(field, "required")
            return None
        parsed = parse_id(value)
        if parsed is None:
            self.fail(field, "choice.invalid")
        return parsed

    def ids(self, field: str, values: list[str] | tuple[str, ...]) -> list[int]:
        found = []
        for value in values:
            if value and (parsed := self.id(field, value)) is not None and parsed not in found:
                found.append(parsed)
        return found

    def number(self, field: str, value: str | None, *, low: int, high: int, key: str = "number.invalid") -> int | None:
        if value is None or not value.strip():
            return None
        parsed = parse_int(norm.nfkc(value), low=low, high=high)
        if parsed is None:
            self.fail(field, key)
        return parsed

    def choice(self, field: str, value: str | None, choices: type[E], *, required: bool = True) -> E | None:
        if not value:
            if required:
                self.fail(field, "required")
            return None
        try:
            return choices(value)
        except ValueError:
            self.fail(field, "choice.invalid")
            return None

    def flag(self, value: str | None) -> bool:
        return (value or "") in ("1", "on", "true", "yes")

    def date(self, field: str, value: str | None, *, required: bool = False) -> date | None:
        from salesdesk.pipeline.forms import parse_date  # users type dates many ways (令和, 年月日)

        try:
            parsed = parse_date(value or "")
        except ValueError:
            self.fail(field, "date.invalid")
            return None
        if parsed is None and required:
            self.fail(field, "required")
        return parsed

    def time(self, field: str, value: str | None) -> time | None:
        from salesdesk.pipeline.forms import parse_time

        try:
            return parse_time(value or "")
        except ValueError:
            self.fail(field, "time.invalid")
            return None

    def yen(self, field: str, value: str | None) -> int | None:
        from salesdesk.pipeline.forms import parse_yen

        try:
            return parse_yen(value or "")
        except ValueError:
            self.fail(field, "amount.invalid")
            return None

    def version(self, value: str | int | None) -> int:
        """The version a form was drawn from; a missing or malformed one can only be stale (0)."""
        if isinstance(value, int):
            return value
        return parse_int(value or "", low=0) or 0

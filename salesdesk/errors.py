"""Errors raised by services; app.py maps them to 403/404/409/422 responses."""

from __future__ import annotations

from datetime import datetime
from typing import Any


class DomainError(Exception):
    status_code = 400


class NotFound(DomainError):
    """The thing does not exist, or the actor may not see it (we never say which)."""

    status_code = 404


class Forbidden(DomainError):
    """The actor sees the thing but may not do this to it."""

    status_code = 403

    def __init__(self, action: str = "") -> None:
        super().__init__(action)
        self.action = action


class Invalid(DomainError):
    """Input breaks a rule; `errors` maps a form field to a message key."""

    status_code = 422

    def __init__(self, **errors: str) -> None:
        super().__init__(errors)
        self.errors = errors


class StaleEdit(DomainError):
    """Somebody saved the row since the form was drawn: show what is there now.

    `changes` maps a field to (the user's input, the value saved now) where they differ;
    `race` is true when the version matched at the check but another save won the write
    (salesdesk.versions.flush_or_stale); `changed_by`/`changed_at` name the last save.
    Raise it through salesdesk.versions, which fills all of these.
    """

    status_code = 409

    def __init__(
        self,
        current: Any,
        changes: dict[str, tuple[Any, Any]] | None = None,
        *,
        race: bool = False,
        changed_by: str = "",
        changed_at: datetime | None = None,
    ) -> None:
        super().__init__(f"stale edit of {type(current).__name__}")
        self.current = current
        self.changes = changes or {}
        self.race = race
        self.changed_by = changed_by
        self.changed_at = changed_at


class Conflict(DomainError):
    """A concurrent write won (e.g. two inserts of one unique value): 409, try again."""

    status_code = 409

    def __init__(self, entity: str = "") -> None:
        super().__init__(entity)
        self.entity = entity


class Throttled(DomainError):
    status_code = 429

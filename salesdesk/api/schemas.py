"""What /api/v1 answers, as msgspec Structs: Litestar documents every field from these."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from msgspec import Struct

from salesdesk.auth.models import Role, Team, User

ErrorCode = Literal["unauthorized", "forbidden", "not_found", "conflict", "validation_failed", "rate_limited"]


class ErrorDetail(Struct):
    code: ErrorCode | Literal["internal_error"]
    message: str
    fields: dict[str, str]


class ApiError(Struct, omit_defaults=True):
    """Every error of the API: `fields` names each bad field (validation_failed), else is empty.
    A 409 for a stale `version` also carries `current`: the object as saved now."""

    error: ErrorDetail
    current: dict[str, Any] | None = None


class Me(Struct):
    id: int
    email: str
    name: str
    role: Role
    team_id: int | None
    locale: str
    time_zone: str
    created_at: datetime
    updated_at: datetime
    version: int

    @classmethod
    def of(cls, user: User) -> Me:
        return cls(**_user_fields(user))


class UserOut(Me):
    is_active: bool

    @classmethod
    def of(cls, user: User) -> UserOut:
        return cls(**_user_fields(user), is_active=user.is_active)


def _user_fields(user: User) -> dict[str, object]:
    names = ("id", "email", "name", "team_id", "locale", "time_zone", "created_at", "updated_at", "version")
    return {name: getattr(user, name) for name in names} | {"role": Role(user.role)}


class TeamOut(Struct):
    id: int
    name: str
    manager_id: int | None
    created_at: datetime
    updated_at: datetime
    version: int

    @classmethod
    def of(cls, team: Team) -> TeamOut:
        return cls(team.id, team.name, team.manager_id, team.created_at, team.updated_at, team.version)


class UserList(Struct):
    items: list[UserOut]
    next_cursor: str | None


class TeamList(Struct):
    items: list[TeamOut]
    next_cursor: str | None

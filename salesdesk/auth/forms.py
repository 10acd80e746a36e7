"""Form bodies of the auth pages (all text fields default to "" so a missing field is a field
error, 422 with the form kept, not a framework 400) and the typed input the administration
services take: `parse_*` check formats and lengths at the edge."""

from __future__ import annotations

from dataclasses import dataclass

from salesdesk.auth.models import Role, TokenScope
from salesdesk.inputs import NAME, Fields


@dataclass
class LoginForm:
    email: str = ""
    password: str = ""
    next: str = ""


@dataclass
class PreferencesForm:
    locale: str = ""
    time_zone: str = ""
    next: str = ""


@dataclass
class PasswordForm:
    current_password: str = ""
    new_password: str = ""


@dataclass
class InviteAcceptForm:
    password: str = ""
    password_again: str = ""


@dataclass
class InviteForm:
    email: str = ""
    name: str = ""
    role: str = "rep"
    team_id: str = ""


@dataclass
class UserForm:
    name: str = ""
    role: str = ""
    team_id: str = ""
    version: int = 0


@dataclass
class ActiveForm:
    active: str = ""
    version: int = 0


@dataclass
class TeamForm:
    name: str = ""
    manager_id: str = ""
    version: int = 0


@dataclass
class TokenForm:
    name: str = ""
    scope: str = "read"


# --- typed input of the administration pages (what auth.services takes) -----------------

EMAIL = 254  # RFC 5321's longest address; the column's width


@dataclass(frozen=True)
class InviteInput:
    email: str
    name: str
    role: Role = Role.rep
    team_id: int | None = None


@dataclass(frozen=True)
class UserInput:
    name: str
    role: Role
    team_id: int | None = None
    seen_version: int = 0


@dataclass(frozen=True)
class TeamInput:
    name: str
    manager_id: int | None = None
    seen_version: int = 0


def parse_invite(form: InviteForm) -> InviteInput:
    f = Fields()
    data = InviteInput(
        email=f.text("email", form.email, limit=EMAIL, required=True),
        name=f.text("name", form.name, limit=NAME, required=True),
        role=f.choice("role", form.role, Role) or Role.rep,
        team_id=f.id("team_id", form.team_id),
    )
    f.done()
    return data


def parse_user(form: UserForm) -> UserInput:
    f = Fields()
    data = UserInput(
        name=f.text("name", form.name, limit=NAME, required=True),
        role=f.choice("role", form.role, Role) or Role.rep,
        team_id=f.id("team_id", form.team_id),
        seen_version=f.version(form.version),
    )
    f.done()
    return data


def parse_team(form: TeamForm) -> TeamInput:
    f = Fields()
    data = TeamInput(
        name=f.text("name", form.name, limit=NAME, required=True),
        manager_id=f.id("manager_id", form.manager_id),
        seen_version=f.version(form.version),
    )
    f.done()
    return data


@dataclass(frozen=True)
class TokenInput:
    name: str
    scope: TokenScope = TokenScope.read


def parse_token(form: TokenForm) -> TokenInput:
    f = Fields()
    data = TokenInput(
        name=f.text("name", form.name, limit=NAME, required=True),
        scope=f.choice("scope", form.scope, TokenScope) or TokenScope.read,
    )
    f.done()
    return data

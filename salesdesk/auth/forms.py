"""Form bodies of the auth pages. All text fields default to "" so a missing field is a
field error from the service (422 with the form kept), not a framework 400."""

from __future__ import annotations

from dataclasses import dataclass


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

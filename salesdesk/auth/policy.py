"""Who may do what: the one place roles are turned into rights.

Domain packages add their own rules here as they land (accounts, deals, quotes), so a
route, the JSON API and a CLI command all ask the same question the same way.
"""

from __future__ import annotations

from salesdesk.auth.models import Role, User


def may_administer(actor: User) -> bool:
    return actor.role == Role.admin


def may_manage_team(actor: User, team_id: int | None) -> bool:
    if actor.role == Role.admin:
        return True
    return actor.role == Role.manager and team_id is not None and actor.team_id == team_id


def may_read_audit(actor: User) -> bool:
    return actor.role == Role.admin

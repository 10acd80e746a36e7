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


def may_edit_account(actor: User, *, owner_id: int | None, owner_team_id: int | None,
                     has_actors_deal: bool = False) -> bool:
    """Everyone reads every account; reps edit what they own or where they own a deal,
    managers what their team owns (and unowned accounts), admins everything."""
    if actor.role == Role.admin:
        return True
    if owner_id is not None and owner_id == actor.id:
        return True
    if actor.role == Role.manager and (owner_id is None or (actor.team_id is not None
                                                           and owner_team_id == actor.team_id)):
        return True  # a manager also hands out the accounts nobody owns yet
    return has_actors_deal

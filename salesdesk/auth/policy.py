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


def may_edit_account(
    actor: User, *, owner_id: int | None, owner_team_id: int | None, has_actors_deal: bool = False
) -> bool:
    """Everyone reads every account; reps edit what they own or where they own a deal,
    managers what their team owns (and unowned accounts), admins everything."""
    if actor.role == Role.admin:
        return True
    if owner_id is not None and owner_id == actor.id:
        return True
    if actor.role == Role.manager and (
        owner_id is None or (actor.team_id is not None and owner_team_id == actor.team_id)
    ):
        return True  # a manager also hands out the accounts nobody owns yet
    return has_actors_deal


# --- deals -------------------------------------------------------------------------------
# pipeline.services.visible_deals is the same rule as a query; keep the two in step.


def may_see_deal(actor: User, *, owner_id: int | None, owner_team_id: int | None) -> bool:
    """Admins see every deal; everyone else their own and their team's (the weekly meeting is a
    team's); managers also the deals nobody owns any more."""
    if actor.role == Role.admin or (owner_id is not None and owner_id == actor.id):
        return True
    if owner_id is None:
        return actor.role == Role.manager
    return actor.team_id is not None and owner_team_id == actor.team_id


def may_edit_deal(actor: User, *, owner_id: int | None, owner_team_id: int | None) -> bool:
    """A rep changes their own deals; a manager the team's (and unowned ones); admins all."""
    if actor.role == Role.admin or (owner_id is not None and owner_id == actor.id):
        return True
    if actor.role != Role.manager:
        return False
    return owner_id is None or (actor.team_id is not None and owner_team_id == actor.team_id)


def may_assign_deal_to(actor: User, *, owner_id: int, owner_team_id: int | None) -> bool:
    """Who may be made a deal's owner by this actor: a rep only themselves, a manager their team."""
    if actor.role == Role.admin or owner_id == actor.id:
        return True
    return actor.role == Role.manager and actor.team_id is not None and owner_team_id == actor.team_id


def may_configure_pipelines(actor: User) -> bool:
    return actor.role == Role.admin


# --- tasks: a rep's follow-ups are seen by their team and changed by them and their manager --

may_see_task = may_see_deal
may_edit_task = may_edit_deal

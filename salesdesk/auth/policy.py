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


def may_manage_tokens_of(actor: User, user_id: int) -> bool:
    """API tokens: a user sees and revokes their own; an admin anyone's (a leaked token, a leaver)."""
    return actor.role == Role.admin or actor.id == user_id


# --- accounts ------------------------------------------------------------------------------
# Everyone reads every account. accounts.services asks these with the owner's team looked up.


def _manages_owner(actor: User, owner_id: int | None, owner_team_id: int | None) -> bool:
    """The manager of the owner's team (an unowned account is any manager's to hand out)."""
    if actor.role != Role.manager:
        return False
    return owner_id is None or (actor.team_id is not None and owner_team_id == actor.team_id)


def may_edit_account(actor: User, *, owner_id: int | None, owner_team_id: int | None) -> bool:
    """Change an account's details: its owner, the manager of the owner's team, admins."""
    if actor.role == Role.admin or (owner_id is not None and owner_id == actor.id):
        return True
    return _manages_owner(actor, owner_id, owner_team_id)


def may_contribute_to_account(
    actor: User, *, owner_id: int | None, owner_team_id: int | None, has_actors_deal: bool
) -> bool:
    """Add and keep up to date the account's activities, departments and persons: its editors,
    and a rep who owns a deal there (they work the account, but it does not become theirs)."""
    return has_actors_deal or may_edit_account(actor, owner_id=owner_id, owner_team_id=owner_team_id)


def may_remove_from_account(actor: User, *, owner_id: int | None, owner_team_id: int | None) -> bool:
    """Merge or delete accounts and persons (which moves or ends other people's records):
    the manager of the owner's team and admins only, never a rep, not even the owner."""
    return actor.role == Role.admin or _manages_owner(actor, owner_id, owner_team_id)


def may_assign_account(
    actor: User,
    *,
    owner_id: int | None,
    owner_team_id: int | None,
    new_owner_id: int | None,
    new_owner_team_id: int | None,
) -> bool:
    """Make `new_owner_id` the owner of an account now owned by `owner_id` (None: a new account).

    Admins assign anyone. The manager of the owner's team assigns within that team (or leaves it
    unowned). An owner hands their own account over to a teammate. A new account is the creating
    rep's own. Nobody else changes an owner: owning a deal on an account never makes it yours.
    """
    if new_owner_id == owner_id or actor.role == Role.admin:
        return True
    same_team = actor.team_id is not None and new_owner_team_id == actor.team_id
    if _manages_owner(actor, owner_id, owner_team_id):
        return new_owner_id is None or same_team or new_owner_id == actor.id
    if owner_id is None:  # a new account, or an unowned one a rep may not take
        return False
    return owner_id == actor.id and new_owner_id is not None and same_team


# --- deals -------------------------------------------------------------------------------
# Who sees a deal is a query, not a function: pipeline.access.owned_by_visible (admins all; the
# others their own and their team's; managers also the deals nobody owns).


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


# --- tasks: a rep's follow-ups are changed by them and their manager (seen like deals: the
# query in pipeline.access.owned_by_visible is the only who-sees-what rule for both) -----------

may_edit_task = may_edit_deal

"""Administration of users and teams (admins only; the services check it)."""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated

from litestar import Request, Response, get, post
from sqlalchemy.ext.asyncio import AsyncSession

from salesdesk.auth import services
from salesdesk.auth.forms import ActiveForm, InviteForm, TeamForm, UserForm, parse_invite, parse_team, parse_user
from salesdesk.auth.models import Role
from salesdesk.deps import DB, Actor
from salesdesk.errors import Invalid, StaleEdit
from salesdesk.i18n import _
from salesdesk.web import FORM, Page, redirect, render


async def _users_page(
    db: AsyncSession,
    actor: Actor,
    *,
    status_code: int = 200,
    invite_form: InviteForm | None = None,
    errors: dict[str, str] | None = None,
    invite_link: str = "",
) -> Page:
    users = await services.list_users(db, actor)
    teams = await services.list_teams(db, actor)
    return render(
        "admin/users.html",
        status_code=status_code,
        users=users,
        teams=teams,
        roles=list(Role),
        form=invite_form or InviteForm(),
        errors=errors or {},
        invite_link=invite_link,
    )


@get("/admin/users")
async def users_page(db_session: DB, actor: Actor) -> Page:
    return await _users_page(db_session, actor)


@post("/admin/users")
async def invite_user(request: Request, db_session: DB, actor: Actor, data: Annotated[InviteForm, FORM]) -> Page:
    try:
        user, token = await services.invite_user(db_session, actor, parse_invite(data))
    except Invalid as error:
        return await _users_page(db_session, actor, status_code=422, invite_form=data, errors=error.errors)
    link = str(request.base_url).rstrip("/") + f"/invite/{token}"
    return await _users_page(db_session, actor, invite_link=link)


@get("/admin/users/{user_id:int}")
async def user_page(db_session: DB, actor: Actor, user_id: int) -> Page:
    user = await services.get_user(db_session, actor, user_id)
    teams = await services.list_teams(db_session, actor)
    form = UserForm(name=user.name, role=user.role, team_id=str(user.team_id or ""), version=user.version)
    return render("admin/user.html", user=user, teams=teams, roles=list(Role), form=form, errors={}, stale=None)


@post("/admin/users/{user_id:int}")
async def update_user(
    request: Request, db_session: DB, actor: Actor, user_id: int, data: Annotated[UserForm, FORM]
) -> Response | Page:
    try:
        await services.update_user(db_session, actor, user_id, parse_user(data))
    except StaleEdit as stale:  # the admin's input stays, at the saved version: saving again overwrites
        form = replace(data, version=stale.current.version)
        return await _user_page(db_session, actor, user_id, form, 409, stale=stale)
    except Invalid as error:
        return await _user_page(db_session, actor, user_id, data, 422, errors=error.errors)
    return redirect(request, "/admin/users", flash=("success", _("User saved.")))


async def _user_page(
    db: AsyncSession,
    actor: Actor,
    user_id: int,
    form: UserForm,
    status_code: int,
    *,
    errors: dict[str, str] | None = None,
    stale: StaleEdit | None = None,
) -> Page:
    user = await services.get_user(db, actor, user_id)
    teams = await services.list_teams(db, actor)
    return render(
        "admin/user.html",
        status_code=status_code,
        user=user,
        teams=teams,
        roles=list(Role),
        form=form,
        errors=errors or {},
        stale=stale,
    )


@post("/admin/users/{user_id:int}/active")
async def set_active(
    request: Request, db_session: DB, actor: Actor, user_id: int, data: Annotated[ActiveForm, FORM]
) -> Response:
    active = data.active == "1"
    user = await services.set_active(db_session, actor, user_id, active=active, seen_version=data.version)
    message = (
        _("%(name)s can log in again.", name=user.name)
        if active
        else _("%(name)s was deactivated and logged out everywhere.", name=user.name)
    )
    return redirect(request, "/admin/users", flash=("success", message))


@get("/admin/teams")
async def teams_page(db_session: DB, actor: Actor) -> Page:
    return await _teams_page(db_session, actor)


async def _teams_page(
    db: AsyncSession,
    actor: Actor,
    *,
    status_code: int = 200,
    form: TeamForm | None = None,
    errors: dict[str, str] | None = None,
    failed_team_id: int | None = None,
    stale: StaleEdit | None = None,
) -> Page:
    users = await services.list_users(db, actor)
    teams = await services.list_teams(db, actor)
    return render(
        "admin/teams.html",
        status_code=status_code,
        teams=teams,
        users=users,
        form=form or TeamForm(),
        errors=errors or {},
        failed_team_id=failed_team_id,
        stale=stale,
    )


@post("/admin/teams")
async def create_team(
    request: Request, db_session: DB, actor: Actor, data: Annotated[TeamForm, FORM]
) -> Response | Page:
    try:
        await services.create_team(db_session, actor, parse_team(data))
    except Invalid as error:
        return await _teams_page(db_session, actor, status_code=422, form=data, errors=error.errors)
    return redirect(request, "/admin/teams", flash=("success", _("Team created.")))


@post("/admin/teams/{team_id:int}")
async def update_team(
    request: Request, db_session: DB, actor: Actor, team_id: int, data: Annotated[TeamForm, FORM]
) -> Response | Page:
    try:
        await services.update_team(db_session, actor, team_id, parse_team(data))
    except StaleEdit as stale:
        form = replace(data, version=stale.current.version)
        return await _teams_page(db_session, actor, status_code=409, form=form, failed_team_id=team_id, stale=stale)
    except Invalid as error:
        return await _teams_page(
            db_session, actor, status_code=422, form=data, errors=error.errors, failed_team_id=team_id
        )
    return redirect(request, "/admin/teams", flash=("success", _("Team saved.")))


ROUTES = [users_page, invite_user, user_page, update_user, set_active, teams_page, create_team, update_team]

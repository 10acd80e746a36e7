"""Login, sessions, throttling, invitations and the administration of users and teams."""

from __future__ import annotations

import hashlib
import secrets
import unicodedata
from datetime import timedelta
from zoneinfo import available_timezones

from sqlalchemy import bindparam, delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload

from salesdesk import sync
from salesdesk.auth import policy
from salesdesk.auth.forms import EMAIL, InviteInput, TeamInput, UserInput
from salesdesk.auth.models import LOCALES, Role, Team, User, UserSession
from salesdesk.auth.passwords import MIN_LENGTH, passwords
from salesdesk.db import utcnow
from salesdesk.errors import Forbidden, Invalid, NotFound
from salesdesk.inputs import NAME, too_long
from salesdesk.versions import check_version, flush_or_stale

INVITE_DAYS = 7
SESSION_TOUCH_EVERY = timedelta(minutes=5)


def normalize_email(email: str) -> str:
    return unicodedata.normalize("NFKC", email or "").strip().lower()


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _check_password(password: str, field: str = "password") -> None:
    if len(password or "") < MIN_LENGTH:
        raise Invalid(**{field: "password.too_short"})


# --- login and sessions -------------------------------------------------------------


async def start_session(db: AsyncSession, user: User, *, days: int, user_agent: str = "", ip: str = "") -> str:
    token = secrets.token_urlsafe(32)
    db.add(
        UserSession(
            token_hash=token_hash(token),
            user_id=user.id,
            expires_at=utcnow() + timedelta(days=days),
            user_agent=user_agent[:300],
            ip=ip[:64],
        )
    )
    await db.flush()
    return token


SESSION_USER = (  # built once: every request asks it
    select(UserSession, User)
    .join(User, User.id == UserSession.user_id)
    .options(joinedload(User.team))
    .where(UserSession.token_hash == bindparam("token_hash"))
)


async def session_user(db: AsyncSession, token: str | None) -> User | None:
    """The active user behind a session cookie, in one query (user and team together)."""
    if not token:
        return None
    row = (await db.execute(SESSION_USER, {"token_hash": token_hash(token)})).first()
    if row is None:
        return None
    session, user = row
    now = utcnow()
    if session.expires_at <= now or not user.is_active:
        return None
    if now - session.last_seen_at > SESSION_TOUCH_EVERY:
        await db.execute(update(UserSession).where(UserSession.id == session.id).values(last_seen_at=now))
    return user


async def end_session(db: AsyncSession, token: str | None) -> None:
    if token:
        await db.execute(delete(UserSession).where(UserSession.token_hash == token_hash(token)))


async def end_all_sessions(db: AsyncSession, user_id: int) -> None:
    await db.execute(delete(UserSession).where(UserSession.user_id == user_id))


# --- the user's own preferences ----------------------------------------------------


async def update_preferences(db: AsyncSession, actor: User, *, locale: str, time_zone: str | None = None) -> User:
    if locale not in LOCALES:
        raise Invalid(locale="locale.unknown")
    if time_zone is not None and time_zone not in available_timezones():
        raise Invalid(time_zone="time_zone.unknown")
    actor.locale = locale
    if time_zone is not None:
        actor.time_zone = time_zone
    await flush_or_stale(db, actor)
    return actor


async def change_password(db: AsyncSession, actor: User, *, current: str, new: str, keep_session: str | None) -> None:
    """A new password ends the user's other logins: whoever learned the old one is out."""
    if not await passwords().verify_in_thread(actor.password_hash, current):
        raise Invalid(current_password="password.wrong")
    _check_password(new, "new_password")
    actor.password_hash = await passwords().hash_in_thread(new)
    others = delete(UserSession).where(UserSession.user_id == actor.id)
    if keep_session:
        others = others.where(UserSession.token_hash != token_hash(keep_session))
    await db.execute(others)
    await db.flush()


# --- administration ----------------------------------------------------------------


def _require_admin(actor: User) -> None:
    if not policy.may_administer(actor):
        raise Forbidden("users.admin")


async def list_users(db: AsyncSession, actor: User) -> list[User]:
    _require_admin(actor)
    return list(
        await db.scalars(select(User).options(joinedload(User.team)).order_by(User.is_active.desc(), User.name))
    )


async def list_teams(db: AsyncSession, actor: User) -> list[Team]:
    return list(await db.scalars(select(Team).options(joinedload(Team.manager)).order_by(Team.name)))


async def get_user(db: AsyncSession, actor: User, user_id: int) -> User:
    _require_admin(actor)
    user = await db.scalar(select(User).options(joinedload(User.team)).where(User.id == user_id))
    if user is None:
        raise NotFound("user")
    return user


async def _team_or_none(db: AsyncSession, team_id: int | None) -> Team | None:
    if not team_id:
        return None
    team = await db.get(Team, team_id)
    if team is None:
        raise Invalid(team_id="team.unknown")
    return team


async def create_user(
    db: AsyncSession,
    *,
    email: str,
    name: str,
    role: str = Role.rep,
    team_id: int | None = None,
    password: str | None = None,
    locale: str = "ja",
) -> User:
    """Used by the CLI, the demo and invitations; the caller has already checked rights."""
    email = normalize_email(email)
    name = " ".join((name or "").split())
    errors = {}
    if len(email) > EMAIL:
        errors["email"] = too_long(EMAIL)
    elif "@" not in email or len(email) < 3:
        errors["email"] = "email.invalid"
    elif await db.scalar(select(User.id).where(User.email == email)):
        errors["email"] = "email.taken"
    if not name:
        errors["name"] = "required"
    elif len(name) > NAME:
        errors["name"] = too_long(NAME)
    if role not in set(Role):
        errors["role"] = "role.unknown"
    if password is not None and len(password) < MIN_LENGTH:
        errors["password"] = "password.too_short"
    if errors:
        raise Invalid(**errors)
    await _team_or_none(db, team_id)
    user = User(
        email=email,
        name=name,
        role=role,
        team_id=team_id or None,
        locale=locale,
        password_hash=await passwords().hash_in_thread(password) if password else None,
        calendar_token=secrets.token_urlsafe(24),
    )
    db.add(user)
    await db.flush()
    return user


async def invite_user(db: AsyncSession, actor: User, data: InviteInput) -> tuple[User, str]:
    """A new user without a password and a one-time link to set one (shown to the admin)."""
    _require_admin(actor)
    user = await create_user(db, email=data.email, name=data.name, role=data.role, team_id=data.team_id)
    token = secrets.token_urlsafe(32)
    user.invite_token_hash = token_hash(token)
    user.invite_expires_at = utcnow() + timedelta(days=INVITE_DAYS)
    await db.flush()
    return user, token


async def user_for_invite(db: AsyncSession, token: str) -> User:
    user = await db.scalar(select(User).where(User.invite_token_hash == token_hash(token)))
    if user is None or not user.is_active or user.invite_expires_at is None or user.invite_expires_at < utcnow():
        raise NotFound("invite")
    return user


async def accept_invite(db: AsyncSession, token: str, *, password: str, password_again: str) -> User:
    user = await user_for_invite(db, token)
    _check_password(password)
    if password != password_again:
        raise Invalid(password_again="password.mismatch")
    user.password_hash = await passwords().hash_in_thread(password)
    user.invite_token_hash = None
    user.invite_expires_at = None
    await db.flush()
    return user


async def update_user(db: AsyncSession, actor: User, user_id: int, data: UserInput) -> User:
    user = await get_user(db, actor, user_id)
    wanted = {"role": data.role, "team_id": data.team_id, "name": data.name}
    await check_version(db, user, data.seen_version, wanted)
    if user.id == actor.id and data.role != Role.admin:
        raise Invalid(role="role.cannot_demote_self")
    await _team_or_none(db, data.team_id)
    user.role, user.team_id, user.name = data.role, data.team_id, data.name
    await flush_or_stale(db, user, wanted)
    return user


async def set_active(db: AsyncSession, actor: User, user_id: int, *, active: bool, seen_version: int) -> User:
    """Deactivating keeps the user's history and ends every session at once."""
    user = await get_user(db, actor, user_id)
    await check_version(db, user, seen_version, {"is_active": active})
    if user.id == actor.id and not active:
        raise Invalid(is_active="user.cannot_deactivate_self")
    user.is_active = active
    if not active:
        await end_all_sessions(db, user.id)
    await flush_or_stale(db, user)
    return user


async def create_team(db: AsyncSession, actor: User, data: TeamInput) -> Team:
    _require_admin(actor)
    if await db.scalar(select(Team.id).where(Team.name == data.name)):
        raise Invalid(name="team.name_taken")
    await _manager_or_none(db, data.manager_id)
    team = Team(name=data.name, manager_id=data.manager_id)
    db.add(team)
    await flush_or_stale(db, team)  # a concurrent team of the same name: 409
    return team


async def update_team(db: AsyncSession, actor: User, team_id: int, data: TeamInput) -> Team:
    _require_admin(actor)
    team = await db.get(Team, team_id)
    if team is None:
        raise NotFound("team")
    wanted = {"name": data.name, "manager_id": data.manager_id}
    await check_version(db, team, data.seen_version, wanted)
    clash = await db.scalar(select(Team.id).where(Team.name == data.name, Team.id != team.id))
    if clash:
        raise Invalid(name="team.name_taken")
    await _manager_or_none(db, data.manager_id)
    team.name, team.manager_id = data.name, data.manager_id
    await flush_or_stale(db, team, wanted)
    return team


async def _manager_or_none(db: AsyncSession, manager_id: int | None) -> None:
    """A team's manager is a user (a picked id that no longer exists is a field error, not a 500)."""
    if manager_id is not None and await db.get(User, manager_id) is None:
        raise Invalid(manager_id="owner.unknown")


# --- the directory, for integrations (/api/v1/users and /teams): everyone sees who works here ---


async def users_changed(db: AsyncSession, actor: User, window: sync.Window) -> tuple[list[User], str | None]:
    return await sync.page(db, select(User), User, window)


async def teams_changed(db: AsyncSession, actor: User, window: sync.Window) -> tuple[list[Team], str | None]:
    return await sync.page(db, select(Team), Team, window)

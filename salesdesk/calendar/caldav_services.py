"""Connecting a CalDAV calendar, disconnecting it, its state for the settings page, and the runs
(`salesdesk calendar sync` and the page's "sync now") over the connected calendars."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from salesdesk.audit.models import AuditEntry
from salesdesk.auth.models import User
from salesdesk.calendar import caldav_lock, caldav_sync, secrets
from salesdesk.calendar.caldav_client import CaldavError, Client
from salesdesk.calendar.models import CaldavConnection
from salesdesk.clock import Clock
from salesdesk.errors import Invalid
from salesdesk.inputs import Fields

URL_LIMIT, NAME_LIMIT, PASSWORD_LIMIT = 2000, 200, 500


@dataclass
class ConnectForm:
    url: str = ""
    username: str = ""
    password: str = ""


@dataclass(frozen=True)
class ConnectInput:
    url: str
    username: str
    password: str


def parse_connect(form: ConnectForm) -> ConnectInput:
    f = Fields()
    url = f.text("url", form.url, limit=URL_LIMIT, required=True)
    if url and "url" not in f.errors:
        try:
            parts = urlsplit(url)
            parts.port  # noqa: B018  (raises for a port out of range)
            if parts.scheme not in ("http", "https") or not parts.hostname or any(c.isspace() for c in url):
                raise ValueError
        except ValueError:
            f.fail("url", "caldav.url_invalid")
    data = ConnectInput(
        url=url,
        username=f.text("username", form.username, limit=NAME_LIMIT, required=True),
        password=f.text("password", form.password.strip(), limit=PASSWORD_LIMIT, required=True),
    )
    f.done()
    return data


async def connection_of(db: AsyncSession, user: User) -> CaldavConnection | None:
    return await db.scalar(select(CaldavConnection).where(CaldavConnection.user_id == user.id))


async def connect(
    db: AsyncSession, user: User, data: ConnectInput, *, secret_key: str, http: httpx.AsyncClient
) -> CaldavConnection:
    """Connect (or reconnect) the user's own calendar, after the server has said it is one."""
    try:
        await Client(http, data.url, data.username, data.password).collection()
    except CaldavError as error:
        raise Invalid(url=f"caldav.{error.reason}") from error
    connection = await connection_of(db, user)
    if connection is not None and connection.url != data.url:  # another calendar: start afresh
        await caldav_sync.forget_objects(db, connection.id)
        connection.sync_token = connection.ctag = None
    if connection is None:
        connection = CaldavConnection(user_id=user.id, url=data.url)
        db.add(connection)
    connection.url, connection.username = data.url, data.username
    connection.password_encrypted = secrets.encrypt(secret_key, data.password)
    connection.last_error, connection.failures, connection.next_attempt_at = "", 0, None
    await db.flush()
    return connection


async def disconnect(db: AsyncSession, user: User) -> None:
    """Forget the calendar (and which events are the tasks'); the events stay in the calendar."""
    connection = await connection_of(db, user)
    if connection is not None:
        await caldav_sync.forget_objects(db, connection.id)
        await db.delete(connection)
        await db.flush()


async def recent_conflicts(db: AsyncSession, user: User, limit: int = 5) -> list[AuditEntry]:
    return list(
        await db.scalars(
            select(AuditEntry)
            .where(AuditEntry.actor_id == user.id, AuditEntry.via == "caldav", AuditEntry.action == "conflict")
            .order_by(AuditEntry.id.desc())
            .limit(limit)
        )
    )


@dataclass
class Run:
    users: int = 0
    pushed: int = 0
    pulled: int = 0
    conflicts: int = 0
    errors: list[dict[str, str]] | None = None

    def as_json(self) -> dict:
        return {
            "users": self.users,
            "pushed": self.pushed,
            "pulled": self.pulled,
            "conflicts": self.conflicts,
            "errors": self.errors or [],
        }


async def sync_all(
    engine: AsyncEngine,
    clock: Clock,
    *,
    secret_key: str,
    base_url: str,
    email: str | None = None,
    due_only: bool = True,
    http: httpx.AsyncClient | None = None,
) -> Run:
    """Sync each connected calendar (one user's with `email`) whose next attempt is due; one that
    another run holds is left to it."""
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    async with sessions() as db:
        query = select(CaldavConnection.id).join(User, User.id == CaldavConnection.user_id).where(User.is_active)
        if email:
            query = query.where(func.lower(User.email) == email.strip().lower())
        if due_only:
            now = clock.now()
            query = query.where(
                (CaldavConnection.next_attempt_at.is_(None)) | (CaldavConnection.next_attempt_at <= now)
            )
        ids = list(await db.scalars(query.order_by(CaldavConnection.id)))
    run = Run(errors=[])
    async with httpx.AsyncClient(follow_redirects=True) if http is None else _kept(http) as client:
        for connection_id in ids:
            async with caldav_lock.holding(engine, connection_id) as held:
                if not held:
                    continue
                done = await caldav_sync.run_connection(
                    sessions, client, connection_id, secret_key=secret_key, base_url=base_url, clock=clock
                )
            run.users += 1
            run.pushed, run.pulled, run.conflicts = (
                run.pushed + done.pushed,
                run.pulled + done.pulled,
                run.conflicts + done.conflicts,
            )
            run.errors += [{"user": done.user, "reason": reason} for reason in done.errors]  # type: ignore[operator]
    return run


class _kept:
    """A client the caller owns: used, not closed."""

    def __init__(self, http: httpx.AsyncClient) -> None:
        self.http = http

    async def __aenter__(self) -> httpx.AsyncClient:
        return self.http

    async def __aexit__(self, *_: object) -> None:
        return None

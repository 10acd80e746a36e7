"""Logging in: the throttle and the password check (docs/users-and-roles.md, "Logins and lockout").

Three limits, all counted from `login_attempts` so that every worker on every machine agrees:

- **address and account**: an address that failed `max_failures` times for an account within
  the window is refused (429) for that account until the window has passed. Only that
  address: a stranger's guesses never lock a colleague out.
- **address**: an address that failed `4 × max_failures` times within the window, whatever the
  accounts, is refused for all of them (one machine trying many accounts).
- **account**: once an account has `max_failures` failures within the window since its last
  successful login, from any addresses, every further attempt on it waits 1 s before its
  password is checked, doubling with each further failure up to 16 s. Guessing from many
  addresses slows down; the right password from a new address still gets in, a little later.

A login is two steps around a commit: `begin` writes the attempt (a failure until its password
proves right) and reads the counts under a lock, then the caller commits, so parallel guesses
count each other before any password is checked; `finish` waits out the back-off and checks
the password in a worker thread with no transaction open, then records the outcome.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from salesdesk.auth.models import LoginAttempt, User
from salesdesk.auth.passwords import passwords
from salesdesk.auth.services import normalize_email
from salesdesk.db import utcnow
from salesdesk.errors import Invalid, Throttled

ADDRESS_FACTOR = 4
BACKOFF_START = 1.0  # seconds, at `max_failures` failures on the account
BACKOFF_MAX = 16.0


@dataclass(frozen=True)
class LoginLimits:
    max_failures: int = 5
    window: timedelta = timedelta(minutes=15)
    backoff_start: float = BACKOFF_START
    backoff_max: float = BACKOFF_MAX

    def hold(self, account_failures: int) -> float:
        """Seconds an attempt waits before its password is checked."""
        if account_failures < self.max_failures:
            return 0.0
        return min(self.backoff_start * 2 ** (account_failures - self.max_failures), self.backoff_max)


@dataclass(frozen=True)
class Attempt:
    id: int
    email: str
    ip: str
    user: User | None
    hold: float
    since: datetime


async def _lock(db: AsyncSession, email: str, ip: str) -> None:
    """Serialize `begin` per account and per address until the commit.

    PostgreSQL: transaction-scoped advisory locks, always account first, then address, so
    two logins never wait for each other in a circle. SQLite has one writer at a time: the
    attempt's INSERT, the first statement of the login's transaction, takes that lock.
    """
    if db.get_bind().dialect.name != "postgresql":
        return
    for key in (f"login-account:{email}", f"login-address:{ip}"):
        await db.execute(select(func.pg_advisory_xact_lock(func.hashtextextended(key, 0))))


def _failed(since: datetime, mine: int) -> ColumnElement[bool]:
    return and_(LoginAttempt.succeeded.is_(False), LoginAttempt.at >= since, LoginAttempt.id != mine)


async def _count(db: AsyncSession, *where: ColumnElement[bool]) -> int:
    return await db.scalar(select(func.count()).select_from(LoginAttempt).where(*where)) or 0


async def begin(db: AsyncSession, email: str, *, ip: str, limits: LoginLimits) -> Attempt:
    """Record an attempt, or refuse it with Throttled. The caller commits before `finish`."""
    email = normalize_email(email)
    if len(email) > 254:  # longer than any address (RFC 5321) and the column: no such user, nothing to record
        raise Invalid(form="login.invalid")
    ip = ip[:64]
    await _lock(db, email, ip)
    attempt = LoginAttempt(email=email, ip=ip, succeeded=False, at=utcnow())
    db.add(attempt)
    await db.flush()
    since = attempt.at - limits.window
    failed = _failed(since, attempt.id)
    pair = await _count(db, failed, LoginAttempt.email == email, LoginAttempt.ip == ip)
    by_address = await _count(db, failed, LoginAttempt.ip == ip)
    if pair >= limits.max_failures or by_address >= ADDRESS_FACTOR * limits.max_failures:
        await db.delete(attempt)  # refused unchecked: not a failure, and it extends nothing
        raise Throttled("login.throttled")
    last_success = await db.scalar(
        select(func.max(LoginAttempt.at)).where(LoginAttempt.email == email, LoginAttempt.succeeded.is_(True))
    )
    account = await _count(db, failed, LoginAttempt.email == email, LoginAttempt.at > (last_success or since))
    user = await db.scalar(select(User).where(User.email == email))
    return Attempt(attempt.id, email, ip, user, limits.hold(account), since)


async def finish(db: AsyncSession, attempt: Attempt, password: str) -> User:
    """The user, once the back-off has passed and the password is right; else Invalid."""
    if attempt.hold:
        await asyncio.sleep(attempt.hold)
    user = attempt.user
    # A missing user costs the same work as a real check, so timing does not tell which emails exist.
    ok = await passwords().verify_in_thread(user.password_hash if user else None, password or "")
    if not ok or user is None or not user.is_active:
        raise Invalid(form="login.invalid")  # the attempt stays a failure
    await db.execute(update(LoginAttempt).where(LoginAttempt.id == attempt.id).values(succeeded=True))
    # This address starts afresh for the account; rows past the window count for nothing.
    mine_before = and_(LoginAttempt.ip == attempt.ip, LoginAttempt.id < attempt.id)
    await db.execute(
        delete(LoginAttempt).where(
            LoginAttempt.email == attempt.email, or_(mine_before, LoginAttempt.at < attempt.since)
        )
    )
    # Core UPDATE: bookkeeping that must not bump the row's version (an admin editing this
    # user right now would otherwise get a 409) nor fill the audit log.
    values: dict[str, object] = {"last_login_at": utcnow()}
    if passwords().needs_rehash(user.password_hash or ""):
        values["password_hash"] = await passwords().hash_in_thread(password)
    await db.execute(update(User).where(User.id == user.id).values(**values))
    return user

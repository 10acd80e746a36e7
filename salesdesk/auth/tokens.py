"""Personal API tokens: made on the settings page or by `salesdesk token create`, used by /api/v1.

The plain token is returned once by `create_token` and never stored: the table keeps its
SHA-256, like a login session. A token acts as its user, with that user's rights; a `read`
token cannot write. Revoking it, or deactivating its user, shuts it out on the next request.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.attributes import set_committed_value

from salesdesk.auth import policy
from salesdesk.auth.forms import TokenInput
from salesdesk.auth.models import ApiToken, User
from salesdesk.auth.services import token_hash
from salesdesk.clock import Clock
from salesdesk.errors import NotFound

PREFIX = "sd_"  # lets secret scanners and people tell a salesdesk token from other strings
TOUCH_EVERY = timedelta(minutes=1)  # last_used_at is for people: a write per minute is enough


async def create_token(db: AsyncSession, actor: User, clock: Clock, data: TokenInput) -> tuple[ApiToken, str]:
    """A new token of the actor's own; the plain token is in the return value and nowhere else."""
    plain = PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user_id=actor.id, name=data.name, scope=data.scope, token_hash=token_hash(plain), created_at=clock.now()
    )
    db.add(token)
    await db.flush()
    return token, plain


async def list_tokens(db: AsyncSession, actor: User) -> list[ApiToken]:
    """The actor's tokens, newest first; an admin sees every user's (with the user loaded)."""
    query = select(ApiToken).options(joinedload(ApiToken.user)).order_by(ApiToken.id.desc())
    if not policy.may_administer(actor):
        query = query.where(ApiToken.user_id == actor.id)
    return list(await db.scalars(query))


async def revoke_token(db: AsyncSession, actor: User, token_id: int, clock: Clock) -> ApiToken:
    """Revoked at once and for good; revoking a revoked token changes nothing. Another user's
    token is not found (whether it exists is not the actor's business)."""
    token = await db.get(ApiToken, token_id)
    if token is None or not policy.may_manage_tokens_of(actor, token.user_id):
        raise NotFound("api_token")
    if token.revoked_at is None:
        token.revoked_at = clock.now()
        await db.flush()
    return token


async def token_user(db: AsyncSession, plain: str, clock: Clock) -> tuple[User, ApiToken] | None:
    """The active user behind a live token, in one query, or None (unknown, revoked, deactivated)."""
    if not plain.startswith(PREFIX) or len(plain) > 200:
        return None
    row = (
        await db.execute(
            select(ApiToken, User)
            .join(User, User.id == ApiToken.user_id)
            .where(ApiToken.token_hash == token_hash(plain), ApiToken.revoked_at.is_(None), User.is_active.is_(True))
        )
    ).first()
    if row is None:
        return None
    token, user = row
    now = clock.now()
    if token.last_used_at is None or now - token.last_used_at >= TOUCH_EVERY:
        # A plain UPDATE: no version bump, no audit entry, no flush of anything else.
        await db.execute(
            update(ApiToken)
            .where(ApiToken.id == token.id)
            .values(last_used_at=now)
            .execution_options(synchronize_session=False)
        )
        set_committed_value(token, "last_used_at", now)  # seen as saved: nothing left to flush
    return user, token

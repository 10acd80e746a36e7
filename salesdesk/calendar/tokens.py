"""The secret feed URLs: each user's own, and a manager's team feed. The token is the only key to
the feed (calendar apps cannot log in), so it is long and random, shown only to its user, and
regenerating it revokes the old URL at once (the column holds one token)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from salesdesk.auth.models import User
from salesdesk.calendar.feed import may_have_team_feed
from salesdesk.errors import Forbidden


def new_token() -> str:
    return secrets.token_urlsafe(24)


async def regenerate(db: AsyncSession, user: User, *, team: bool = False) -> str:
    """A new secret for the user's feed (or team feed): the old URL answers 404 from now on."""
    if team and not may_have_team_feed(user):
        raise Forbidden("calendar.team_feed")
    token = new_token()
    if team:
        user.team_calendar_token = token
    else:
        user.calendar_token = token
    await db.flush()
    return token


async def ensure_token(db: AsyncSession, user: User, *, team: bool = False) -> str:
    """The feed's token, made on first use."""
    token = user.team_calendar_token if team else user.calendar_token
    return token or await regenerate(db, user, team=team)


@dataclass(frozen=True)
class FeedLinks:
    https: str  # for Google and Outlook ("add from URL")
    webcal: str  # opens the subscription dialog of Apple Calendar and Outlook


def feed_url(base_url: str, token: str) -> str:
    return f"{base_url.rstrip('/')}/calendar/{token}.ics"


def links(base_url: str, token: str | None) -> FeedLinks | None:
    if not token:
        return None
    url = feed_url(base_url, token)
    return FeedLinks(url, "webcal://" + url.split("://", 1)[1])

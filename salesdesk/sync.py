"""Incremental sync for list endpoints: rows ordered by (updated_at, id), paged by a cursor.

The cursor is an opaque base64 of the last row's (updated_at, id). Paging by that pair, not by
an offset, means a row saved while an integration pages moves behind the cursor (its updated_at
grows) and is met again on a later page instead of shifting another row out of view; rows that
did not change are returned exactly once. `updated_since` is inclusive.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Select, and_, or_
from sqlalchemy.ext.asyncio import AsyncSession

from salesdesk.errors import Invalid
from salesdesk.ids import MAX_ID

DEFAULT_LIMIT = 50
MAX_LIMIT = 500


@dataclass(frozen=True)
class Window:
    limit: int = DEFAULT_LIMIT
    after: tuple[datetime, int] | None = None  # the last row of the previous page
    updated_since: datetime | None = None


def encode_cursor(updated_at: datetime, row_id: int) -> str:
    raw = json.dumps([updated_at.astimezone(UTC).isoformat(), row_id]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, int]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        text, row_id = json.loads(raw)
        at = datetime.fromisoformat(text)
        if at.tzinfo is None or type(row_id) is not int or not 0 < row_id <= MAX_ID:
            raise ValueError
        return at.astimezone(UTC), row_id
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError, OverflowError):
        raise Invalid(cursor="cursor.invalid") from None


def parse_moment(field: str, text: str | None) -> datetime | None:
    """An ISO 8601 date-time from a query parameter (Z or an offset; without one: UTC)."""
    if text is None:
        return None
    try:
        moment = datetime.fromisoformat(text.strip())
        if "T" not in text.upper():
            raise ValueError
    except ValueError:
        raise Invalid(**{field: "date.invalid"}) from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def parse_window(limit: int, cursor: str | None, updated_since: str | datetime | None) -> Window:
    """The edge's parse of `limit`, `cursor` and `updated_since` (a time without zone is UTC)."""
    if not 1 <= limit <= MAX_LIMIT:
        raise Invalid(limit="limit.invalid")
    since = updated_since if not isinstance(updated_since, str) else parse_moment("updated_since", updated_since)
    if since is not None and since.tzinfo is None:
        since = since.replace(tzinfo=UTC)
    return Window(limit, decode_cursor(cursor) if cursor else None, since)


async def page(db: AsyncSession, query: Select[Any], model: Any, window: Window) -> tuple[list[Any], str | None]:
    """One page of `query`'s rows of `model` (which has updated_at and id), and the next cursor."""
    if window.updated_since is not None:
        query = query.where(model.updated_at >= window.updated_since)
    if window.after is not None:
        at, row_id = window.after
        query = query.where(or_(model.updated_at > at, and_(model.updated_at == at, model.id > row_id)))
    rows = list(await db.scalars(query.order_by(model.updated_at, model.id).limit(window.limit + 1)))
    if len(rows) <= window.limit:
        return rows, None
    rows = rows[: window.limit]
    return rows, encode_cursor(rows[-1].updated_at, rows[-1].id)

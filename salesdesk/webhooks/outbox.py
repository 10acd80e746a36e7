"""Writing webhook events: the services call `record` in the transaction of the change itself.

An event is a row of the outbox, not a request: the user's save never waits for a receiver, and a
rolled-back save leaves no event behind. `salesdesk deliver-webhooks` sends them (webhooks.delivery).

The body is `{"id", "event", "occurred_at", "actor_id", "object", "changes"}`: `object` is the row
as the JSON API shows it (the shape its 409 `current` has), `changes` maps each field the save
changed to `[before, after]`, in the API's conventions (integer yen, `YYYY-MM-DD`, UTC with `Z`).
"""

from __future__ import annotations

import enum
import json
import uuid
from collections.abc import Mapping
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import inspect, select
from sqlalchemy.ext.asyncio import AsyncSession

from salesdesk.db import utcnow
from salesdesk.webhooks.models import EVENTS, OutboxEvent, WebhookEndpoint

# Columns that change with every save (or with the board's ordering) and say nothing by themselves.
BOOKKEEPING = frozenset({"version", "created_at", "updated_at", "board_rank", "stage_entered_at", "last_activity_at"})


def plain(value: Any) -> Any:
    """A value as the JSON API writes it."""
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def snapshot(row: Any) -> dict[str, Any]:
    """The row's columns before a change, for `record_deal_changes` to compare the saved row with (not
    the deferred ones: bookkeeping the database keeps, such as `Deal.stages_entered`)."""
    return {attr.key: getattr(row, attr.key) for attr in inspect(type(row)).column_attrs if not attr.deferred}


def shown(row: Any) -> dict[str, Any]:
    """The row as the JSON API shows it; its columns in the API's conventions where the API has no
    shape for it yet."""
    from salesdesk.api import routes  # noqa: F401  (each resource registers its shape on import)
    from salesdesk.api.errors import CURRENT

    if (out := CURRENT.get(type(row))) is not None:
        import msgspec

        return msgspec.to_builtins(out(row))
    return {key: plain(value) for key, value in snapshot(row).items()}


async def _subscribed(db: AsyncSession, events: list[str]) -> list[str]:
    """Those of `events` some active endpoint listens to (the endpoints table is a handful of rows)."""
    wanted = set()
    for subscribed in await db.scalars(select(WebhookEndpoint.events).where(WebhookEndpoint.is_active.is_(True))):
        wanted.update(subscribed or ())
    return [event for event in events if event in wanted]


async def record(
    db: AsyncSession, event: str, row: Any, changes: Mapping[str, Any] | None, actor: Any | None
) -> OutboxEvent | None:
    """Add `event` about `row` (as saved: call it after the flush) to the outbox of this transaction.

    `changes` maps a field to (before, after); pairs that did not change are dropped, and an event
    whose given changes are all such pairs is no event. Nothing is written when no active endpoint
    subscribes to the event: the outbox holds what someone will be sent.
    """
    return next(iter(await _record_all(db, [event], row, changes, actor)), None)


async def _record_all(
    db: AsyncSession, events: list[str], row: Any, changes: Mapping[str, Any] | None, actor: Any | None
) -> list[OutboxEvent]:
    if unknown := [event for event in events if event not in EVENTS]:
        raise ValueError(f"not a webhook event: {unknown}")  # a typo in a service, not a user's mistake
    changed = {
        key: [plain(before), plain(after)] for key, (before, after) in (changes or {}).items() if before != after
    }
    if (changes and not changed) or not (events := await _subscribed(db, events)):
        return []
    now, body = utcnow(), shown(row)
    rows = []
    for event in events:
        event_id = f"evt_{uuid.uuid4().hex}"
        payload = {
            "id": event_id,
            "event": event,
            "occurred_at": plain(now),
            "actor_id": getattr(actor, "id", None),
            "object": body,
            "changes": changed,
        }
        text = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
        rows.append(OutboxEvent(event_id=event_id, event=event, body=text, occurred_at=now))
    db.add_all(rows)
    return rows


def deal_events(changes: Mapping[str, Any], deal: Any) -> list[str]:
    """The events one save of a deal is: a move (and a win or a loss), a new amount, a new close date."""
    events = []
    if "stage_id" in changes:
        events.append("deal.stage_changed")
        if deal.stage.kind in ("won", "lost"):
            events.append(f"deal.{deal.stage.kind}")
    if "amount_jpy" in changes:
        events.append("deal.amount_changed")
    if "expected_close_date" in changes:
        events.append("deal.close_date_changed")
    return events


async def record_deal_changes(db: AsyncSession, deal: Any, before: Mapping[str, Any], actor: Any | None) -> None:
    """The events of one save of a deal (call it after the flush, with its `snapshot` from before).

    Each event carries every field the save changed, so a move that also sets the amount tells a
    subscriber of either event both; all events of one save show the same `object.version`.
    """
    after = snapshot(deal)
    changes = {key: (before[key], value) for key, value in after.items() if key not in BOOKKEEPING}
    changes = {key: pair for key, pair in changes.items() if pair[0] != pair[1]}
    events = deal_events(changes, deal)
    if events:
        await _record_all(db, events, deal, changes, actor)


def merge_changes(
    survivor: Any, other_id: int, other_name: str, fill: Mapping[str, Any], tags: list[str]
) -> dict[str, tuple[Any, Any]]:
    """What merging another company into `survivor` changes (call it before the fields are filled):
    the other row, gone (`[id, null]` as in the audit log), and the survivor's fields it fills."""
    changes: dict[str, tuple[Any, Any]] = {"merged_id": (other_id, None), "merged_name": (other_name, None)}
    changes |= {key: (getattr(survivor, key), value) for key, value in fill.items()}
    if sorted(survivor.tag_names) != sorted(tags):
        changes["tags"] = (sorted(survivor.tag_names), sorted(tags))
    return changes

"""The one mechanism that writes the audit log: an ``after_flush`` hook on every session.

It sees each flushed insert, update and delete of an ``Audited`` row with the attribute
history still in place, and writes the entries on the same connection, so an audit row
commits or rolls back together with the change it describes.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import event, insert, inspect
from sqlalchemy.orm import Session

from salesdesk.audit.models import Audited, AuditEntry
from salesdesk.db import utcnow

REDACTED = "••••"


def _plain(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _columns(obj: Audited) -> list[str]:
    mapper = inspect(type(obj))
    return [attr.key for attr in mapper.column_attrs if attr.key not in obj.__audit_ignore__ and attr.key != "id"]


def _shown(obj: Audited, key: str, value: Any) -> Any:
    if key in obj.__audit_redact__:
        return REDACTED if value is not None else None
    return _plain(value)


def _changes(obj: Audited, action: str) -> dict[str, list[Any]]:
    state = inspect(obj)
    changes: dict[str, list[Any]] = {}
    for key in _columns(obj):
        history = state.attrs[key].history
        if action == "insert":
            value = history.added[0] if history.added else state.dict.get(key)
            if value is not None:
                changes[key] = [None, _shown(obj, key, value)]
        elif action == "delete":
            value = state.dict.get(key)
            if value is not None:
                changes[key] = [_shown(obj, key, value), None]
        elif history.added or history.deleted:
            before = history.deleted[0] if history.deleted else None
            after = history.added[0] if history.added else None
            if before != after:
                changes[key] = [_shown(obj, key, before), _shown(obj, key, after)]
    return changes


@event.listens_for(Session, "after_flush")
def _write_audit(session: Session, _flush_context: Any) -> None:
    actor_id, actor_name = session.info.get("actor", (None, ""))
    via, token_id = session.info.get("via", ("web", None))
    now = utcnow()
    rows = []
    for action, objects in (("insert", session.new), ("update", session.dirty), ("delete", session.deleted)):
        for obj in objects:
            if not isinstance(obj, Audited):
                continue
            changes = _changes(obj, action)
            if action == "update" and not changes:
                continue
            rows.append(
                {
                    "at": now,
                    "actor_id": actor_id,
                    "actor_name": actor_name,
                    "entity": type(obj).__tablename__,  # type: ignore[attr-defined]
                    "entity_id": inspect(obj).identity[0] if inspect(obj).identity else obj.id,  # type: ignore[attr-defined]
                    "label": str(obj)[:200],
                    "action": action,
                    "changes": changes,
                    "via": via,
                    "token_id": token_id,
                }
            )
    if rows:
        session.connection().execute(insert(AuditEntry), rows)


def set_actor(session: Any, user: Any, *, token: Any = None, via: str = "web") -> None:
    """Name who is acting for the audit rows this session writes (an AsyncSession or Session),
    and, for the API, the token they act through; `via="caldav"` marks the changes a calendar sync
    brought in for the user."""
    sync = getattr(session, "sync_session", session)
    sync.info["actor"] = (user.id, user.name) if user is not None else (None, "")
    sync.info["via"] = ("api", token.id) if token is not None else (via, None)

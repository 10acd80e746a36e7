"""The audit log page (admins)."""

from __future__ import annotations

from datetime import date

from litestar import get

from salesdesk.audit import services
from salesdesk.audit.labels import entity_label
from salesdesk.audit.services import AuditFilter
from salesdesk.auth import services as auth_services
from salesdesk.deps import DB, Actor
from salesdesk.ids import parse_id, parse_page
from salesdesk.web import Page, render


def _date(value: str) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


@get("/admin/audit")
async def audit_page(
    db_session: DB,
    actor: Actor,
    entity: str = "",
    entity_id: str = "",
    actor_id: str = "",
    action: str = "",
    since: str = "",
    until: str = "",
    page: str = "",
) -> Page:
    f = AuditFilter(
        entity=entity,
        entity_id=parse_id(entity_id),
        actor_id=parse_id(actor_id),
        action=action,
        since=_date(since),
        until=_date(until),
        page=parse_page(page),
    )
    result = await services.list_entries(db_session, actor, f)
    return render(
        "audit/list.html",
        result=result,
        f=f,
        raw={"since": since, "until": until},
        names=await services.referenced_names(db_session, result.entries),
        entities=await services.entity_names(db_session),
        entity_label=entity_label,
        users=await auth_services.list_users(db_session, actor),
    )


ROUTES = [audit_page]

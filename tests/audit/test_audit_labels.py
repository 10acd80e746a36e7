"""The audit log and a 409 page name every stored table and column in words, and a code by its label:
a table or column added later without one fails here, before a user reads `unit_price_jpy`."""

from __future__ import annotations

from sqlalchemy import inspect

import salesdesk.app  # noqa: F401  (every model registered)
from salesdesk.audit.labels import ENTITY_LABELS, column_label, value_label
from salesdesk.audit.models import Audited
from salesdesk.db import Base
from salesdesk.i18n import current_locale
from salesdesk.webhooks.models import EVENTS
from tests.matrix_data import matrix_account


def audited() -> list[type]:
    return [m.class_ for m in Base.registry.mappers if issubclass(m.class_, Audited)]


def test_every_audited_table_and_column_has_a_label():
    unnamed = [cls.__tablename__ for cls in audited() if cls.__tablename__ not in ENTITY_LABELS]
    for cls in audited():
        columns = [a.key for a in inspect(cls).column_attrs if a.key not in cls.__audit_ignore__ | {"id"}]
        unnamed += [f"{cls.__tablename__}.{key}" for key in columns if column_label(key) == key]

    assert not unnamed
    assert all(value_label("events", event) != event for event in EVENTS)  # a webhook's events


def test_a_stored_code_reads_as_its_label_and_data_as_it_is():
    token = current_locale.set("ja")
    try:
        shown = [
            value_label("role", "decision_maker"),
            value_label("role", "admin"),
            value_label("quote_rounding", "half_up"),
            value_label("is_primary", True),
            value_label("required_fields", ["amount_jpy", "lost_reason"]),
            value_label("name", "open"),  # a name that happens to look like a code stays a name
            value_label("stage_entered_at", "2026-12-01T23:30:00+00:00"),
            value_label("total_jpy", 11000),
            column_label("name", "companies"),
            column_label("title", "tasks"),
            column_label("title", "persons"),
        ]
    finally:
        current_locale.reset(token)

    assert shown[:8] == [
        "決裁者",
        "管理者",
        "四捨五入",
        "はい",
        "金額, 失注理由",
        "open",
        "2026/12/02(水) 08:30",
        "¥11,000",
    ]
    assert shown[-3:] == ["会社名", "タスク名", "役職"]


async def test_the_log_names_the_row_an_id_points_at(login, make_user, db, rep):
    """担当営業 → 1 said nothing; the log names the user (the id beside it), marked as data."""
    admin = await make_user("admin", name="管理 花子", locale="ja")
    await matrix_account(db, rep)
    client = await login(admin)

    page = (await client.get("/admin/audit?entity=companies")).text

    owner = f'<span translate="no">鈴木 美咲</span> <span class="muted">#{rep.id}</span>'
    assert f"<dt>担当営業</dt><dd><del>—</del> → <ins>{owner}</ins>" in page

"""pipeline: the default pipeline and lost reasons

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24 05:40:00

A fresh database gets the default pipeline (リード → 商談化 → 提案 → 見積提出 → 交渉 → 受注 / 失注),
the usual lost reasons and the sales settings row, so the board works from the first login.
Only when none exist: a database that already has pipelines is left alone.
"""
from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PIPELINE = "新規営業"
# name, probability %, kind, rotting days, required fields
STAGES = [
    ("リード", 10, "open", 30, []),
    ("商談化", 20, "open", 21, []),
    ("提案", 40, "open", 21, []),
    ("見積提出", 60, "open", 14, ["amount_jpy", "expected_close_date"]),
    ("交渉", 80, "open", 14, ["amount_jpy", "expected_close_date"]),
    ("受注", 100, "won", None, ["amount_jpy", "expected_close_date"]),
    ("失注", 0, "lost", None, ["lost_reason"]),
]
LOST_REASONS = ["価格", "競合に敗北", "予算なし・予算凍結", "時期延期", "要件不一致", "決裁者の反対", "連絡途絶", "その他"]

stamp = {"version": 1}


def _table(name: str, *columns: sa.Column) -> sa.Table:
    return sa.table(name, sa.column("id"), sa.column("version"), sa.column("created_at"), sa.column("updated_at"),
                    *columns)


pipelines = _table("pipelines", sa.column("name"), sa.column("position"), sa.column("is_default"))
stages = _table("stages", sa.column("pipeline_id"), sa.column("name"), sa.column("position"),
                sa.column("probability"), sa.column("kind"), sa.column("rotting_days"),
                sa.column("required_fields", sa.JSON))
lost_reasons = _table("lost_reasons", sa.column("name"), sa.column("position"), sa.column("is_active"))
sales_settings = _table("sales_settings", sa.column("fiscal_year_start_month"), sa.column("require_next_action"))


def upgrade() -> None:
    conn = op.get_bind()
    moment = datetime.now(UTC)
    if conn.dialect.name == "sqlite":  # as salesdesk.db.UTCDateTime stores it there: naive UTC
        moment = moment.replace(tzinfo=None)
    now = {"created_at": moment, "updated_at": moment, **stamp}
    if conn.scalar(sa.select(sa.func.count()).select_from(pipelines)) == 0:
        conn.execute(pipelines.insert().values(name=PIPELINE, position=0, is_default=True, **now))
        pipeline_id = conn.scalar(sa.select(pipelines.c.id).where(pipelines.c.name == PIPELINE))
        conn.execute(stages.insert(), [
            {"pipeline_id": pipeline_id, "name": name, "position": n, "probability": probability, "kind": kind,
             "rotting_days": rotting, "required_fields": required, **now}
            for n, (name, probability, kind, rotting, required) in enumerate(STAGES)])
    if conn.scalar(sa.select(sa.func.count()).select_from(lost_reasons)) == 0:
        conn.execute(lost_reasons.insert(), [{"name": name, "position": n, "is_active": True, **now}
                                             for n, name in enumerate(LOST_REASONS)])
    if conn.scalar(sa.select(sa.func.count()).select_from(sales_settings)) == 0:
        conn.execute(sales_settings.insert().values(fiscal_year_start_month=4, require_next_action=False, **now))


def downgrade() -> None:
    # The rows may have been edited and deals point at them: 0003's downgrade drops the tables.
    pass

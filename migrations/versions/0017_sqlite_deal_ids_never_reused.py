"""deals: on SQLite, an id is never given twice

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-02 00:10:00

A deleted deal keeps its history (deal_events by deal_id), so the weekly meeting's past pipelines still
hold it. SQLite without AUTOINCREMENT gives the next deal the id of a deleted newest one, whose history it
then took over. The table is rebuilt with AUTOINCREMENT and its counter set past every id the history
knows. PostgreSQL's sequences never give an id twice: nothing to do there.
"""
from collections.abc import Sequence

from alembic import op

revision: str = '0017'
down_revision: str | None = '0016'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name != 'sqlite':
        return
    with op.batch_alter_table('deals', recreate='always', table_kwargs={'sqlite_autoincrement': True}):
        pass
    op.execute("DELETE FROM sqlite_sequence WHERE name = 'deals'")
    op.execute(
        "INSERT INTO sqlite_sequence (name, seq) SELECT 'deals', max("
        "coalesce((SELECT max(id) FROM deals), 0), coalesce((SELECT max(deal_id) FROM deal_events), 0))"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != 'sqlite':
        return
    with op.batch_alter_table('deals', recreate='always', table_kwargs={'sqlite_autoincrement': False}):
        pass

"""deal_events: an index of (deal_id, field, new_value) for the stages each deal entered

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-02 04:30:00

The forecast's funnel reads, for each deal of its cohort, the stages it ever entered. With only
(deal_id, at) and (field, at) to choose from, SQLite without statistics may take (field, at) and
walk every stage event for each deal (minutes at 50,000 deals). This index answers from the index
alone. new_value is VARCHAR(100), well within PostgreSQL's B-tree entry size.
"""
from collections.abc import Sequence

from alembic import op

revision: str = '0018'
down_revision: str | None = '0017'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index('ix_deal_events_deal_id_field_new_value', 'deal_events', ['deal_id', 'field', 'new_value'])


def downgrade() -> None:
    op.drop_index('ix_deal_events_deal_id_field_new_value', table_name='deal_events')

"""deals: an index of each stage's deals in the deal list's default order

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-02 05:00:00

The deal list sorts by close date, undated deals last. Its page is now read by walking each stage's
deals in that order, up to the page's end, as the board walks its columns (listing._page_ids), rather
than sorting every matching deal. `(expected_close_date IS NULL)` puts the undated last the same way
on SQLite and PostgreSQL.
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0019'
down_revision: str | None = '0018'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        'ix_deals_stage_id_close_order',
        'deals',
        ['stage_id', sa.text('(expected_close_date IS NULL)'), 'expected_close_date', 'id'],
    )


def downgrade() -> None:
    op.drop_index('ix_deals_stage_id_close_order', table_name='deals')

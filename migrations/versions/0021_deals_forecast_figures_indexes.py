"""deals: covering indexes for the forecast's open and won cells

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-02 07:50:00

The forecast summed its open and won cells by joining every deal of the visible owners to its stage
and keeping those of the right kind and dates. It now names the open (or won) stages by id, so each
cell is read off one index of the stage's deals by close month (or won day), with what it sums.
"""
from collections.abc import Sequence

from alembic import op

revision: str = '0021'
down_revision: str | None = '0020'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        'ix_deals_stage_close_figures',
        'deals',
        ['stage_id', 'expected_close_date', 'owner_id', 'forecast', 'amount_jpy', 'probability'],
    )
    op.create_index('ix_deals_stage_won_figures', 'deals', ['stage_id', 'won_on', 'owner_id', 'amount_jpy'])


def downgrade() -> None:
    op.drop_index('ix_deals_stage_won_figures', table_name='deals')
    op.drop_index('ix_deals_stage_close_figures', table_name='deals')

"""deals: one owner's cards per column in order; the board's totals cover the ヨミ filter

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-02 07:10:00

The board filtered to one rep (the weekly meeting's view) walked each column's deals by rank and
skipped the other reps' ones: at 50,000 deals its cards' statement took 7 ms on SQLite against 1.2 ms
at 10,000. An index of (owner_id, stage_id, board_rank, id) walks the rep's deals only; it also
serves what the owner_id index served, which it replaces. The totals' covering index gains the
forecast (ヨミ) column, so the ヨミ filter's totals read no table rows (1.7 -> 0.1 ms at 50,000).
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_deals_owner_id_stage_id_board_rank", "deals", ["owner_id", "stage_id", "board_rank", "id"])
    op.drop_index("ix_deals_owner_id", table_name="deals")
    op.create_index(
        "ix_deals_stage_owner_forecast_totals",
        "deals",
        ["stage_id", "owner_id", "forecast", "amount_jpy", "probability"],
    )
    op.drop_index("ix_deals_stage_totals", table_name="deals")


def downgrade() -> None:
    op.create_index("ix_deals_stage_totals", "deals", ["stage_id", "owner_id", "amount_jpy", "probability"])
    op.drop_index("ix_deals_stage_owner_forecast_totals", table_name="deals")
    op.create_index("ix_deals_owner_id", "deals", ["owner_id"])
    op.drop_index("ix_deals_owner_id_stage_id_board_rank", table_name="deals")

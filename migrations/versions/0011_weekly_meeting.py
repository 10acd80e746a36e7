"""weekly meeting: change sets on deal events, meetings and their decisions

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01 17:45:00

Reserved in the chain so work in progress lands in order; its tables come with its issue.
"""
from collections.abc import Sequence

revision: str = '0011'
down_revision: str | None = '0010'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass

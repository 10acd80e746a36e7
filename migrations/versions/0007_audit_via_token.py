"""audit entries say whether a change came through the API, and which token

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 17:00:00

`via` is "web" (pages and the command line) or "api"; `token_id` names the API token (set to
NULL if the token row is ever deleted; revoking keeps it).
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0007'
down_revision: str | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    with op.batch_alter_table('audit_entries', schema=None) as batch_op:
        batch_op.add_column(sa.Column('via', sa.String(length=10), nullable=False, server_default='web'))
        batch_op.add_column(sa.Column('token_id', ID, nullable=True))
        batch_op.create_foreign_key(
            op.f('fk_audit_entries_token_id_api_tokens'), 'api_tokens', ['token_id'], ['id'], ondelete='SET NULL'
        )
        batch_op.create_index('ix_audit_entries_token_id', ['token_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('audit_entries', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_entries_token_id')
        batch_op.drop_constraint(op.f('fk_audit_entries_token_id_api_tokens'), type_='foreignkey')
        batch_op.drop_column('token_id')
        batch_op.drop_column('via')

"""quotes seal and company rounding

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01 19:00:00

- issuer_settings.logo_image / logo_media_type: the issuer's logo beside its 角印 (seal_image,
  since 0009), both uploaded on the quote settings page and printed on the PDF.
- companies.quote_rounding: a customer's own tax rounding for its quotes, between the issuer's
  default and the choice on a quote (NULL: the issuer's).
- quotes.approval_task_id: the approving manager's task while a discount waits for approval.
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0012'
down_revision: str | None = '0011'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    with op.batch_alter_table('issuer_settings') as batch:
        batch.add_column(sa.Column('logo_image', sa.LargeBinary(), nullable=True))
        batch.add_column(sa.Column('logo_media_type', sa.String(length=30), server_default='', nullable=False))
    with op.batch_alter_table('companies') as batch:
        batch.add_column(sa.Column('quote_rounding', sa.String(length=10), nullable=True))
    with op.batch_alter_table('quotes') as batch:
        batch.add_column(sa.Column('approval_task_id', ID, nullable=True))
        batch.create_index(batch.f('ix_quotes_approval_task_id'), ['approval_task_id'], unique=False)
        batch.create_foreign_key(
            batch.f('fk_quotes_approval_task_id_tasks'), 'tasks', ['approval_task_id'], ['id'], ondelete='SET NULL'
        )


def downgrade() -> None:
    with op.batch_alter_table('quotes') as batch:
        batch.drop_constraint(batch.f('fk_quotes_approval_task_id_tasks'), type_='foreignkey')
        batch.drop_index(batch.f('ix_quotes_approval_task_id'))
        batch.drop_column('approval_task_id')
    with op.batch_alter_table('companies') as batch:
        batch.drop_column('quote_rounding')
    with op.batch_alter_table('issuer_settings') as batch:
        batch.drop_column('logo_media_type')
        batch.drop_column('logo_image')

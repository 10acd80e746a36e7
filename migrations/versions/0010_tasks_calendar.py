"""tasks calendar: feeds, business days, renewals, recurrence

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01 17:30:00

Closure days for business-day arithmetic (calendar_settings), a team feed token for managers,
contract end dates on companies and deals with a renewal lead time per pipeline, and on tasks:
a reminder, the recurrence of 定例 tasks and the renewal key that makes a renewal task unique.
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0010'
down_revision: str | None = '0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    op.create_table(
        'calendar_settings',
        sa.Column('closes_year_end', sa.Boolean(), nullable=False),
        sa.Column('closes_obon', sa.Boolean(), nullable=False),
        sa.Column('closed_days', sa.JSON(), nullable=False),
        sa.Column('id', ID, autoincrement=True, nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_calendar_settings')),
    )
    with op.batch_alter_table('users') as batch:
        batch.add_column(sa.Column('team_calendar_token', sa.String(length=64), nullable=True))
        batch.create_unique_constraint(batch.f('uq_users_team_calendar_token'), ['team_calendar_token'])
    with op.batch_alter_table('companies') as batch:
        batch.add_column(sa.Column('contract_end_on', sa.Date(), nullable=True))
    with op.batch_alter_table('deals') as batch:
        batch.add_column(sa.Column('contract_end_on', sa.Date(), nullable=True))
    with op.batch_alter_table('pipelines') as batch:
        batch.add_column(sa.Column('renewal_lead_days', sa.Integer(), server_default='60', nullable=False))
    with op.batch_alter_table('tasks') as batch:
        batch.add_column(sa.Column('reminder_minutes', sa.Integer(), nullable=True))
        batch.add_column(sa.Column('recurrence', sa.String(length=200), nullable=True))
        batch.add_column(sa.Column('series_uid', sa.String(length=100), nullable=True))
        batch.add_column(sa.Column('recurrence_id', sa.String(length=20), nullable=True))
        batch.add_column(sa.Column('renewal_key', sa.String(length=80), nullable=True))
        batch.create_index(batch.f('ix_tasks_series_uid'), ['series_uid'], unique=False)
        batch.create_unique_constraint(batch.f('uq_tasks_renewal_key'), ['renewal_key'])


def downgrade() -> None:
    with op.batch_alter_table('tasks') as batch:
        batch.drop_constraint(batch.f('uq_tasks_renewal_key'), type_='unique')
        batch.drop_index(batch.f('ix_tasks_series_uid'))
        for column in ('renewal_key', 'recurrence_id', 'series_uid', 'recurrence', 'reminder_minutes'):
            batch.drop_column(column)
    with op.batch_alter_table('pipelines') as batch:
        batch.drop_column('renewal_lead_days')
    with op.batch_alter_table('deals') as batch:
        batch.drop_column('contract_end_on')
    with op.batch_alter_table('companies') as batch:
        batch.drop_column('contract_end_on')
    with op.batch_alter_table('users') as batch:
        batch.drop_constraint(batch.f('uq_users_team_calendar_token'), type_='unique')
        batch.drop_column('team_calendar_token')
    op.drop_table('calendar_settings')

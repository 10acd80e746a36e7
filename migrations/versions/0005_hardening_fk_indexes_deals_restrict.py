"""hardening: fk indexes, deals restrict

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 14:23:08

- Indexes on the foreign keys that queries filter on or that a parent's delete must search
  (deals.pipeline_id, deals.lost_reason_id, activities.task_id, users.team_id, ...).
- deals.company_id becomes ON DELETE RESTRICT: a deal created while its company is merged away
  must not silently vanish with it (the merge moves the deals under a lock first).
- One primary contact per deal: a unique partial index. Deals that already have several keep
  the first one attached as primary.
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0005'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEXES = [
    ('activities', 'task_id'),
    ('activities', 'user_id'),
    ('deal_events', 'actor_id'),
    ('deals', 'lost_reason_id'),
    ('deals', 'pipeline_id'),
    ('departments', 'parent_id'),
    ('import_uploads', 'user_id'),
    ('person_moves', 'recorded_by_id'),
    ('persons', 'reports_to_id'),
    ('saved_views', 'team_id'),
    ('teams', 'manager_id'),
    ('users', 'team_id'),
]
PRIMARY = sa.text('is_primary')


def _one_primary_per_deal() -> None:
    contacts = sa.table('deal_contacts', sa.column('id'), sa.column('deal_id'), sa.column('is_primary'))
    first = (
        sa.select(sa.func.min(contacts.c.id))
        .where(contacts.c.is_primary.is_(True))
        .group_by(contacts.c.deal_id)
        .scalar_subquery()
    )
    op.execute(
        contacts.update()
        .where(contacts.c.is_primary.is_(True), contacts.c.id.not_in(first))
        .values(is_primary=False)
    )


def upgrade() -> None:
    for table, column in INDEXES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.create_index(f'ix_{table}_{column}', [column], unique=False)

    _one_primary_per_deal()
    with op.batch_alter_table('deal_contacts', schema=None) as batch_op:
        batch_op.create_index(
            'ix_deal_contacts_one_primary', ['deal_id'], unique=True, sqlite_where=PRIMARY, postgresql_where=PRIMARY
        )

    with op.batch_alter_table('deals', schema=None) as batch_op:
        batch_op.drop_constraint('fk_deals_company_id_companies', type_='foreignkey')
        batch_op.create_foreign_key(
            'fk_deals_company_id_companies', 'companies', ['company_id'], ['id'], ondelete='RESTRICT'
        )


def downgrade() -> None:
    with op.batch_alter_table('deals', schema=None) as batch_op:
        batch_op.drop_constraint('fk_deals_company_id_companies', type_='foreignkey')
        batch_op.create_foreign_key(
            'fk_deals_company_id_companies', 'companies', ['company_id'], ['id'], ondelete='CASCADE'
        )

    with op.batch_alter_table('deal_contacts', schema=None) as batch_op:
        batch_op.drop_index('ix_deal_contacts_one_primary', sqlite_where=PRIMARY, postgresql_where=PRIMARY)

    for table, column in reversed(INDEXES):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(f'ix_{table}_{column}')

"""meetings and minutes

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-01 20:40:00

- meetings: a team's weekly meeting — its period (fixed at the start), the deals it walks
  through in order with their change in the period (agenda, JSON), where the lead is, what was
  reviewed or skipped, running/paused/finished. Finished, it is the minutes.
- meeting_decisions: each ヨミ, stage, note and next action decided, as written to the deal.
- meeting_attendees: who followed the meeting, and whom the lead ticked as present.
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0014'
down_revision: str | None = '0013'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')
WHEN = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        'meetings',
        sa.Column('team_id', ID, nullable=False),
        sa.Column('pipeline_id', ID, nullable=True),
        sa.Column('lead_id', ID, nullable=True),
        sa.Column('since', WHEN, nullable=False),
        sa.Column('until', WHEN, nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('started_at', WHEN, nullable=False),
        sa.Column('finished_at', WHEN, nullable=True),
        sa.Column('agenda', sa.JSON(), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('reviewed', sa.JSON(), nullable=False),
        sa.Column('skipped', sa.JSON(), nullable=False),
        sa.Column('id', ID, autoincrement=True, nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('created_at', WHEN, nullable=False),
        sa.Column('updated_at', WHEN, nullable=False),
        sa.ForeignKeyConstraint(['team_id'], ['teams.id'], name=op.f('fk_meetings_team_id_teams'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(
            ['pipeline_id'], ['pipelines.id'], name=op.f('fk_meetings_pipeline_id_pipelines'), ondelete='SET NULL'
        ),
        sa.ForeignKeyConstraint(['lead_id'], ['users.id'], name=op.f('fk_meetings_lead_id_users'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_meetings')),
    )
    with op.batch_alter_table('meetings') as batch:
        batch.create_index('ix_meetings_team_id_started_at', ['team_id', 'started_at'], unique=False)
        batch.create_index(batch.f('ix_meetings_lead_id'), ['lead_id'], unique=False)

    op.create_table(
        'meeting_decisions',
        sa.Column('meeting_id', ID, nullable=False),
        sa.Column('deal_id', ID, nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('at', WHEN, nullable=False),
        sa.Column('actor_id', ID, nullable=True),
        sa.Column('old_value', sa.String(length=200), nullable=True),
        sa.Column('new_value', sa.String(length=200), nullable=True),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('owner_id', ID, nullable=True),
        sa.Column('due_on', sa.Date(), nullable=True),
        sa.Column('task_id', ID, nullable=True),
        sa.Column('activity_id', ID, nullable=True),
        sa.Column('id', ID, autoincrement=True, nullable=False),
        sa.ForeignKeyConstraint(
            ['meeting_id'], ['meetings.id'], name=op.f('fk_meeting_decisions_meeting_id_meetings'), ondelete='CASCADE'
        ),
        sa.ForeignKeyConstraint(
            ['actor_id'], ['users.id'], name=op.f('fk_meeting_decisions_actor_id_users'), ondelete='SET NULL'
        ),
        sa.ForeignKeyConstraint(
            ['owner_id'], ['users.id'], name=op.f('fk_meeting_decisions_owner_id_users'), ondelete='SET NULL'
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_meeting_decisions')),
    )
    with op.batch_alter_table('meeting_decisions') as batch:
        batch.create_index(batch.f('ix_meeting_decisions_meeting_id'), ['meeting_id'], unique=False)

    op.create_table(
        'meeting_attendees',
        sa.Column('meeting_id', ID, nullable=False),
        sa.Column('user_id', ID, nullable=False),
        sa.Column('followed_at', WHEN, nullable=True),
        sa.Column('present', sa.Boolean(), nullable=False),
        sa.Column('id', ID, autoincrement=True, nullable=False),
        sa.ForeignKeyConstraint(
            ['meeting_id'], ['meetings.id'], name=op.f('fk_meeting_attendees_meeting_id_meetings'), ondelete='CASCADE'
        ),
        sa.ForeignKeyConstraint(
            ['user_id'], ['users.id'], name=op.f('fk_meeting_attendees_user_id_users'), ondelete='CASCADE'
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_meeting_attendees')),
        sa.UniqueConstraint('meeting_id', 'user_id', name=op.f('uq_meeting_attendees_meeting_id_user_id')),
    )
    with op.batch_alter_table('meeting_attendees') as batch:
        batch.create_index(batch.f('ix_meeting_attendees_user_id'), ['user_id'], unique=False)


def downgrade() -> None:
    op.drop_table('meeting_attendees')
    op.drop_table('meeting_decisions')
    op.drop_table('meetings')

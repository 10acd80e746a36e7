"""weekly meeting: change sets on deal events, meetings and their decisions

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01 17:45:00

- deal_events.change_set: the events of one save share an id and one moment. Existing events
  are grouped as the deal page has shown them (one deal, one user, within 5 seconds of the
  save's first event, a field at most once; a creation starts a save of its own) and each
  group takes its first event's moment.
- A deal without a creation event (stage None → its first stage) gets one at its created_at,
  so that every deal's history says since when it is in the pipeline.
- deal_events.deal_id loses its foreign key: a deleted deal's history stays (its deletion is
  an event too). An index on deal_events.at: "what changed since" reads the newest events.
- team_moves: each change of a user's team (a deal's team is its owner's).
- meeting_schedules: a team's weekly meeting day and time (Asia/Tokyo; none: Monday 09:00).
"""
import uuid
from collections.abc import Sequence
from datetime import timedelta

import sqlalchemy as sa
from alembic import op

revision: str = '0011'
down_revision: str | None = '0010'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')
SAME_SAVE = timedelta(seconds=5)

events = sa.table(
    'deal_events',
    sa.column('id', ID),
    sa.column('deal_id', ID),
    sa.column('at', sa.DateTime(timezone=True)),
    sa.column('actor_id', ID),
    sa.column('field', sa.String),
    sa.column('old_value', sa.String),
    sa.column('new_value', sa.String),
    sa.column('note', sa.Text),
    sa.column('change_set', sa.String),
)
deals = sa.table('deals', sa.column('id', ID), sa.column('stage_id', ID), sa.column('created_at', sa.DateTime(True)))


def _group_change_sets(conn: sa.Connection) -> None:
    rows = conn.execute(
        sa.select(events.c.id, events.c.deal_id, events.c.at, events.c.actor_id, events.c.field, events.c.old_value)
        .order_by(events.c.deal_id, events.c.at, events.c.id)
    ).all()
    updates, current, start, fields = [], None, None, set()
    for row in rows:
        creation = row.field == 'stage_id' and row.old_value is None
        same = (
            current is not None
            and (current.deal_id, current.actor_id) == (row.deal_id, row.actor_id)
            and row.at - start.at <= SAME_SAVE
            and row.field not in fields
            and not creation
        )
        if not same:
            current, start, fields, change_set = row, row, set(), uuid.uuid4().hex
        fields.add(row.field)
        updates.append({'b_id': row.id, 'b_set': change_set, 'b_at': start.at})
    if updates:
        conn.execute(
            events.update()
            .where(events.c.id == sa.bindparam('b_id'))
            .values(change_set=sa.bindparam('b_set'), at=sa.bindparam('b_at')),
            updates,
        )


def _add_missing_creations(conn: sa.Connection) -> None:
    created = sa.select(events.c.deal_id).where(events.c.field == 'stage_id', events.c.old_value.is_(None))
    first_stage = (
        sa.select(events.c.old_value)
        .where(events.c.deal_id == deals.c.id, events.c.field == 'stage_id')
        .order_by(events.c.at, events.c.id)
        .limit(1)
        .scalar_subquery()
    )
    rows = conn.execute(
        sa.select(deals.c.id, deals.c.stage_id, deals.c.created_at, first_stage.label('first'))
        .where(deals.c.id.not_in(created))
    ).all()
    inserts = [
        {
            'deal_id': row.id,
            'at': row.created_at,
            'actor_id': None,
            'field': 'stage_id',
            'old_value': None,
            'new_value': row.first or str(row.stage_id),
            'note': '',
            'change_set': uuid.uuid4().hex,
        }
        for row in rows
    ]
    if inserts:
        conn.execute(events.insert(), inserts)


def upgrade() -> None:
    with op.batch_alter_table('deal_events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('change_set', sa.String(length=32), nullable=True))
    conn = op.get_bind()
    _group_change_sets(conn)
    _add_missing_creations(conn)
    with op.batch_alter_table('deal_events', schema=None) as batch_op:
        batch_op.alter_column('change_set', existing_type=sa.String(length=32), nullable=False)
        batch_op.drop_constraint('fk_deal_events_deal_id_deals', type_='foreignkey')
        batch_op.create_index('ix_deal_events_at', ['at'], unique=False)

    op.create_table(
        'team_moves',
        sa.Column('user_id', ID, nullable=False),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('old_team_id', ID, nullable=True),
        sa.Column('new_team_id', ID, nullable=True),
        sa.Column('id', ID, autoincrement=True, nullable=False),
        sa.ForeignKeyConstraint(
            ['user_id'], ['users.id'], name=op.f('fk_team_moves_user_id_users'), ondelete='CASCADE'
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_team_moves')),
    )
    with op.batch_alter_table('team_moves', schema=None) as batch_op:
        batch_op.create_index('ix_team_moves_at', ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_team_moves_user_id'), ['user_id'], unique=False)

    op.create_table(
        'meeting_schedules',
        sa.Column('team_id', ID, nullable=False),
        sa.Column('weekday', sa.Integer(), nullable=False),
        sa.Column('starts_at', sa.Time(), nullable=False),
        sa.Column('id', ID, autoincrement=True, nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ['team_id'], ['teams.id'], name=op.f('fk_meeting_schedules_team_id_teams'), ondelete='CASCADE'
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_meeting_schedules')),
        sa.UniqueConstraint('team_id', name=op.f('uq_meeting_schedules_team_id')),
    )


def downgrade() -> None:
    op.drop_table('meeting_schedules')
    with op.batch_alter_table('team_moves', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_team_moves_user_id'))
        batch_op.drop_index('ix_team_moves_at')
    op.drop_table('team_moves')
    # The history of deleted deals cannot point at them: it goes with the foreign key.
    op.execute(events.delete().where(events.c.deal_id.not_in(sa.select(deals.c.id))))
    with op.batch_alter_table('deal_events', schema=None) as batch_op:
        batch_op.drop_index('ix_deal_events_at')
        batch_op.create_foreign_key(
            'fk_deal_events_deal_id_deals', 'deals', ['deal_id'], ['id'], ondelete='CASCADE'
        )
        batch_op.drop_column('change_set')

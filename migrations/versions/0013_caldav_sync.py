"""caldav sync

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01 20:40:00

Two-way CalDAV sync (issue 15): a user's connected calendar (caldav_connections: URL, user name,
the app password encrypted, the server's sync-token/CTag, the last error and next attempt) and each task's event on it (caldav_objects: href, ETag, content hash,
the body last seen, the task version it matched).
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0013'
down_revision: str | None = '0012'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    op.create_table(
        'caldav_connections',
        sa.Column('user_id', ID, nullable=False),
        sa.Column('url', sa.String(length=2000), nullable=False),
        sa.Column('username', sa.String(length=200), nullable=False),
        sa.Column('password_encrypted', sa.Text(), nullable=False),
        sa.Column('sync_token', sa.Text(), nullable=True),
        sa.Column('ctag', sa.String(length=500), nullable=True),
        sa.Column('last_synced_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('last_error', sa.String(length=500), nullable=False),
        sa.Column('failures', sa.Integer(), nullable=False),
        sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('id', ID, autoincrement=True, nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ['user_id'], ['users.id'], name=op.f('fk_caldav_connections_user_id_users'), ondelete='CASCADE'
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_caldav_connections')),
        sa.UniqueConstraint('user_id', name=op.f('uq_caldav_connections_user_id')),
    )
    op.create_table(
        'caldav_objects',
        sa.Column('connection_id', ID, nullable=False),
        sa.Column('task_id', ID, nullable=False),
        sa.Column('uid', sa.String(length=100), nullable=False),
        sa.Column('href', sa.String(length=1000), nullable=False),
        sa.Column('etag', sa.String(length=200), nullable=True),
        sa.Column('content_hash', sa.String(length=64), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('task_version', sa.Integer(), nullable=False),
        sa.Column('synced_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('id', ID, autoincrement=True, nullable=False),
        sa.ForeignKeyConstraint(
            ['connection_id'],
            ['caldav_connections.id'],
            name=op.f('fk_caldav_objects_connection_id_caldav_connections'),
            ondelete='CASCADE',
        ),
        sa.ForeignKeyConstraint(['task_id'], ['tasks.id'], name=op.f('fk_caldav_objects_task_id_tasks'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_caldav_objects')),
        sa.UniqueConstraint('connection_id', 'href', name=op.f('uq_caldav_objects_connection_id_href')),
        sa.UniqueConstraint('connection_id', 'task_id', name=op.f('uq_caldav_objects_connection_id_task_id')),
    )
    op.create_index('ix_caldav_objects_task_id', 'caldav_objects', ['task_id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_caldav_objects_task_id', table_name='caldav_objects')
    op.drop_table('caldav_objects')
    op.drop_table('caldav_connections')

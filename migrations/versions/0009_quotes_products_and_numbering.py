"""quotes products and numbering

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01 17:00:00

Products, the issuer's settings, per-fiscal-year quote counters, quotes (one row per revision)
and their lines. A quote keeps its deal (RESTRICT: a document never vanishes with it).
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0009'
down_revision: str | None = '0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def _bookkeeping() -> list[sa.Column]:
    return [
        sa.Column('id', ID, autoincrement=True, nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        'issuer_settings',
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('address', sa.Text(), nullable=False),
        sa.Column('phone', sa.String(length=50), nullable=False),
        sa.Column('registration_number', sa.String(length=14), nullable=False),
        sa.Column('bank_notes', sa.Text(), nullable=False),
        sa.Column('default_payment_terms', sa.String(length=200), nullable=False),
        sa.Column('default_rounding', sa.String(length=10), nullable=False),
        sa.Column('default_validity_days', sa.Integer(), nullable=False),
        sa.Column('number_pattern', sa.String(length=50), nullable=False),
        sa.Column('approval_threshold_percent', sa.Integer(), nullable=True),
        sa.Column('seal_image', sa.LargeBinary(), nullable=True),
        sa.Column('seal_media_type', sa.String(length=30), nullable=False),
        *_bookkeeping(),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_issuer_settings')),
    )
    op.create_table(
        'products',
        sa.Column('code', sa.String(length=50), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('description', sa.Text(), nullable=False),
        sa.Column('unit', sa.String(length=20), nullable=False),
        sa.Column('unit_price_jpy', sa.BigInteger(), nullable=False),
        sa.Column('tax_category', sa.String(length=10), nullable=False),
        sa.Column('is_active', sa.Boolean(), nullable=False),
        *_bookkeeping(),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_products')),
        sa.UniqueConstraint('code', name=op.f('uq_products_code')),
    )
    op.create_table(
        'quote_counters',
        sa.Column('fiscal_year', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('last_number', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('fiscal_year', name=op.f('pk_quote_counters')),
    )
    op.create_table(
        'quotes',
        sa.Column('deal_id', ID, nullable=False),
        sa.Column('number', sa.String(length=50), nullable=False),
        sa.Column('revision', sa.Integer(), nullable=False),
        sa.Column('is_latest', sa.Boolean(), nullable=False),
        sa.Column('fiscal_year', sa.Integer(), nullable=False),
        sa.Column('sequence', sa.Integer(), nullable=False),
        sa.Column('created_by_id', ID, nullable=True),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('locale', sa.String(length=2), nullable=False),
        sa.Column('addressee_company', sa.String(length=200), nullable=False),
        sa.Column('addressee_department', sa.String(length=100), nullable=False),
        sa.Column('addressee_person', sa.String(length=100), nullable=False),
        sa.Column('honorific', sa.String(length=2), nullable=False),
        sa.Column('subject', sa.String(length=200), nullable=False),
        sa.Column('issue_date', sa.Date(), nullable=False),
        sa.Column('valid_until', sa.Date(), nullable=False),
        sa.Column('delivery', sa.String(length=200), nullable=False),
        sa.Column('delivery_place', sa.String(length=200), nullable=False),
        sa.Column('payment_terms', sa.String(length=200), nullable=False),
        sa.Column('notes', sa.Text(), nullable=False),
        sa.Column('rounding', sa.String(length=10), nullable=False),
        sa.Column('prices_include_tax', sa.Boolean(), nullable=False),
        sa.Column('subtotal_jpy', sa.BigInteger(), nullable=False),
        sa.Column('tax_jpy', sa.BigInteger(), nullable=False),
        sa.Column('total_jpy', sa.BigInteger(), nullable=False),
        sa.Column('discount_percent', sa.Numeric(precision=7, scale=2), nullable=False),
        sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('decided_on', sa.Date(), nullable=True),
        sa.Column('approved_by_id', ID, nullable=True),
        sa.Column('approval_note', sa.Text(), nullable=False),
        *_bookkeeping(),
        sa.ForeignKeyConstraint(
            ['approved_by_id'], ['users.id'], name=op.f('fk_quotes_approved_by_id_users'), ondelete='SET NULL'
        ),
        sa.ForeignKeyConstraint(
            ['created_by_id'], ['users.id'], name=op.f('fk_quotes_created_by_id_users'), ondelete='SET NULL'
        ),
        sa.ForeignKeyConstraint(['deal_id'], ['deals.id'], name=op.f('fk_quotes_deal_id_deals'), ondelete='RESTRICT'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_quotes')),
        sa.UniqueConstraint('number', 'revision', name=op.f('uq_quotes_number_revision')),
    )
    op.create_index('ix_quotes_approved_by_id', 'quotes', ['approved_by_id'])
    op.create_index('ix_quotes_created_by_id', 'quotes', ['created_by_id'])
    op.create_index('ix_quotes_deal_id', 'quotes', ['deal_id'])
    op.create_index('ix_quotes_status_valid_until', 'quotes', ['status', 'valid_until'])
    op.create_table(
        'quote_lines',
        sa.Column('quote_id', ID, nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('product_id', ID, nullable=True),
        sa.Column('description', sa.String(length=500), nullable=False),
        sa.Column('quantity', sa.Numeric(precision=14, scale=3), nullable=False),
        sa.Column('unit', sa.String(length=20), nullable=False),
        sa.Column('unit_price_jpy', sa.BigInteger(), nullable=False),
        sa.Column('discount_percent', sa.Numeric(precision=5, scale=2), nullable=True),
        sa.Column('discount_jpy', sa.BigInteger(), nullable=True),
        sa.Column('tax_category', sa.String(length=10), nullable=False),
        sa.Column('amount_jpy', sa.BigInteger(), nullable=False),
        sa.Column('id', ID, autoincrement=True, nullable=False),
        sa.ForeignKeyConstraint(
            ['product_id'], ['products.id'], name=op.f('fk_quote_lines_product_id_products'), ondelete='SET NULL'
        ),
        sa.ForeignKeyConstraint(
            ['quote_id'], ['quotes.id'], name=op.f('fk_quote_lines_quote_id_quotes'), ondelete='CASCADE'
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_quote_lines')),
    )
    op.create_index('ix_quote_lines_product_id', 'quote_lines', ['product_id'])
    op.create_index('ix_quote_lines_quote_id_position', 'quote_lines', ['quote_id', 'position'])


def downgrade() -> None:
    op.drop_table('quote_lines')
    op.drop_table('quotes')
    op.drop_table('quote_counters')
    op.drop_table('products')
    op.drop_table('issuer_settings')

"""search: parts of emails and web hosts, the tails of phone numbers

Revision ID: 0016
Revises: 0014
Create Date: 2026-12-01 21:20:00

The header search finds a company or person by part of an email ("test-seiko") or web host and by the
last digits of a phone ("1234-5678"): the services now index those keys (normalize.word_suffixes,
digit_suffixes). This adds them for the rows saved before; no schema change. The keys are computed here
as the services compute them today, so a later change to those functions leaves this migration as it was.
"""
import re
from collections.abc import Sequence
from urllib.parse import urlsplit

import sqlalchemy as sa
from alembic import op

revision: str = '0016'
down_revision: str | None = '0014'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TERM_CHARS = 40
BATCH = 1000
terms = sa.table('search_terms', sa.column('entity', sa.String), sa.column('entity_id', sa.Integer), sa.column('term', sa.String))


def _word_suffixes(key: str) -> set[str]:
    starts = [0] + [m.end() for m in re.finditer(r"[@.\-_+]", key)]
    return {key[i:][:TERM_CHARS] for i in starts if key[i:] and (i == 0 or "." in key[i:])}


def _digit_suffixes(digits: str) -> set[str]:
    return {digits[i:][:TERM_CHARS] for i in range(len(digits)) if len(digits) - i >= 4} if digits else set()


def _add(bind: sa.Connection, entity: str, wanted: dict[int, set[str]]) -> None:
    have: dict[int, set[str]] = {}
    for entity_id, term in bind.execute(sa.select(terms.c.entity_id, terms.c.term).where(terms.c.entity == entity)):
        have.setdefault(entity_id, set()).add(term)
    rows = [
        {'entity': entity, 'entity_id': entity_id, 'term': term[:254]}
        for entity_id, keys in wanted.items()
        for term in sorted(keys - have.get(entity_id, set()))
        if term
    ]
    for start in range(0, len(rows), BATCH):
        bind.execute(terms.insert(), rows[start:start + BATCH])


def upgrade() -> None:
    bind = op.get_bind()
    persons = sa.table('persons', sa.column('id'), sa.column('email_key'), sa.column('phone_digits'), sa.column('mobile_digits'))
    companies = sa.table('companies', sa.column('id'), sa.column('website'), sa.column('phone_digits'))
    _add(bind, 'person', {
        p.id: _word_suffixes(p.email_key or '') | _digit_suffixes(p.phone_digits or '') | _digit_suffixes(p.mobile_digits or '')
        for p in bind.execute(sa.select(persons))
    })
    _add(bind, 'company', {
        c.id: _digit_suffixes(c.phone_digits or '') | _word_suffixes((urlsplit(c.website or '').hostname or '').lower())
        for c in bind.execute(sa.select(companies))
    })


def downgrade() -> None:
    """The added keys are harmless: the services keep writing them, so there is nothing to take back."""

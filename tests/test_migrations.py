import warnings

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from salesdesk import migrate
from salesdesk.db import run_async
from salesdesk.models import Base


async def _tables(url: str) -> set[str]:
    engine = create_async_engine(url, poolclass=NullPool)
    async with engine.connect() as conn:
        names = await conn.run_sync(lambda c: set(inspect(c).get_table_names()))
    await engine.dispose()
    return names - {"alembic_version"}


EXPRESSION_INDEXES = {"ix_deals_stage_id_close_order"}  # autogenerate cannot compare these: checked by name


async def _diff(url: str) -> list:
    engine = create_async_engine(url, poolclass=NullPool)
    async with engine.connect() as conn:
        with warnings.catch_warnings():  # SQLite's reflection skips an expression index, and says so
            warnings.filterwarnings("ignore", "Skipped unsupported reflection of expression-based index")
            warnings.filterwarnings("ignore", "autogenerate skipping metadata-specified expression-based index")
            diff = await conn.run_sync(lambda c: compare_metadata(MigrationContext.configure(c), Base.metadata))
        catalog = "SELECT name FROM sqlite_master WHERE type = 'index'"
        if conn.dialect.name == "postgresql":
            catalog = "SELECT indexname FROM pg_indexes"
        indexes = set((await conn.exec_driver_sql(catalog)).scalars())
    await engine.dispose()
    return [d for d in diff if not _is_expression_index(d)] + [
        ("missing expression index", name) for name in EXPRESSION_INDEXES - indexes
    ]


def _is_expression_index(change: tuple) -> bool:
    return change[0] in ("add_index", "remove_index") and change[1].name in EXPRESSION_INDEXES


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_migrations_upgrade_to_head_and_downgrade_to_base(fresh_database, backend):
    url = fresh_database(backend, "updown")

    migrate.upgrade(url)
    assert run_async(_tables(url)) == set(Base.metadata.tables)
    migrate.downgrade(url, "base")
    assert run_async(_tables(url)) == set()
    migrate.upgrade(url)  # and up again: downgrades leave nothing behind


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_models_and_migrations_agree(fresh_database, backend):
    url = fresh_database(backend, "agree")
    migrate.upgrade(url)

    assert run_async(_diff(url)) == []


async def _sql(url: str, *statements: str) -> list:
    """Run statements in one transaction; the rows of each SELECT, in order."""
    engine = create_async_engine(url, poolclass=NullPool)
    rows = []
    async with engine.begin() as conn:
        for statement in statements:
            result = await conn.exec_driver_sql(statement)
            if statement.startswith("SELECT"):
                rows.append(result.fetchall())
    await engine.dispose()
    return rows


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_upgrading_a_database_with_deals_keeps_their_history_and_leaves_one_primary_contact(fresh_database, backend):
    url = fresh_database(backend, "keep")
    migrate.upgrade(url, "0004")
    now = "'2026-11-01 00:00:00'"
    run_async(
        _sql(
            url,
            "INSERT INTO companies (id, name, name_kana, normalized_name, kana_key, industry, employee_band, website,"
            " phone, phone_digits, address, is_target, notes, version, created_at, updated_at)"
            f" VALUES (1, 'x', '', 'x', '', '', '', '', '', '', '', false, '', 1, {now}, {now})",
            "INSERT INTO persons (id, company_id, name, name_key, name_kana, kana_key, title, email, email_key, phone,"
            " phone_digits, mobile, mobile_digits, stance, left_company, notes, version, created_at, updated_at)"
            f" VALUES (1, 1, 'a', 'a', '', '', '', '', '', '', '', '', '', 'neutral', false, '', 1, {now}, {now}),"
            f" (2, 1, 'b', 'b', '', '', '', '', '', '', '', '', '', 'neutral', false, '', 1, {now}, {now})",
            "INSERT INTO deals (id, pipeline_id, stage_id, company_id, title, forecast, source, competitors,"
            " challenges, lost_note, board_rank, stage_entered_at, version, created_at, updated_at)"
            " SELECT 1, pipeline_id, id, 1, 'deal', 'C', '', '', '', '', 0,"
            f" {now}, 1, {now}, {now} FROM stages ORDER BY id LIMIT 1",
            f"INSERT INTO deal_events (deal_id, at, field, note) VALUES (1, {now}, 'stage_id', '')",
            "INSERT INTO deal_contacts (deal_id, person_id, is_primary, created_at, updated_at)"
            f" VALUES (1, 1, true, {now}, {now}), (1, 2, true, {now}, {now})",
        )
    )

    assert run_async(_sql(url, "SELECT count(*) FROM deal_events")) == [[(1,)]]
    migrate.upgrade(url)

    events, primaries = run_async(
        _sql(
            url,
            "SELECT count(*) FROM deal_events",
            "SELECT person_id FROM deal_contacts WHERE is_primary",
        )
    )
    assert events == [(1,)]  # the deals table was rebuilt without cascading into its history
    assert primaries == [(1,)]

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


async def _diff(url: str) -> list:
    engine = create_async_engine(url, poolclass=NullPool)
    async with engine.connect() as conn:
        diff = await conn.run_sync(lambda c: compare_metadata(MigrationContext.configure(c), Base.metadata))
    await engine.dispose()
    return diff


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

"""`salesdesk deliver-webhooks` as an operator runs it: a process of its own on a database file (or a
PostgreSQL database), killed with SIGKILL in the middle of a request and started again."""

import os
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine
from sqlalchemy.pool import NullPool

from salesdesk import migrate
from salesdesk.accounts import services as accounts
from salesdesk.audit.hook import set_actor
from salesdesk.auth import services as auth
from salesdesk.auth.models import Role
from salesdesk.db import run_async
from salesdesk.webhooks import services as webhooks
from salesdesk.webhooks.forms import EndpointForm, parse_endpoint
from salesdesk.webhooks.models import OutboxEvent
from tests.accounts.conftest import new_company

SALESDESK = str(Path(sys.executable).parent / "salesdesk")
EVENTS = 60
KILLED_AT = 20  # the request in flight when the deliverer is killed


def deliverer(url: str, *args: str) -> subprocess.Popen:
    env = dict(os.environ, SALESDESK_DATABASE_URL=url, SALESDESK_SECRET_KEY="webhook-test")
    return subprocess.Popen(
        [SALESDESK, "deliver-webhooks", "--interval", "0.1", *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


async def arrange(url: str, receiver_url: str) -> None:
    """An admin registers the receiver; then EVENTS companies are created, one event each."""
    engine = create_async_engine(url, poolclass=NullPool)
    async with async_sessionmaker(engine, expire_on_commit=False)() as db:
        admin = await auth.create_user(db, email="a@example.test", name="管理者", role=Role.admin, password="x" * 12)
        set_actor(db, admin)
        form = EndpointForm(url=receiver_url)
        await webhooks.create_endpoint(db, admin, parse_endpoint(form, ["company.created"]))
        await db.commit()
        for n in range(EVENTS):
            await accounts.create_company(db, admin, new_company(name=f"株式会社イベント{n:02d}"))
            await db.commit()
    await engine.dispose()


async def _event_ids(url: str) -> list[str]:
    engine = create_async_engine(url, poolclass=NullPool)
    async with engine.connect() as conn:
        ids = list(await conn.scalars(select(OutboxEvent.event_id)))
    await engine.dispose()
    return ids


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_a_deliverer_killed_mid_request_and_restarted_delivers_every_event_once_but_the_one_in_flight(
    fresh_database, backend, start_receiver
):
    url = fresh_database(backend, "deliverer")
    migrate.upgrade(url)
    receiver = start_receiver(delay=0.01, hold_at=KILLED_AT)
    run_async(arrange(url, receiver.url))
    written = run_async(_event_ids(url))

    first = deliverer(url)
    assert receiver.holding.wait(60), first.communicate(timeout=5)[0]
    first.send_signal(signal.SIGKILL)  # in the middle of request KILLED_AT: no answer was saved
    first.wait(10)
    receiver.release.set()
    in_flight = receiver.ids()[KILLED_AT - 1]

    second = deliverer(url)
    try:
        assert receiver.wait_for_ids(set(written)), second.stdout
    finally:
        second.send_signal(signal.SIGTERM)  # it finishes the request in flight and stops
        output = second.communicate(timeout=30)[0]
    assert second.returncode == 0, output

    counts = Counter(receiver.ids())
    assert set(counts) == set(written) and len(written) == EVENTS
    assert {event_id: n for event_id, n in counts.items() if n > 1} == {in_flight: 2}


def test_with_once_a_second_deliverer_on_a_sqlite_database_leaves_it_to_the_first(fresh_database, start_receiver):
    url = fresh_database("sqlite", "two_deliverers")
    migrate.upgrade(url)
    receiver = start_receiver(hold_at=1)
    run_async(arrange(url, receiver.url))
    first = deliverer(url)
    try:
        assert receiver.holding.wait(60)

        second = deliverer(url, "--once")
        output = second.communicate(timeout=60)[0]
    finally:
        first.kill()
        first.wait(10)

    assert second.returncode == 0 and "Another deliverer is running" in output
    assert len(receiver.ids()) == 1


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_two_deliverers_started_at_once_send_every_event_exactly_once(fresh_database, backend, start_receiver):
    url = fresh_database(backend, "two_at_once")
    migrate.upgrade(url)
    receiver = start_receiver(delay=0.02)
    run_async(arrange(url, receiver.url))

    both = [deliverer(url, "--once"), deliverer(url, "--once")]
    outputs = [process.communicate(timeout=120)[0] for process in both]

    assert [process.returncode for process in both] == [0, 0], outputs
    counts = Counter(receiver.ids())
    assert set(counts) == set(run_async(_event_ids(url))) and set(counts.values()) == {1}

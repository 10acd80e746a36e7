"""Guessing passwords is slowed and stopped per account and address; a stranger cannot lock
a colleague out, and checking a password never stalls the server."""

from __future__ import annotations

import asyncio
import dataclasses
import time

from sqlalchemy import func, select, update

from salesdesk.app import create_app
from salesdesk.auth import passwords
from salesdesk.auth.models import LoginAttempt, User
from tests.auth.conftest import browsers, try_login
from tests.conftest import PASSWORD

STRANGER = "198.51.100.7"
OFFICE = "203.0.113.20"


async def _failures(db) -> int:
    return await db.scalar(select(func.count()).select_from(LoginAttempt).where(LoginAttempt.succeeded.is_(False)))


async def test_thirty_parallel_wrong_guesses_from_one_address_get_only_five_password_checks(browser_at, rep, db):
    tabs = [await browser_at(STRANGER) for _ in range(3)]

    answers = await asyncio.gather(*(try_login(tabs[n % 3], rep.email, f"guess-{n:02}-wrong") for n in range(30)))

    codes = [answer.status_code for answer in answers]
    assert codes.count(422) == 5 and codes.count(429) == 25, codes
    assert await _failures(db) == 5


async def test_a_stranger_guessing_five_times_does_not_lock_the_colleague_out(browser_at, rep):
    stranger, colleague = await browser_at(STRANGER), await browser_at(OFFICE)
    for n in range(5):
        assert (await try_login(stranger, rep.email, f"guess-{n}-wrong")).status_code == 422

    stranger_again = await try_login(stranger, rep.email, PASSWORD)
    colleague_logs_in = await try_login(colleague, rep.email, PASSWORD)

    assert stranger_again.status_code == 429  # that address is done with this account for 15 minutes
    assert colleague_logs_in.status_code == 303


async def test_guesses_from_many_addresses_slow_down_the_account_but_the_right_password_still_gets_in(browser_at, rep):
    for n in range(6):
        guesser = await browser_at(f"198.51.100.{10 + n}")
        assert (await try_login(guesser, rep.email, f"guess-{n}-wrong")).status_code == 422
    colleague = await browser_at(OFFICE)

    start = time.monotonic()
    r = await try_login(colleague, rep.email, PASSWORD)
    waited = time.monotonic() - start

    assert r.status_code == 303
    assert waited >= 2  # six failures on the account: held 2 s (1 s after five, doubling with each)


async def test_the_server_answers_health_checks_while_a_password_is_being_checked(settings, engine, rep, db):
    production = dataclasses.replace(settings, argon2_time_cost=3, argon2_memory_kib=65536)
    app = create_app(production)
    try:
        started = time.perf_counter()
        slow_hash = passwords.passwords().hash(PASSWORD)
        argon2_seconds = time.perf_counter() - started
        await db.execute(update(User).where(User.id == rep.id).values(password_hash=slow_hash))
        await db.commit()
        async with browsers(app) as browser_at:
            rep_tab, monitor = await browser_at(OFFICE), await browser_at("127.0.0.1")
            await monitor.get("/healthz")  # its database connection is open, as on a running server
            login = asyncio.create_task(try_login(rep_tab, rep.email, PASSWORD))
            latencies = []
            while not login.done():
                started = time.perf_counter()
                assert (await monitor.get("/healthz")).status_code == 200
                latencies.append(time.perf_counter() - started)
            assert (await login).status_code == 303
    finally:
        passwords.configure(time_cost=1, memory_kib=1024)

    assert max(latencies) < argon2_seconds / 2, (latencies, argon2_seconds)

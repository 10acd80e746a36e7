"""Guessing passwords is slowed and stopped per account and address; a stranger cannot lock
a colleague out, and checking a password never stalls the server."""

from __future__ import annotations

import asyncio
import dataclasses
import gc
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


async def test_checking_a_password_takes_no_time_of_the_event_loop(settings, engine, rep, db):
    """argon2 runs in a worker thread, so the loop that serves every other request stays free.

    Measured as the CPU time of the loop's own thread (this test's; the app runs on it over
    the ASGI transport) during a login, against the CPU time of one hash: unlike wall-clock
    latencies, it does not move when a busy machine or a garbage collection stalls the process.
    """
    production = dataclasses.replace(settings, argon2_time_cost=3, argon2_memory_kib=65536)
    app = create_app(production)
    try:
        started = time.thread_time()
        slow_hash = passwords.passwords().hash(PASSWORD)
        argon2_cpu = time.thread_time() - started
        await db.execute(update(User).where(User.id == rep.id).values(password_hash=slow_hash))
        await db.commit()
        async with browsers(app) as browser_at:
            rep_tab, monitor = await browser_at(OFFICE), await browser_at("127.0.0.1")
            await try_login(await browser_at(STRANGER), rep.email, "warm-up-wrong")  # first-use costs
            gc.collect()
            gc.disable()  # a collection's CPU is not the password's
            try:
                started = time.thread_time()
                login = await try_login(rep_tab, rep.email, PASSWORD)
                loop_cpu = time.thread_time() - started
            finally:
                gc.enable()
            assert login.status_code == 303
            second_login = asyncio.create_task(try_login(rep_tab, rep.email, PASSWORD))  # /healthz answers meanwhile
            while not second_login.done():
                assert (await monitor.get("/healthz")).status_code == 200
    finally:
        passwords.configure(time_cost=1, memory_kib=1024)

    assert loop_cpu < argon2_cpu / 2, (loop_cpu, argon2_cpu)

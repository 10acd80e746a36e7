"""Quote numbers: the issuer's pattern, gap-free per fiscal year, also when created at once."""

import asyncio
from datetime import date

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import async_sessionmaker

from salesdesk.audit.hook import set_actor
from salesdesk.clock import Clock
from salesdesk.quotes import numbering, services
from salesdesk.quotes.models import Quote
from tests.conftest import backend
from tests.quotes.conftest import quote_input


async def test_quotes_are_numbered_by_fiscal_year_from_one(db, rep, make_deal, make_quote, issuer_settings):
    deal = await make_deal(rep)

    march = await make_quote(rep, deal, issue_date=date(2027, 3, 31))
    april = await make_quote(rep, deal, issue_date=date(2027, 4, 1))
    next_april = await make_quote(rep, deal, issue_date=date(2027, 4, 2))

    assert [march.number, april.number, next_april.number] == ["Q-2026-0001", "Q-2027-0001", "Q-2027-0002"]


@pytest.mark.parametrize(
    ("pattern", "error"),
    [
        ("Q-{year}-{seq:04}", None),
        ("見積{yy}-{seq:05}", None),
        ("Q-{seq}", "number_pattern.invalid"),  # would repeat every fiscal year
        ("Q-{year}", "number_pattern.invalid"),
        ("Q-{year}-{seq:04}-{name}", "number_pattern.invalid"),
        ("Q-{year}-{seq:04", "number_pattern.invalid"),
        ("Q-{year}-{seq:060}", "number_pattern.too_long"),
    ],
)
def test_a_number_pattern_must_hold_a_year_and_the_sequence(pattern, error):
    assert numbering.pattern_error(pattern) == error


async def test_quotes_created_at_once_in_many_sessions_get_every_number_once(db, engine, rep, make_deal, db_url):
    """Ten reps' sessions save a quote at the same moment: numbers 1..10, none twice, none skipped."""
    deal = await make_deal(rep)
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    started = asyncio.Event()
    clock = Clock()

    async def create(n: int) -> str:
        async with sessions() as session:
            set_actor(session, rep)
            await started.wait()
            quote = await services.create_quote(session, rep, clock, deal.id, quote_input(subject=f"見積 {n}"))
            await session.commit()
            return quote.number

    tasks = [asyncio.create_task(create(n)) for n in range(10)]
    started.set()  # the tasks start together at their first await
    numbers = await asyncio.gather(*tasks)

    year = clock.today().year if clock.today().month >= 4 else clock.today().year - 1
    assert sorted(numbers) == [f"Q-{year}-{n:04d}" for n in range(1, 11)]
    stored = await db.scalars(select(Quote.sequence).order_by(Quote.sequence))
    assert list(stored) == list(range(1, 11))
    assert backend(db_url) in ("sqlite", "postgresql")


async def test_a_quote_whose_save_is_rolled_back_gives_its_number_back(db, engine, rep, make_deal, make_quote):
    deal = await make_deal(rep)
    async with async_sessionmaker(engine)() as session:
        set_actor(session, rep)
        await services.create_quote(session, rep, Clock(), deal.id, quote_input())
        await session.rollback()

    kept = await make_quote(rep, deal)

    assert kept.sequence == 1

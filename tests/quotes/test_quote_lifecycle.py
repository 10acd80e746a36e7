"""A quote's way: revisions once sent, acceptance winning the deal, discount approval, expiry."""

import os
import subprocess
import sys
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select, update

from salesdesk.audit.hook import set_actor
from salesdesk.clock import Clock
from salesdesk.errors import Forbidden, Invalid
from salesdesk.pipeline.models import DealEvent
from salesdesk.quotes import issuer, services, status
from salesdesk.quotes.models import Quote
from salesdesk.quotes.status import AcceptInput, DecisionInput
from tests.quotes.conftest import ISSUER, line, quote_input, reload

CLOCK = Clock()


async def sent(db, actor, quote: Quote) -> Quote:
    quote = await status.send_quote(db, actor, CLOCK, quote.id, quote.version)
    await db.commit()
    return quote


async def test_editing_a_sent_quote_makes_the_next_revision_and_keeps_the_sent_one(db, rep, make_deal, make_quote):
    first = await sent(db, rep, await make_quote(rep, await make_deal(rep), line(price=100_000)))

    second = await services.save_quote(
        db, rep, CLOCK, first.id, quote_input(line(price=90_000), seen_version=first.version)
    )
    await db.commit()

    assert (second.number, second.revision, second.status) == (first.number, 2, "draft")
    assert second.subtotal_jpy == 90_000
    old = await services.get_quote(db, rep, first.id)
    assert (old.status, old.is_latest, old.subtotal_jpy, [x.unit_price_jpy for x in old.lines]) == (
        "sent",
        False,
        100_000,
        [100_000],
    )
    assert [q.revision for q in await services.revisions(db, second)] == [2, 1]
    with pytest.raises(Invalid):  # an earlier revision is read, not changed
        await services.save_quote(db, rep, CLOCK, first.id, quote_input(seen_version=old.version))


async def test_accepting_a_quote_sets_the_deal_amount_and_wins_the_deal(db, rep, make_deal, make_quote, stage):
    deal = await make_deal(rep, stage="見積提出", amount_jpy="50万", expected_close_date="2030-03-31")
    quote = await sent(db, rep, await make_quote(rep, deal, line(price=1_200_000), line("値引", -200_000)))

    await status.accept_quote(db, rep, CLOCK, quote.id, AcceptInput(seen_version=quote.version))
    await db.commit()

    won = await reload(db, deal)
    assert won.stage_id == stage("受注").id
    assert won.amount_jpy == 1_000_000  # the quote's total excl. tax
    assert won.won_on == CLOCK.today()
    fields = set(await db.scalars(select(DealEvent.field).where(DealEvent.deal_id == deal.id)))
    assert {"stage_id", "amount_jpy"} <= fields  # through the board's move: history kept
    assert (await services.get_quote(db, rep, quote.id)).status == "accepted"


async def test_accepting_without_winning_only_sets_the_amount(db, rep, make_deal, make_quote, stage):
    deal = await make_deal(rep, stage="交渉", amount_jpy="50万", expected_close_date="2030-03-31")
    quote = await sent(db, rep, await make_quote(rep, deal, line(price=800_000)))

    await status.accept_quote(db, rep, CLOCK, quote.id, AcceptInput(seen_version=quote.version, win_deal=False))
    await db.commit()

    kept = await reload(db, deal)
    assert (kept.stage_id, kept.amount_jpy) == (stage("交渉").id, 800_000)


async def test_a_draft_cannot_be_accepted(db, rep, make_deal, make_quote):
    quote = await make_quote(rep, await make_deal(rep))

    with pytest.raises(Invalid) as refused:
        await status.accept_quote(db, rep, CLOCK, quote.id, AcceptInput(seen_version=quote.version))
    assert refused.value.errors == {"quote": "quote.wrong_status"}


@pytest.fixture
async def threshold_10(db, admin):
    set_actor(db, admin)
    await issuer.save_issuer(db, admin, replace(ISSUER, approval_threshold_percent=10))
    await db.commit()


async def test_a_discount_over_the_threshold_is_sent_only_after_the_manager_approves(
    db, rep, manager, make_deal, make_quote, threshold_10
):
    quote = await make_quote(rep, await make_deal(rep), line(price=100_000, discount_percent=Decimal("15")))

    with pytest.raises(Invalid) as blocked:
        await status.send_quote(db, rep, CLOCK, quote.id, quote.version)
    assert blocked.value.errors == {"quote": "quote.needs_approval"}

    quote = await status.request_approval(db, rep, CLOCK, quote.id, DecisionInput(quote.version, "競合対抗のため"))
    await db.commit()
    with pytest.raises(Forbidden):  # the rep cannot approve their own discount
        await status.decide_approval(db, rep, CLOCK, quote.id, DecisionInput(quote.version), approve=True)
    quote = await status.decide_approval(
        db, manager, CLOCK, quote.id, DecisionInput(quote.version, "今回限り"), approve=True
    )
    await db.commit()

    assert (await sent(db, rep, quote)).status == "sent"


async def test_a_declined_discount_goes_back_to_draft_with_the_managers_comment(
    db, rep, manager, make_deal, make_quote, threshold_10
):
    quote = await make_quote(rep, await make_deal(rep), line(price=100_000, discount_jpy=20_000))
    quote = await status.request_approval(db, rep, CLOCK, quote.id, DecisionInput(quote.version))
    await db.commit()

    declined = await status.decide_approval(
        db, manager, CLOCK, quote.id, DecisionInput(quote.version, "値引きは10%まで"), approve=False
    )

    assert (declined.status, declined.approval_note) == ("draft", "値引きは10%まで")


async def test_a_discount_within_the_threshold_is_sent_at_once(db, rep, make_deal, make_quote, threshold_10):
    quote = await make_quote(rep, await make_deal(rep), line(price=100_000, discount_percent=Decimal("10")))

    assert (await sent(db, rep, quote)).status == "sent"


async def test_a_sent_quote_past_its_date_reads_as_expired_and_the_cron_job_expires_it_once(
    db, rep, make_deal, make_quote
):
    quote = await sent(db, rep, await make_quote(rep, await make_deal(rep), valid_until=CLOCK.today()))
    quote_id, version = quote.id, quote.version
    later = Clock(fixed=datetime.now(UTC) + timedelta(days=2))

    assert services.shown_status(quote, later.today()) == "expired"
    with pytest.raises(Invalid):
        await status.accept_quote(db, rep, later, quote_id, AcceptInput(seen_version=version))
    await db.rollback()

    assert await status.expire_quotes(db, later) == 1
    assert await status.expire_quotes(db, later) == 0
    await db.commit()
    assert (await db.scalar(select(Quote.status).where(Quote.id == quote_id))) == "expired"


async def test_the_cron_command_expires_sent_quotes_past_their_date(db, db_url, rep, make_deal, make_quote):
    """`salesdesk quotes expire`, run as cron runs it: a subprocess on the test's database."""
    quote = await sent(db, rep, await make_quote(rep, await make_deal(rep), valid_until=CLOCK.today()))
    await db.execute(update(Quote).where(Quote.id == quote.id).values(valid_until=CLOCK.today() - timedelta(days=1)))
    await db.commit()
    env = dict(os.environ, SALESDESK_DATABASE_URL=db_url, SALESDESK_SECRET_KEY="cli-test")
    salesdesk = str(Path(sys.executable).parent / "salesdesk")

    first = subprocess.run([salesdesk, "quotes", "expire"], env=env, capture_output=True, text=True, timeout=120)
    again = subprocess.run([salesdesk, "quotes", "expire"], env=env, capture_output=True, text=True, timeout=120)

    assert (first.returncode, first.stdout.strip()) == (0, "1 quote(s) expired."), first.stderr
    assert again.stdout.strip() == "0 quote(s) expired."
    assert await db.scalar(select(Quote.status).where(Quote.id == quote.id)) == "expired"

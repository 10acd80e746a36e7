"""A deal's quotes on the deal's timeline: made, sent, accepted or rejected, revised, with who and
a link to the quote; the page's statements do not grow with the number of quotes."""

import re
from datetime import timedelta

from salesdesk.audit.hook import set_actor
from salesdesk.clock import Clock
from salesdesk.quotes import services, status
from salesdesk.quotes.status import AcceptInput, DecisionInput
from tests.quotes.conftest import line, quote_input

CLOCK = Clock()


def timeline_of(page: str) -> str:
    """The timeline's list, its markup's whitespace squeezed."""
    found = re.search(r'<ol class="timeline" id="deal-timeline-items">(.*?)</ol>', page, re.S)
    assert found, page
    return " ".join(found[1].split())


async def test_a_quote_made_sent_and_accepted_shows_as_three_entries_with_who_and_a_link(
    db, login, rep, manager, make_deal, make_quote
):
    deal = await make_deal(rep, "提案", amount_jpy="100000", expected_close_date="2030-03-31")
    quote = await make_quote(rep, deal, line(price=100_000))
    set_actor(db, rep)
    quote = await status.send_quote(db, rep, CLOCK, quote.id, quote.version)
    await db.commit()
    set_actor(db, manager)
    await status.accept_quote(db, manager, CLOCK, quote.id, AcceptInput(quote.version))
    await db.commit()

    shown = timeline_of((await (await login(rep)).get(f"/deals/{deal.id}")).text)

    link = f'<a href="/quotes/{quote.id}">{quote.number}</a>'
    accepted = shown.index(f"見積書が受注されました: {link}")
    sent = shown.index(f"見積書を送付しました: {link}")
    made = shown.index(f"見積書を作成しました: {link}")
    assert accepted < sent < made  # newest first
    assert "¥110,000" in shown
    assert shown.count(manager.name) >= 1 and shown.count(rep.name) >= 2


async def test_a_revision_and_a_rejection_are_entries_too(db, login, rep, make_deal, make_quote):
    deal = await make_deal(rep)
    first = await make_quote(rep, deal, line(price=100_000))
    set_actor(db, rep)
    first = await status.send_quote(db, rep, CLOCK, first.id, first.version)
    await status.reject_quote(db, rep, CLOCK, first.id, DecisionInput(first.version))
    second = await services.save_quote(
        db, rep, CLOCK, first.id, quote_input(line(price=80_000), seen_version=first.version)
    )
    await db.commit()

    shown = timeline_of((await (await login(rep)).get(f"/deals/{deal.id}")).text)

    assert f'見積書が不採用になりました: <a href="/quotes/{first.id}">{first.number}</a>' in shown
    assert f'見積書を作成しました: <a href="/quotes/{second.id}">{second.number} （第2版）</a>' in shown


async def test_the_deal_page_reads_as_many_statements_with_one_quote_as_with_many(
    db, login, rep, make_deal, make_quote, count_queries
):
    few, many = await make_deal(rep, title="少ない"), await make_deal(rep, title="多い")
    await make_quote(rep, few, line())
    for _n in range(6):
        quote = await make_quote(rep, many, line())
        set_actor(db, rep)
        await status.send_quote(db, rep, CLOCK, quote.id, quote.version)
        await db.commit()
    client = await login(rep)

    counts = []
    for deal in (few, many):
        statements = count_queries()
        assert (await client.get(f"/deals/{deal.id}")).status_code == 200
        counts.append(len(statements))

    assert counts[0] == counts[1], counts


async def test_the_nightly_expiry_is_an_entry_too(db, login, rep, make_deal, make_quote):
    """`salesdesk quotes expire` changes many quotes in one statement; each still gets its entry
    (in the audit log, by nobody), so the deal's timeline says when its quote lapsed unanswered."""
    deal = await make_deal(rep)
    quote = await make_quote(rep, deal, line(price=100_000), valid_until=CLOCK.today())
    set_actor(db, rep)
    quote = await status.send_quote(db, rep, CLOCK, quote.id, quote.version)
    await db.commit()
    set_actor(db, None)
    await status.expire_quotes(db, Clock(fixed=CLOCK.now() + timedelta(days=2)))
    await db.commit()

    shown = timeline_of((await (await login(rep)).get(f"/deals/{deal.id}")).text)

    link = f'<a href="/quotes/{quote.id}">{quote.number}</a>'
    assert shown.index(f"見積書の有効期限が切れました: {link}") < shown.index(f"見積書を送付しました: {link}")

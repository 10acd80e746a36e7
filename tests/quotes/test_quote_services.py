"""Quotes on a deal: totals stored with the quote, the addressee's honorific, rights as for the deal."""

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

import pytest

from salesdesk.clock import Clock
from salesdesk.errors import Forbidden, Invalid, NotFound, StaleEdit
from salesdesk.quotes import services
from salesdesk.quotes.models import Honorific
from salesdesk.quotes.tax import Rounding, TaxCategory
from tests.quotes.conftest import line, quote_input

CLOCK = Clock()


async def test_a_quote_stores_its_lines_and_the_totals_per_rate(db, rep, make_deal, make_quote, issuer_settings):
    deal = await make_deal(rep)

    quote = await make_quote(
        rep,
        deal,
        line("ライセンス", 12_000, quantity="10", unit="ライセンス"),
        line("お弁当", 1_080, quantity="5", tax_category=TaxCategory.reduced),
        line("出精値引", -5_000),
    )

    loaded = await services.get_quote(db, rep, quote.id)
    assert [(x.description, x.amount_jpy) for x in loaded.lines] == [
        ("ライセンス", 120_000),
        ("お弁当", 5_400),
        ("出精値引", -5_000),
    ]
    assert (loaded.subtotal_jpy, loaded.tax_jpy, loaded.total_jpy) == (120_400, 11_932, 132_332)
    assert services.quote_totals(loaded).as_json()["by_category"] == [
        {"tax_category": "standard", "rate_percent": 10, "subtotal_jpy": 115_000, "tax_jpy": 11_500},
        {"tax_category": "reduced", "rate_percent": 8, "subtotal_jpy": 5_400, "tax_jpy": 432},
    ]


async def test_a_new_quote_takes_the_issuers_defaults(db, rep, make_deal, make_quote, issuer_settings):
    deal = await make_deal(rep)

    quote = await make_quote(rep, deal, issue_date=date(2026, 12, 1))

    assert quote.rounding == Rounding.floor
    assert quote.valid_until == date(2026, 12, 31)  # 30 days
    assert quote.number == "Q-2026-0001" and quote.revision == 1 and quote.status == "draft"


@pytest.mark.parametrize(
    ("department", "person", "chosen", "printed"),
    [
        ("", "", None, "株式会社サンプル 御中"),
        ("営業部", "", None, "株式会社サンプル 営業部 御中"),
        ("営業部", "山田 太郎", None, "株式会社サンプル 営業部 山田 太郎 様"),
        ("", "", Honorific.sama, "株式会社サンプル 様"),  # overridden: a sole proprietor's shop
    ],
)
async def test_the_honorific_follows_the_addressee_unless_chosen(
    db, rep, make_deal, make_quote, department, person, chosen, printed
):
    deal = await make_deal(rep)

    quote = await make_quote(rep, deal, addressee_department=department, addressee_person=person, honorific=chosen)

    assert quote.addressee == printed
    assert printed.count("御中") + printed.count("様") == 1


async def test_a_rep_of_another_team_neither_sees_nor_quotes_on_the_deal(db, rep, other_rep, manager, make_deal):
    deal = await make_deal(rep)
    quote = await services.create_quote(db, manager, CLOCK, deal.id, quote_input())
    await db.commit()

    with pytest.raises(NotFound):
        await services.get_quote(db, other_rep, quote.id)
    with pytest.raises(NotFound):
        await services.create_quote(db, other_rep, CLOCK, deal.id, quote_input())


async def test_a_rep_who_sees_a_teammates_deal_may_read_but_not_change_its_quote(
    db, rep, make_user, team_east, make_deal, make_quote
):
    teammate = await make_user("rep", team_east)
    quote = await make_quote(rep, await make_deal(rep))

    assert (await services.get_quote(db, teammate, quote.id)).id == quote.id
    with pytest.raises(Forbidden):
        await services.save_quote(db, teammate, CLOCK, quote.id, quote_input(seen_version=quote.version))


async def test_saving_a_draft_changes_it_in_place_and_recomputes_the_totals(db, rep, make_deal, make_quote):
    quote = await make_quote(rep, await make_deal(rep))

    saved = await services.save_quote(
        db, rep, CLOCK, quote.id, quote_input(line(price=12_345), rounding=Rounding.half_up, seen_version=quote.version)
    )
    await db.commit()

    assert saved.id == quote.id and saved.revision == 1
    assert (saved.subtotal_jpy, saved.tax_jpy, saved.total_jpy) == (12_345, 1_235, 13_580)


async def test_saving_a_quote_someone_changed_meanwhile_is_stale(db, rep, manager, make_deal, make_quote):
    quote = await make_quote(rep, await make_deal(rep))
    drawn = quote.version  # both opened the editor here
    await services.save_quote(db, manager, CLOCK, quote.id, quote_input(subject="改", seen_version=drawn))
    await db.commit()

    with pytest.raises(StaleEdit):
        await services.save_quote(db, rep, CLOCK, quote.id, quote_input(seen_version=drawn))


async def test_a_quote_without_lines_or_with_discounts_beyond_its_lines_is_refused(db, rep, make_deal):
    deal = await make_deal(rep)

    with pytest.raises(Invalid) as empty:
        await services.create_quote(db, rep, CLOCK, deal.id, replace(quote_input(), lines=()))
    with pytest.raises(Invalid) as negative:
        await services.create_quote(db, rep, CLOCK, deal.id, quote_input(line(price=1_000), line(price=-2_000)))

    assert empty.value.errors == {"lines": "quote.no_lines"}
    assert negative.value.errors == {"lines": "quote.negative_total"}


async def test_the_discount_share_is_kept_for_the_approval_rule(db, rep, make_deal, make_quote):
    quote = await make_quote(rep, await make_deal(rep), line(price=100_000, discount_percent=Decimal("20")))

    assert quote.discount_percent == Decimal("20.00")


async def test_the_quote_list_shows_latest_revisions_the_actor_sees_with_filters(
    db, rep, other_rep, make_deal, make_quote
):
    mine = await make_quote(rep, await make_deal(rep), valid_until=CLOCK.today() + timedelta(days=3))
    await make_quote(other_rep, await make_deal(other_rep))

    listed = await services.list_quotes(db, rep, CLOCK, services.QuoteFilter())
    drafts = await services.list_quotes(db, rep, CLOCK, services.QuoteFilter(status="draft", owner_id=rep.id))
    expiring = await services.list_quotes(db, rep, CLOCK, services.QuoteFilter(status="expiring"))

    assert [q.id for q in listed.quotes] == [mine.id] and listed.total == 1
    assert [q.id for q in drafts.quotes] == [mine.id]
    assert expiring.quotes == []  # a draft is not waiting for an answer

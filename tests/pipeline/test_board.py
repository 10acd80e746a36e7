"""The board's columns: totals over every matching deal, weighted in exact integer yen, stale
flags (no activity beyond the stage's rotting days; no next action) and the filters."""

from datetime import date, timedelta

import pytest
from sqlalchemy import update

from salesdesk.accounts.forms import ActivityForm
from salesdesk.db import utcnow
from salesdesk.i18n import local_today
from salesdesk.pipeline import board, fiscal
from salesdesk.pipeline.filters import DealFilter, close_range
from salesdesk.pipeline.models import Deal, SalesSettings
from tests.pipeline.conftest import add_activity
from tests.plans import plan


def column(result, name):
    return next(c for c in result.columns if c.stage.name == name)


async def backdate(db, deal, days):
    """As if the deal was created `days` ago and nothing happened since."""
    await db.execute(update(Deal).where(Deal.id == deal.id).values(created_at=utcnow() - timedelta(days=days)))
    await db.commit()


async def test_column_totals_count_every_matching_deal_not_only_the_cards_shown(db, rep, make_deal):
    for n in range(5):
        await make_deal(rep, "提案", amount_jpy=str(100_000 * (n + 1)))

    result = await board.board(db, rep, DealFilter(), per_page=2)

    proposal = column(result, "提案")
    assert len(proposal.cards) == 2 and proposal.cursor is not None
    assert (proposal.count, proposal.total_jpy) == (5, 1_500_000)


async def test_weighted_total_is_exact_in_integer_yen_rounded_once(db, rep, make_deal):
    # 40% of 333,333 is 133,333.2 three times: 399,999.6 rounds to 400,000 (per-deal rounding would say 399,999).
    for _ in range(3):
        await make_deal(rep, "提案", amount_jpy="333333")
    await make_deal(rep, "提案", amount_jpy="1000001", probability="33")  # its own probability: 330,000.33

    proposal = column(await board.board(db, rep, DealFilter()), "提案")

    assert proposal.weighted_jpy == 730_000  # (3 × 333,333 × 40 + 1,000,001 × 33) / 100 = 729,999.93
    assert isinstance(proposal.weighted_jpy, int) and isinstance(proposal.total_jpy, int)


async def test_more_cards_continue_where_the_first_page_ended(db, rep, make_deal, stage):
    deals = [await make_deal(rep, "提案", title=f"案件{n}") for n in range(5)]

    first = column(await board.board(db, rep, DealFilter(), per_page=2), "提案")
    rest = await board.more_cards(db, rep, DealFilter(), stage("提案").id, first.cursor, per_page=10)

    shown = [c.deal.id for c in first.cards + rest.cards]
    assert sorted(shown) == sorted(d.id for d in deals) and len(set(shown)) == 5
    assert rest.cursor is None


async def test_a_deal_idle_longer_than_its_stages_rotting_days_is_stale_by_age(db, rep, make_deal):
    fresh = await make_deal(rep, "提案", title="最近の案件")
    idle = await make_deal(rep, "提案", title="放置案件")  # 提案 rots after 21 days
    await backdate(db, idle, 22)
    await backdate(db, fresh, 20)

    cards = {c.deal.title: c for c in column(await board.board(db, rep, DealFilter()), "提案").cards}

    assert cards["放置案件"].is_idle and cards["放置案件"].idle_days == 22
    assert not cards["最近の案件"].is_idle
    assert not cards["放置案件"].lacks_next_action  # the two reasons are told apart


async def test_rotting_days_are_the_stages_own(db, rep, make_deal):
    lead = await make_deal(rep, "リード")  # 30 days
    quote = await make_deal(rep, "見積提出", amount_jpy="1", expected_close_date="2027-01-01")  # 14 days
    await backdate(db, lead, 20)
    await backdate(db, quote, 20)

    result = await board.board(db, rep, DealFilter())

    assert not column(result, "リード").cards[0].is_idle
    assert column(result, "見積提出").cards[0].is_idle


async def test_a_contact_logged_on_the_deal_resets_its_stale_clock(db, rep, make_deal):
    deal = await make_deal(rep, "提案")
    await backdate(db, deal, 40)

    await add_activity(db, rep, deal.company_id, ActivityForm(kind="call", subject="状況確認"), deal_id=deal.id)
    await db.commit()

    card = column(await board.board(db, rep, DealFilter()), "提案").cards[0]
    assert not card.is_idle and card.idle_days == 0


async def test_a_deal_without_an_open_task_is_stale_for_want_of_a_next_action(db, rep, make_deal):
    await make_deal(rep, "提案", title="予定なし", next_action=False)

    card = column(await board.board(db, rep, DealFilter()), "提案").cards[0]

    assert card.lacks_next_action and card.is_stale and not card.is_idle


async def test_the_stale_filters_select_each_reason_and_both(db, rep, make_deal):
    idle = await make_deal(rep, "提案", title="放置")
    await backdate(db, idle, 30)
    await make_deal(rep, "提案", title="予定なし", next_action=False)
    await make_deal(rep, "提案", title="順調")

    async def titles(stale):
        result = await board.board(db, rep, DealFilter(stale=stale))
        return sorted(c.deal.title for c in column(result, "提案").cards), column(result, "提案").count

    assert await titles("idle") == (["放置"], 1)
    assert await titles("no_next") == (["予定なし"], 1)
    assert await titles("any") == (sorted(["放置", "予定なし"]), 2)


async def test_filters_narrow_the_totals_too(db, rep, manager, make_deal):
    await make_deal(rep, "提案", amount_jpy="100000", forecast="A")
    await make_deal(rep, "提案", amount_jpy="200000", forecast="B")
    await make_deal(manager, "提案", amount_jpy="400000", forecast="A")

    result = await board.board(db, manager, DealFilter(owner_id=rep.id, forecast="A"))

    assert (column(result, "提案").count, column(result, "提案").total_jpy) == (1, 100_000)


async def test_a_rep_sees_the_teams_deals_but_not_another_teams(db, rep, manager, other_rep, make_deal):
    await make_deal(manager, "提案", amount_jpy="100")
    await make_deal(other_rep, "提案", amount_jpy="10000")

    assert column(await board.board(db, rep, DealFilter()), "提案").total_jpy == 100
    assert column(await board.board(db, other_rep, DealFilter()), "提案").total_jpy == 10000


async def test_the_close_date_range_narrows_cards_and_totals(db, rep, make_deal):
    await make_deal(rep, "提案", title="今期", expected_close_date="2026-12-15", amount_jpy="100")
    await make_deal(rep, "提案", title="来期", expected_close_date="2027-01-15", amount_jpy="200")
    await make_deal(rep, "提案", title="未定", amount_jpy="400")

    result = await board.board(db, rep, DealFilter(close_from=date(2026, 10, 1), close_to=date(2026, 12, 31)))
    undated = await board.board(db, rep, DealFilter(period="no_date"))

    assert [c.deal.title for c in column(result, "提案").cards] == ["今期"]
    assert column(result, "提案").total_jpy == 100
    assert column(undated, "提案").total_jpy == 400


@pytest.mark.parametrize(
    ("period", "start_month", "expected"),
    [
        ("this_month", 4, (date(2026, 11, 1), date(2026, 11, 30))),
        ("next_month", 4, (date(2026, 12, 1), date(2026, 12, 31))),
        ("this_quarter", 4, (date(2026, 10, 1), date(2026, 12, 31))),  # 第3四半期 of an April year
        ("next_quarter", 4, (date(2027, 1, 1), date(2027, 3, 31))),
        ("this_fy", 4, (date(2026, 4, 1), date(2027, 3, 31))),
        ("this_fy", 1, (date(2026, 1, 1), date(2026, 12, 31))),
        ("past_due", 4, (None, date(2026, 11, 23))),
    ],
)
def test_close_periods_follow_the_fiscal_year(period, start_month, expected):
    assert close_range(DealFilter(period=period), date(2026, 11, 24), start_month) == expected


async def test_a_quarter_filter_follows_a_new_fiscal_year_start_at_once(db, rep, make_deal):
    """The board keeps its statements per filter and viewer; the fiscal year's first month is part of that."""
    today = local_today()
    april_quarter, february_quarter = (fiscal.quarter_range(today, m) for m in (4, 2))
    inside = next(
        april_quarter[0] + timedelta(days=n)
        for n in range(92)
        if not february_quarter[0] <= april_quarter[0] + timedelta(days=n) <= february_quarter[1]
    )
    await make_deal(rep, "提案", title="四月起点の四半期", amount_jpy="100000", expected_close_date=inside.isoformat())
    f = DealFilter(period="this_quarter")
    assert column(await board.board(db, rep, f), "提案").count == 1

    await db.execute(update(SalesSettings).values(fiscal_year_start_month=2))
    await db.commit()

    assert column(await board.board(db, rep, f), "提案").count == 0


async def test_the_board_filtered_to_one_rep_reads_their_cards_and_totals_off_indexes_of_their_own(
    db, manager, rep, make_deal
):
    await make_deal(rep, "提案", forecast="B")
    filtered = DealFilter(owner_id=rep.id, forecast="B")  # the weekly meeting's view of one rep
    off = ("enable_sort = off", "enable_seqscan = off")  # PostgreSQL would scan a test's few rows

    cards = await plan(db, "deals.board_rank, deals.id", lambda: board.board(db, manager, filtered), settings=off)
    totals = await plan(db, "deals.probability IS NULL", lambda: board.board(db, manager, filtered), settings=off)

    # each column walks the rep's deals in rank order, not every deal of the column skipping the others'
    walks = [line for line in cards.splitlines() if "ix_deals_owner_id_stage_id_board_rank" in line]
    assert len(walks) == 5 and "ix_deals_stage_id_board_rank" not in cards, cards
    if db.bind.dialect.name == "sqlite":  # (PostgreSQL's pick for a test's few rows says nothing: either index)
        assert "COVERING INDEX ix_deals_stage_owner_forecast_totals" in totals, totals  # the ヨミ filter too

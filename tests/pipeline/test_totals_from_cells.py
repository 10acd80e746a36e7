"""The board's column figures and the deal list's header, read from the forecast's cells when the filter chooses
owners only (cells.stage_sums), are the very sums of the matching deals, for every kind of viewer; and they do
not read the deals, so they cost the same at 10,000 deals as at 50,000."""

import re
from dataclasses import replace
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select, update

from salesdesk.pipeline import board, cells, listing
from salesdesk.pipeline.filters import DealFilter, conditions
from salesdesk.pipeline.models import Deal, LostReason, Stage
from tests.pipeline.test_forecast import move, win
from tests.plans import plan


@pytest.fixture
async def deals(db, rep, other_rep, manager, make_deal, stage):
    """Deals of both teams and nobody's, with and without amounts, with a probability of their own, won and lost."""
    await make_deal(rep, "提案", amount_jpy="1000000", expected_close_date="2026-09-15", forecast="B")
    await make_deal(rep, "提案", amount_jpy="330000", probability="35")
    await make_deal(rep, "見積提出", amount_jpy="500000", expected_close_date="2026-10-01", probability="90")
    await make_deal(rep, "リード")  # no amount
    won = await make_deal(rep, "交渉", amount_jpy="2400000", expected_close_date="2026-09-30")
    await win(db, rep, won, stage, "2026-09-30")
    await make_deal(manager, "商談化", amount_jpy="777777", expected_close_date="2027-01-31")
    await make_deal(other_rep, "提案", amount_jpy="150000")
    lost = await make_deal(other_rep, "見積提出", amount_jpy="90000", expected_close_date="2026-11-30")
    reason = await db.scalar(select(LostReason).where(LostReason.name == "価格"))
    await move(db, other_rep, lost, stage("失注"), lost_reason_id=str(reason.id))
    nobodys = await make_deal(manager, "交渉", amount_jpy="640000", expected_close_date="2026-12-25", probability="70")
    await db.execute(update(Deal).where(Deal.id == nobodys.id).values(owner_id=None))  # its owner left
    await db.commit()


def _filters(rep, other_rep, team_east) -> list[DealFilter]:
    return [
        DealFilter(),
        DealFilter(owner_id=rep.id),
        DealFilter(owner_id=other_rep.id),  # not the rep's nor the manager's to see: nothing
        DealFilter(team_id=team_east.id),
        DealFilter(status="won"),  # on the board: open columns with no deal in them
    ]


async def _from_deals(db, actor, f: DealFilter, stages: list[Stage]) -> list[tuple[Stage, int, int, int, int]]:
    """Per stage: the matching deals' count, amount, amount without a probability of their own, Σ amount × own."""
    where = conditions(actor, f, stages, now=datetime.now(UTC), today=date.today(), fy_start_month=4)
    by_id = {s.id: s for s in stages}
    rows = await db.execute(board.deal_sums(where, list(by_id)))
    return [
        (by_id[stage_id], count, int(total or 0), int(odds or 0), int(own or 0))
        for stage_id, count, total, odds, own in rows
    ]


async def test_the_boards_columns_from_the_cells_are_the_deals_sums(
    db, deals, rep, other_rep, manager, admin, team_east, pipeline
):
    open_stages = [s for s in pipeline.stages if s.is_open]
    for actor in (rep, manager, admin, other_rep):
        for f in _filters(rep, other_rep, team_east):
            assert cells.answers(f)
            ctx = await board.context(db, actor, f, pipeline.stages)

            from_cells = await board.column_totals(db, ctx, open_stages)

            assert from_cells == {
                s.id: (count, total, board.weighted(s.probability * odds + own))
                for s, count, total, odds, own in await _from_deals(db, actor, f, open_stages)
            }, (actor.email, f)
    everything = await board.column_totals(db, await board.context(db, admin, DealFilter(), []), open_stages)
    assert sum(count for count, _, _ in everything.values()) == 7  # every open deal, nobody's too


async def test_the_deal_lists_header_from_the_cells_is_the_deals_sums(
    db, deals, rep, other_rep, manager, admin, team_east, pipeline
):
    for actor in (rep, manager, admin, other_rep):
        for f in _filters(rep, other_rep, team_east):
            for status in ("open", "won", "lost", "all"):
                chosen = replace(f, status=status)

                totals = (await listing.list_deals(db, actor, chosen)).totals

                sums = await _from_deals(db, actor, chosen, list(pipeline.stages))
                assert (totals.count, totals.total_jpy, totals.weighted_jpy) == (
                    sum(count for _, count, _, _, _ in sums),
                    sum(total for _, _, total, _, _ in sums),
                    board.weighted(sum(s.probability * odds + own for s, _, _, odds, own in sums)),  # rounded once
                ), (actor.email, chosen)


async def test_the_default_board_and_list_sum_cells_not_deals(db, deals, rep):
    for action in (lambda: board.board(db, rep, DealFilter()), lambda: listing.list_deals(db, rep, DealFilter())):
        found = await plan(db, "sum(forecast_cells.deals)", action)

        assert not re.search(r"\b(on|SCAN|SEARCH) deals\b", found), found
        if db.bind.dialect.name == "sqlite":
            assert "SEARCH forecast_cells USING PRIMARY KEY (stage_id=?)" in found, found


async def test_a_filter_on_the_deals_themselves_sums_the_deals(db, deals, rep, pipeline):
    for f in (
        DealFilter(forecast="B"),
        DealFilter(period="this_fy"),
        DealFilter(stale="idle"),
        DealFilter(company="x"),
    ):
        assert not cells.answers(f)
    ctx = await board.context(db, rep, DealFilter(forecast="B"), pipeline.stages)
    open_stages = [s for s in pipeline.stages if s.is_open]

    assert await board.column_totals(db, ctx, open_stages) == {
        s.id: (1, 1_000_000, 400_000) for s in open_stages if s.name == "提案"
    }

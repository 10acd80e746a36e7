"""forecast_cells and funnel_cells (kept by triggers on deals, migration 0022) hold, after any write, the
very sums the deals as they are give: through the services, and through plain SQL that no service sees
(a bulk reassignment, a user's deletion setting owners to NULL, a deal's deletion)."""

import asyncio
import re
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import delete, select, update

from salesdesk.clock import Clock
from salesdesk.pipeline import cells, forecast, services
from salesdesk.pipeline.funnel import utc_months
from salesdesk.pipeline.models import Deal, DealEvent, ForecastCell, FunnelCell, LostReason, Pipeline, Stage
from tests.auth.conftest import browsers, try_login
from tests.conftest import PASSWORD
from tests.pipeline.conftest import edited, reload
from tests.pipeline.test_forecast import move, win
from tests.plans import plan


def _ym(day: date | datetime | None) -> int:
    return day.year * 100 + day.month if day is not None else 0


async def _expected(db) -> tuple[dict, dict]:
    """The cells as the deals give them, figures summed from each deal here in Python."""
    forecast_sums: dict[tuple, list[int]] = defaultdict(lambda: [0] * 7)
    funnel_sums: dict[tuple, int] = defaultdict(int)
    columns = (Deal.pipeline_id, Deal.stage_id, Deal.owner_id, Deal.expected_close_date, Deal.won_on)
    rows = await db.execute(
        select(*columns, Deal.amount_jpy, Deal.probability, Deal.forecast, Deal.created_at, Deal.stages_entered)
    )
    for pipeline_id, stage_id, owner, close, won_on, amount, probability, rank, created, entered in rows:
        amount, owner = amount or 0, owner or 0
        close_sums = forecast_sums[(stage_id, owner, "close", _ym(close))]
        figures = (1, amount, amount if probability is None else 0, amount * (probability or 0))
        for n, value in enumerate((*figures, *(amount if rank == r else 0 for r in "ABC"))):
            close_sums[n] += value
        if won_on is not None:
            won_sums = forecast_sums[(stage_id, owner, "won", _ym(won_on))]
            won_sums[0], won_sums[1] = won_sums[0] + 1, won_sums[1] + amount
        created_utc = created.astimezone(UTC)
        funnel_sums[(pipeline_id, owner, _ym(created_utc), frozenset(entered.strip(",").split(",")), stage_id)] += 1
    return {k: v for k, v in forecast_sums.items()}, dict(funnel_sums)


async def _kept(db) -> tuple[dict, dict]:
    cell = ForecastCell
    figures = (cell.deals, cell.amount_jpy, cell.stage_odds_jpy, cell.own_odds, cell.a_jpy, cell.b_jpy, cell.c_jpy)
    kept_forecast = {
        (stage_id, owner, kind, month): list(sums)
        for stage_id, owner, kind, month, *sums in await db.execute(
            select(cell.stage_id, cell.owner_key, cell.kind, cell.month, *figures).where(cell.deals != 0)
        )
    }
    kept_funnel: dict[tuple, int] = defaultdict(int)
    f = FunnelCell
    for pipeline_id, owner, month, entered, stage_id, deals in await db.execute(
        select(f.pipeline_id, f.owner_key, f.month, f.entered, f.stage_id, f.deals).where(f.deals != 0)
    ):
        kept_funnel[(pipeline_id, owner, month, frozenset(entered.strip(",").split(",")), stage_id)] += deals
    return kept_forecast, dict(kept_funnel)


async def assert_cells_hold_the_deals(db) -> None:
    assert await _kept(db) == await _expected(db)
    # Every stage a deal's history names, and its stage now, is among the stages it entered.
    events = await db.execute(select(DealEvent.deal_id, DealEvent.new_value).where(DealEvent.field == "stage_id"))
    named = defaultdict(set)
    for deal_id, value in events:
        if value:
            named[deal_id].add(value)
    for deal_id, stage_id, entered in await db.execute(select(Deal.id, Deal.stage_id, Deal.stages_entered)):
        assert named[deal_id] | {str(stage_id)} <= set(entered.strip(",").split(",")), (deal_id, entered)


async def test_the_cells_hold_the_deals_through_every_kind_of_change(
    db, rep, other_rep, manager, make_user, make_deal, stage, pipeline
):
    clock = Clock.of(rep)
    proposal = await make_deal(rep, "提案", amount_jpy="1000000", expected_close_date="2026-09-15", forecast="B")
    odds = await make_deal(rep, "見積提出", amount_jpy="500000", expected_close_date="2026-10-01", probability="90")
    undated = await make_deal(other_rep, "リード", amount_jpy="300000")
    nothing = await make_deal(manager, "商談化")
    await assert_cells_hold_the_deals(db)

    proposal = await move(db, rep, proposal, stage("交渉"))
    await win(db, rep, odds, stage, "2026-09-30")
    reason = await db.scalar(select(LostReason).where(LostReason.name == "価格"))
    await move(db, other_rep, undated, stage("失注"), lost_reason_id=str(reason.id))
    await assert_cells_hold_the_deals(db)

    proposal = await move(db, rep, proposal, stage("提案"))  # back: 交渉 stays among the stages entered
    changes = {"amount_jpy": "2000000", "expected_close_date": "2027-01-20", "forecast": "A", "probability": "40"}
    await services.update_deal(db, manager, clock, proposal.id, edited(proposal, owner_id=str(manager.id), **changes))
    await db.commit()
    await assert_cells_hold_the_deals(db)

    # Plain SQL that no service sees: a bulk reassignment, an owner deleted (owner_id SET NULL), a deal deleted.
    await db.execute(update(Deal).where(Deal.owner_id == manager.id).values(owner_id=rep.id))
    await db.execute(update(Deal).where(Deal.id == odds.id).values(amount_jpy=600_000))  # a won deal's amount
    leaver = await make_user()
    leavers = await make_deal(leaver, "提案", amount_jpy="700000", expected_close_date="2026-12-01")
    await db.execute(update(Deal).where(Deal.id == leavers.id).values(owner_id=None))
    await db.execute(delete(Deal).where(Deal.id == nothing.id))
    # History written as the demo and the benchmark's data write it: a stage the deal's row never held.
    db.add(DealEvent(deal_id=undated.id, change_set="seed", field="stage_id", new_value=str(stage("見積提出").id)))
    await db.commit()
    await assert_cells_hold_the_deals(db)

    # A deal moved to another pipeline's stage, and one deleted through the service.
    other = Pipeline(name="保守更新", position=9)
    other.stages = [Stage(name="更新提案", kind="open", position=0, probability=50)]
    db.add(other)
    await db.flush()
    await db.execute(
        update(Deal).where(Deal.id == proposal.id).values(pipeline_id=other.id, stage_id=other.stages[0].id)
    )
    await db.commit()
    leavers = await reload(db, leavers)
    await services.delete_deal(db, manager, clock, leavers.id, seen_version=leavers.version)
    await db.commit()
    await assert_cells_hold_the_deals(db)


async def test_a_rebuild_puts_right_cells_a_load_with_triggers_off_left_behind(db, rep, manager, make_deal, stage):
    """As after `session_replication_role = replica`: cells and stages entered that miss the deals' writes."""
    deal = await make_deal(rep, "提案", amount_jpy="1000000", expected_close_date="2026-09-15", forecast="B")
    await move(db, rep, deal, stage("交渉"))
    won = await make_deal(manager, "見積提出", amount_jpy="500000", expected_close_date="2026-09-30")
    await win(db, manager, won, stage, "2026-09-30")
    await db.execute(delete(ForecastCell).where(ForecastCell.kind == "won"))
    await db.execute(update(FunnelCell).values(deals=FunnelCell.deals + 3))
    await db.execute(update(Deal).values(stages_entered=","))
    await db.commit()
    assert await _kept(db) != await _expected(db)

    counts = await cells.rebuild(db)
    await db.commit()

    await assert_cells_hold_the_deals(db)
    assert counts == tuple(len(kept) for kept in await _kept(db))


async def test_simultaneous_moves_of_one_reps_deals_leave_every_cell_right(app, db, rep, make_deal, stage):
    """Ten card moves at once, every one between the same two cells (one owner, one close month), half of
    them each way: each is saved (200), and the cells they all update add up to the deals after."""
    deals = [await make_deal(rep, "提案" if n % 2 else "商談化", expected_close_date="2026-10-01") for n in range(10)]
    targets = [stage("商談化" if n % 2 else "提案").id for n in range(10)]
    moves = [(d.id, d.version, target) for d, target in zip(deals, targets, strict=True)]

    async with browsers(app) as open_browser:
        clients = [await open_browser(f"10.0.1.{n + 1}") for n in range(len(moves))]
        for client in clients:
            assert (await try_login(client, rep.email, PASSWORD)).status_code == 303
        responses = await asyncio.gather(
            *(
                client.post(
                    f"/deals/{deal_id}/move",
                    data={"stage_id": str(target), "version": str(version), "after_id": "", "before_id": ""},
                    headers={"X-CSRFToken": client.cookies["csrftoken"], "HX-Request": "true"},
                )
                for client, (deal_id, version, target) in zip(clients, moves, strict=True)
            )
        )

    assert [r.status_code for r in responses] == [200] * len(moves), [r.text[:300] for r in responses]
    await assert_cells_hold_the_deals(db)


async def test_the_forecast_reads_its_cells_not_the_deals(db, manager, rep, make_deal):
    """The open and won cells are read off forecast_cells by stage (the key's first column)."""
    await make_deal(rep, "提案", amount_jpy="100000", expected_close_date=date.today().isoformat())

    found = await plan(db, "forecast_cells.c_jpy", lambda: forecast.forecast(db, manager))  # the open cells
    found += await plan(db, "forecast_cells.amount_jpy \nFROM", lambda: forecast.forecast(db, manager))  # won

    assert not re.search(r"\b(on|SCAN|SEARCH) deals\b", found), found  # no step reads the deals table
    if db.bind.dialect.name == "sqlite":
        assert found.count("SEARCH forecast_cells USING PRIMARY KEY (stage_id=?") == 2, found


async def test_the_funnel_reads_the_deals_of_the_months_a_year_cuts_off_one_covering_index(db, manager, rep, make_deal):
    """A Tokyo year starts at 15:00 UTC: the deals created in the cut months' parts are read one by one."""
    await make_deal(rep, "提案")

    found = await plan(db, "stages_entered", lambda: forecast.forecast(db, manager))

    assert "funnel_cells" in found or db.bind.dialect.name == "postgresql", found
    if db.bind.dialect.name == "sqlite":
        assert "COVERING INDEX ix_deals_pipeline_created_cohort (pipeline_id=? AND created_at>? AND created_at<?)" in (
            found
        ), found
    else:  # PostgreSQL plans by its statistics, which a test's few rows do not have: the index is there to take
        names = await (await db.connection()).exec_driver_sql(
            "SELECT indexname FROM pg_indexes WHERE tablename = 'deals'"
        )
        assert "ix_deals_pipeline_created_cohort" in set(names.scalars()), found


async def test_a_tokyo_year_counts_the_deals_created_after_its_first_local_midnight(db, manager, rep, make_deal):
    """2026-04-01 00:00 in Tokyo is 2026-03-31 15:00 UTC: a deal created an hour after it is in FY2026's
    funnel (read from the deals, as the UTC month is cut), one an hour before it in FY2025's; and those of
    the whole UTC months in between come from the cells."""
    times = {
        "FY2025 最終日": datetime(2026, 3, 31, 14, tzinfo=UTC),
        "FY2026 初日": datetime(2026, 3, 31, 16, tzinfo=UTC),
        "FY2026 5月": datetime(2026, 5, 20, 3, tzinfo=UTC),
        "FY2026 最終月": datetime(2027, 3, 31, 14, tzinfo=UTC),
        "FY2027 初日": datetime(2027, 3, 31, 15, tzinfo=UTC),
    }
    for title, created in times.items():
        deal = await make_deal(rep, "提案", title=title)
        await db.execute(update(Deal).where(Deal.id == deal.id).values(created_at=created))
    await db.commit()

    deals = {fy: (await forecast.forecast(db, manager, fy=fy)).funnel.deals for fy in (2025, 2026, 2027)}

    assert deals == {2025: 1, 2026: 3, 2027: 1}


def test_a_tokyo_year_is_read_from_its_whole_utc_months_and_the_deals_of_the_cut_ones():
    start = datetime(2026, 3, 31, 15, tzinfo=UTC)  # 2026-04-01 00:00 in Tokyo
    end = datetime(2027, 3, 31, 15, tzinfo=UTC)

    # Cells of April 2026 to February 2027; the deals of 2026-03-31 15:00Z on and of March 2027 before 15:00Z.
    assert utc_months(start, end) == (date(2026, 4, 1), date(2027, 2, 1))
    assert utc_months(datetime(2026, 4, 1, tzinfo=UTC), datetime(2027, 4, 1, tzinfo=UTC)) == (
        date(2026, 4, 1),
        date(2027, 3, 1),
    )
    assert utc_months(start, start + timedelta(days=20)) is None

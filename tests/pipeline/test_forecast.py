"""The forecast: the open pipeline by expected close month and quarter of the fiscal year, weighted in
exact integer yen, beside what was won each month; per owner and team; and the stage funnel."""

from datetime import date

from sqlalchemy import select

from salesdesk.clock import Clock
from salesdesk.pipeline import forecast, moves
from salesdesk.pipeline.forms import MoveForm, parse_move
from salesdesk.pipeline.models import LostReason, SalesSettings
from tests.pipeline.conftest import reload

JUNE_2026 = date(2026, 6, 1)  # in FY2026 of an April year (2026-04-01 … 2027-03-31)


async def move(db, actor, deal, stage, **values):
    deal = await reload(db, deal)
    await moves.move_deal(
        db,
        actor,
        Clock.of(actor),
        deal.id,
        parse_move(MoveForm(stage_id=str(stage.id), version=deal.version, **values)),
    )
    await db.commit()
    return await reload(db, deal)


async def win(db, actor, deal, stage, on):
    return await move(db, actor, deal, stage("受注"), closed_on=on)


async def set_fiscal_start(db, month):
    settings = await db.scalar(select(SalesSettings))
    settings.fiscal_year_start_month = month
    await db.commit()


async def test_manager_sees_open_deals_in_their_close_month_and_quarter_of_an_april_year(db, rep, manager, make_deal):
    for close in ("2026-04-15", "2026-07-01", "2027-03-31", "2027-04-01", "2026-03-31"):
        await make_deal(rep, "提案", amount_jpy="100000", expected_close_date=close)
    await make_deal(rep, "提案", amount_jpy="70000", title="日付なし")

    result = await forecast.forecast(db, manager, fy=2026, today=JUNE_2026)

    assert result.months[0] == date(2026, 4, 1) and result.months[-1] == date(2027, 3, 1)
    assert [f.raw_jpy for f in result.by_month] == [100_000, 0, 0, 100_000] + [0] * 7 + [100_000]
    assert [q.raw_jpy for q in result.quarters] == [100_000, 100_000, 0, 100_000]
    assert (result.year.count, result.year.raw_jpy) == (3, 300_000)  # next year's and last year's are not in it
    assert (result.undated.count, result.undated.raw_jpy) == (1, 70_000)
    assert [d.title for d in result.undated_deals] == ["日付なし"]


async def test_a_january_fiscal_year_runs_with_the_calendar_and_its_quarters_follow(db, rep, manager, make_deal):
    await set_fiscal_start(db, 1)
    await make_deal(rep, "提案", amount_jpy="100000", expected_close_date="2026-04-15")
    await make_deal(rep, "提案", amount_jpy="200000", expected_close_date="2027-01-10")

    result = await forecast.forecast(db, manager, today=JUNE_2026)

    assert (result.fy, result.first, result.last) == (2026, date(2026, 1, 1), date(2026, 12, 31))
    assert result.months[0] == date(2026, 1, 1) and result.months[3] == date(2026, 4, 1)
    assert [q.raw_jpy for q in result.quarters] == [0, 100_000, 0, 0]  # April is in 第2四半期
    assert result.year.raw_jpy == 100_000


async def test_weighted_totals_are_exact_integer_yen_rounded_once(db, rep, manager, make_deal):
    # 40% of 333,333 is 133,333.2 three times: 399,999.6 is 400,000 (rounding per deal would say 399,999).
    for _ in range(3):
        await make_deal(rep, "提案", amount_jpy="333333", expected_close_date="2026-05-20")
    await make_deal(rep, "提案", amount_jpy="1000001", probability="33", expected_close_date="2026-08-20")

    result = await forecast.forecast(db, manager, fy=2026, today=JUNE_2026)

    may = result.by_month[1]
    assert (may.count, may.raw_jpy, may.weighted_jpy) == (3, 999_999, 400_000)
    assert result.quarters[0].weighted_jpy == 400_000
    # (3 × 333,333 × 40 + 1,000,001 × 33) / 100 = 729,999.93, rounded once for the year
    assert result.year.weighted_jpy == 730_000
    assert isinstance(result.year.weighted_jpy, int) and isinstance(result.year.raw_jpy, int)


async def test_won_amounts_count_in_the_month_they_were_won_not_in_the_open_pipeline(
    db, rep, manager, make_deal, stage
):
    deal = await make_deal(rep, "交渉", amount_jpy="500000", expected_close_date="2026-09-30")
    await win(db, rep, deal, stage, "2026-05-20")
    await make_deal(rep, "交渉", amount_jpy="300000", expected_close_date="2026-05-31")

    result = await forecast.forecast(db, manager, fy=2026, today=JUNE_2026)

    may, september = result.by_month[1], result.by_month[5]
    assert (may.won_count, may.won_jpy, may.raw_jpy, may.weighted_jpy) == (1, 500_000, 300_000, 240_000)
    assert (september.won_jpy, september.raw_jpy) == (0, 0)
    assert result.year.landing_jpy == 740_000  # won plus weighted open


async def test_admin_sees_the_figures_per_owner_and_per_team(db, admin, rep, manager, other_rep, make_deal, stage):
    await make_deal(rep, "提案", amount_jpy="100000", expected_close_date="2026-04-10")
    await make_deal(manager, "提案", amount_jpy="200000", expected_close_date="2026-10-10")
    won = await make_deal(other_rep, "交渉", amount_jpy="400000", expected_close_date="2026-07-10")
    await win(db, other_rep, won, stage, "2026-07-05")

    result = await forecast.forecast(db, admin, fy=2026, today=JUNE_2026)

    owners = {row.name: row for row in result.owners}
    assert [q.raw_jpy for q in owners[rep.name].quarters] == [100_000, 0, 0, 0]
    assert [q.raw_jpy for q in owners[manager.name].quarters] == [0, 0, 200_000, 0]
    assert owners[other_rep.name].year.won_jpy == 400_000
    teams = {row.name: row.year for row in result.teams}
    assert (teams["東日本営業部"].raw_jpy, teams["東日本営業部"].weighted_jpy) == (300_000, 120_000)
    assert (teams["西日本営業部"].won_jpy, teams["西日本営業部"].raw_jpy) == (400_000, 0)


async def test_the_owner_and_team_filters_narrow_every_figure(db, admin, rep, manager, other_rep, make_deal):
    await make_deal(rep, "提案", amount_jpy="100000", expected_close_date="2026-04-10")
    await make_deal(manager, "提案", amount_jpy="200000", expected_close_date="2026-04-10")
    await make_deal(other_rep, "提案", amount_jpy="400000", expected_close_date="2026-04-10")

    by_owner = await forecast.forecast(db, admin, fy=2026, owner_id=rep.id, today=JUNE_2026)
    by_team = await forecast.forecast(db, admin, fy=2026, team_id=other_rep.team_id, today=JUNE_2026)

    assert by_owner.year.raw_jpy == 100_000 and [o.name for o in by_owner.owners] == [rep.name]
    assert by_team.year.raw_jpy == 400_000


async def test_a_rep_is_not_shown_deals_of_another_team(db, rep, other_rep, make_deal, stage):
    await make_deal(rep, "提案", amount_jpy="100000", expected_close_date="2026-04-10")
    hidden = await make_deal(other_rep, "交渉", amount_jpy="900000", expected_close_date="2026-04-10")
    await win(db, other_rep, hidden, stage, "2026-04-12")
    await make_deal(other_rep, "提案", amount_jpy="800000")

    result = await forecast.forecast(db, rep, fy=2026, today=JUNE_2026)

    assert (result.year.raw_jpy, result.year.won_jpy, result.undated.count) == (100_000, 0, 0)
    assert [o.name for o in result.owners] == [rep.name]
    assert result.funnel.deals == 1


async def test_the_funnel_counts_every_stage_a_deal_passed_and_the_win_rate(db, manager, rep, make_deal, stage):
    reason = await db.scalar(select(LostReason).where(LostReason.name == "価格"))
    await make_deal(rep, "リード", title="リードのまま")
    lost = await make_deal(rep, "リード", title="商談化して失注")
    lost = await move(db, rep, lost, stage("商談化"))
    await move(db, rep, lost, stage("失注"), lost_reason_id=str(reason.id))
    back = await make_deal(rep, "交渉", amount_jpy="100000", expected_close_date="2026-09-01", title="交渉から戻した")
    await move(db, rep, back, stage("提案"))
    won = await make_deal(rep, "見積提出", amount_jpy="100000", expected_close_date="2026-09-01", title="受注")
    await win(db, rep, won, stage, "2026-06-01")

    result = await forecast.forecast(db, manager, today=date.today(), cohort="all")

    steps = {step.stage.name: step for step in result.funnel.steps}
    assert [(name, s.reached) for name, s in steps.items()] == [
        ("リード", 4),
        ("商談化", 3),
        ("提案", 2),
        ("見積提出", 2),
        ("交渉", 2),
        ("受注", 1),
    ]
    assert steps["商談化"].conversion == 75.0 and steps["受注"].conversion == 50.0
    assert steps["受注"].of_first == 25.0
    assert (result.funnel.won, result.funnel.lost, result.funnel.win_rate) == (1, 1, 50.0)


async def test_the_funnel_of_the_year_takes_only_the_deals_created_in_it(db, manager, rep, make_deal):
    await make_deal(rep, "提案")

    this_year = await forecast.forecast(db, manager)
    last_year = await forecast.forecast(db, manager, fy=this_year.fy - 1)

    assert this_year.funnel.deals == 1 and this_year.funnel.steps[0].reached == 1
    assert last_year.funnel.deals == 0 and last_year.funnel.win_rate is None

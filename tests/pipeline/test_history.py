"""A deal's history: every change of stage, amount, expected close date, ヨミ (with its reason),
probability and owner is a row with who, when, from and to; the time spent in each stage comes
from those rows; the deal's timeline shows them as people read them."""

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select, update

from salesdesk.clock import Clock
from salesdesk.db import utcnow
from salesdesk.errors import Invalid
from salesdesk.pipeline import deal_page, history, moves, services
from salesdesk.pipeline.forms import MoveForm, parse_deal, parse_move
from salesdesk.pipeline.models import DealEvent
from tests.pipeline.conftest import deal_form, reload


async def events_of(db, deal, field):
    return list(
        await db.scalars(
            select(DealEvent)
            .where(DealEvent.deal_id == deal.id, DealEvent.field == field)
            .order_by(DealEvent.at, DealEvent.id)
        )
    )


@pytest.fixture
async def teammate(make_user, team_east):
    return await make_user("rep", team_east, name="同僚 一郎")


@pytest.mark.parametrize(
    ("field", "changes", "old", "new"),
    [
        ("amount_jpy", {"amount_jpy": "1,500,000"}, "1000000", "1500000"),
        ("expected_close_date", {"expected_close_date": "令和9年3月31日"}, "2027-01-31", "2027-03-31"),
        ("probability", {"probability": "70"}, None, "70"),
        ("forecast", {"forecast": "A"}, "B", "A"),
    ],
)
async def test_a_managers_edit_of_a_tracked_field_leaves_a_row_with_who_when_from_and_to(
    db, rep, manager, make_deal, field, changes, old, new, clock
):
    deal = await make_deal(rep, "提案", amount_jpy="1000000", expected_close_date="2027-01-31", forecast="B")
    before = utcnow()

    await services.update_deal(db, manager, clock, deal.id, parse_deal(deal_form(deal, **changes)))
    await db.commit()

    [event] = await events_of(db, deal, field)
    assert (event.actor_id, event.old_value, event.new_value) == (manager.id, old, new)
    assert before <= event.at <= utcnow()


async def test_a_stage_change_is_recorded_from_the_first_stage_on(db, rep, make_deal, stage, clock):
    deal = await make_deal(rep, "リード")

    await moves.move_deal(
        db, rep, clock, deal.id, parse_move(MoveForm(stage_id=str(stage("商談化").id), version=deal.version))
    )
    await db.commit()

    created, moved = await events_of(db, deal, "stage_id")
    assert (created.old_value, created.new_value) == (None, str(stage("リード").id))
    assert (moved.actor_id, moved.old_value, moved.new_value) == (
        rep.id,
        str(stage("リード").id),
        str(stage("商談化").id),
    )


async def test_handing_a_deal_to_a_teammate_records_the_owner_change(db, rep, manager, teammate, make_deal, clock):
    deal = await make_deal(rep, "提案")

    await services.update_deal(db, manager, clock, deal.id, parse_deal(deal_form(deal, owner_id=str(teammate.id))))
    await db.commit()

    [event] = await events_of(db, deal, "owner_id")
    assert (event.actor_id, event.old_value, event.new_value) == (manager.id, str(rep.id), str(teammate.id))


async def test_lowering_the_forecast_keeps_the_reason_with_the_change(db, rep, make_deal):
    deal = await make_deal(rep, "提案", forecast="A")

    await services.set_forecast(db, rep, deal.id, forecast="C", reason="決裁者が異動", seen_version=deal.version)
    await db.commit()

    [event] = await events_of(db, deal, "forecast")
    assert (event.old_value, event.new_value, event.note) == ("A", "C", "決裁者が異動")


async def test_lowering_the_forecast_without_a_reason_is_refused_and_nothing_is_recorded(db, rep, make_deal, clock):
    deal = await make_deal(rep, "提案", forecast="A")

    with pytest.raises(Invalid) as error:
        await services.set_forecast(db, rep, deal.id, forecast="B", reason="  ", seen_version=deal.version)
    with pytest.raises(Invalid) as by_form:
        await services.update_deal(db, rep, clock, deal.id, parse_deal(deal_form(deal, forecast="C")))

    assert error.value.errors == {"forecast_reason": "forecast.reason_required"}
    assert by_form.value.errors == {"forecast_reason": "forecast.reason_required"}
    await db.rollback()
    assert (await reload(db, deal)).forecast == "A" and not await events_of(db, deal, "forecast")


async def test_raising_the_forecast_needs_no_reason(db, rep, make_deal, clock):
    deal = await make_deal(rep, "提案", forecast="C")

    await services.set_forecast(db, rep, deal.id, forecast="B", reason="", seen_version=deal.version)
    await db.commit()

    assert (await reload(db, deal)).forecast == "B"


# --- time in stage -------------------------------------------------------------------------


async def backdate(db, deal, *days_ago: int) -> None:
    """Put the deal's stage events (oldest first) the given number of days in the past."""
    for event, days in zip(await events_of(db, deal, "stage_id"), days_ago, strict=True):
        await db.execute(update(DealEvent).where(DealEvent.id == event.id).values(at=utcnow() - timedelta(days=days)))
    await db.commit()


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


async def test_time_in_each_stage_is_counted_from_the_moves_and_summed_over_visits(db, rep, make_deal, stage, pipeline):
    deal = await make_deal(rep, "リード")
    for name in ("商談化", "リード", "商談化"):
        deal = await move(db, rep, deal, stage(name))
    await backdate(db, deal, 20, 15, 12, 10)  # リード 5 days, 商談化 3, リード 2, 商談化 10 until now

    spent = history.time_in_stages(await history.events(db, deal.id), pipeline.stages, deal=deal)

    assert {t.stage.name: t.days for t in spent} == {"リード": 7, "商談化": 13}
    assert [t.stage.name for t in spent if t.current] == ["商談化"]


async def test_a_closed_deals_clock_stops_when_it_was_won(db, rep, make_deal, stage, pipeline):
    deal = await make_deal(rep, "交渉", amount_jpy="500000", expected_close_date="2027-01-31")
    deal = await move(db, rep, deal, stage("受注"))
    await backdate(db, deal, 30, 10)

    spent = history.time_in_stages(await history.events(db, deal.id), pipeline.stages, deal=deal)

    assert [(t.stage.name, t.days, t.current) for t in spent] == [("交渉", 20, False)]


async def test_the_deal_page_shows_the_days_spent_in_each_stage(db, login, rep, make_deal, stage):
    deal = await make_deal(rep, "リード")
    deal = await move(db, rep, deal, stage("提案"))
    await backdate(db, deal, 9, 4)
    client = await login(rep)

    r = await client.get(f"/deals/{deal.id}")

    progress = r.text[r.text.index('class="stage-progress"') : r.text.index("</nav>", r.text.index("stage-progress"))]
    assert "5日" in progress and "現在 · 4日" in progress
    assert "スキップ" not in progress  # 商談化 was passed over by an open deal: shown as passed


# --- the timeline ---------------------------------------------------------------------------


async def test_the_timeline_shows_each_change_with_names_yen_dates_and_the_reason(
    db, login, rep, manager, teammate, make_deal, stage, clock
):
    deal = await make_deal(rep, "提案", amount_jpy="1000000", forecast="A", expected_close_date="2027-01-31")
    deal = await move(db, rep, deal, stage("見積提出"))
    await services.set_forecast(
        db, rep, deal.id, forecast="B", reason="予算確定が来月にずれた", seen_version=deal.version
    )
    await db.commit()
    deal = await reload(db, deal)
    await services.update_deal(
        db,
        manager,
        clock,
        deal.id,
        parse_deal(deal_form(deal, amount_jpy="1200000", expected_close_date="2027-02-28", owner_id=str(teammate.id))),
    )
    await db.commit()
    client = await login(manager)

    r = await client.get(f"/deals/{deal.id}")

    timeline = r.text[r.text.index('id="deal-timeline-items"') :]
    assert "ステージ</span>: 提案 → <strong>見積提出</strong>" in timeline
    assert "金額</span>: ¥1,000,000 → <strong>¥1,200,000</strong>" in timeline
    assert "受注予定日</span>: 2027/01/31(日) → <strong>2027/02/28(日)</strong>" in timeline
    assert "担当営業</span>: 鈴木 美咲 → <strong>同僚 一郎</strong>" in timeline
    assert "ヨミ</span>: A → <strong>B</strong>" in timeline and "予算確定が来月にずれた" in timeline
    assert "案件を作成(提案)" in timeline
    # one save, one entry: the manager's three changes are listed together
    entries = timeline.split('<li class="tl-item')
    [managers] = [e for e in entries if "¥1,200,000" in e]
    assert "同僚 一郎" in managers and "2027/02/28" in managers and "佐藤 健一" in managers


def test_change_entries_group_one_saves_events_and_keep_the_created_entry_apart():
    at = datetime(2026, 11, 1, 9, 0)
    events = [
        DealEvent(field="stage_id", old_value=None, new_value="1", actor_id=1, at=at),
        DealEvent(field="stage_id", old_value="1", new_value="2", actor_id=1, at=at + timedelta(hours=1)),
        DealEvent(
            field="probability", old_value="50", new_value=None, actor_id=1, at=at + timedelta(hours=1, microseconds=40)
        ),
        DealEvent(
            field="amount_jpy", old_value=None, new_value="300000", actor_id=2, at=at + timedelta(hours=1, seconds=1)
        ),
    ]

    entries = deal_page.change_entries(events)

    assert [(e.kind, [c.field for c in e.changes]) for e in entries] == [
        ("created", ["stage_id"]),
        ("change", ["stage_id", "probability"]),
        ("change", ["amount_jpy"]),
    ]
    assert entries[2].changes[0].new == 300_000 and entries[0].changes[0].new == 1
    assert deal_page.typed("expected_close_date", "2027-03-31") == date(2027, 3, 31)

"""Closing a deal from the board (issue 11): 受注 asks for the won date and the amount, closing
offers to close the deal's open tasks in the same step, an undo or a reopening puts it back in an
open stage through the same move (both in the history)."""

from datetime import date, timedelta

from sqlalchemy import select

from salesdesk.pipeline import moves
from salesdesk.pipeline.forms import MoveForm, parse_move
from salesdesk.pipeline.models import DealEvent, LostReason
from salesdesk.tasks.models import Task, TaskStatus
from tests.conftest import HTMX
from tests.pipeline.conftest import reload


async def tasks_of(db, deal):
    return {t.title: t.status for t in await db.scalars(select(Task).where(Task.deal_id == deal.id))}


async def test_the_board_asks_for_the_won_date_and_shows_the_amount_before_closing(login, rep, make_deal, stage):
    deal = await make_deal(rep, "交渉", amount_jpy="800000", expected_close_date="2027-01-20")
    client = await login(rep)

    r = await client.get(f"/deals/{deal.id}/move?stage_id={stage('受注').id}", headers=HTMX)

    assert r.status_code == 200 and "<html" not in r.text and 'id="move-dialog"' in r.text
    assert 'name="closed_on"' in r.text and 'name="amount_jpy" value="800000"' in r.text
    assert "受注日" in r.text


async def test_winning_with_a_date_and_a_corrected_amount_records_both(db, rep, make_deal, stage, clock):
    deal = await make_deal(rep, "交渉", amount_jpy="800000", expected_close_date="2027-01-20")

    await moves.move_deal(
        db,
        rep,
        clock,
        deal.id,
        parse_move(
            MoveForm(stage_id=str(stage("受注").id), version=deal.version, closed_on="2026-11-30", amount_jpy="750000")
        ),
    )
    await db.commit()

    saved = await reload(db, deal)
    assert (saved.won_on, saved.amount_jpy) == (date(2026, 11, 30), 750_000)


async def test_losing_a_deal_cancels_its_open_tasks_in_the_same_step(db, rep, make_deal, make_task, stage, clock):
    deal = await make_deal(rep, "提案")  # its next action: 電話でフォロー
    await make_task(rep, deal, title="期限切れの訪問", due_in_days=-3)
    reason = await db.scalar(select(LostReason).where(LostReason.name == "価格"))
    deal = await reload(db, deal)

    await moves.move_deal(
        db,
        rep,
        clock,
        deal.id,
        parse_move(
            MoveForm(
                stage_id=str(stage("失注").id), version=deal.version, lost_reason_id=str(reason.id), close_tasks="1"
            )
        ),
    )
    await db.commit()

    assert await tasks_of(db, deal) == {"電話でフォロー": TaskStatus.cancelled, "期限切れの訪問": TaskStatus.cancelled}


async def test_winning_a_deal_completes_its_open_tasks_when_asked_and_keeps_them_otherwise(
    db, rep, make_deal, stage, clock
):
    asked = await make_deal(rep, "交渉", title="片付ける", amount_jpy="100000", expected_close_date="2027-01-20")
    kept = await make_deal(rep, "交渉", title="残す", amount_jpy="100000", expected_close_date="2027-01-20")
    won = str(stage("受注").id)

    await moves.move_deal(
        db, rep, clock, asked.id, parse_move(MoveForm(stage_id=won, version=asked.version, close_tasks="1"))
    )
    await moves.move_deal(db, rep, clock, kept.id, parse_move(MoveForm(stage_id=won, version=kept.version)))
    await db.commit()

    assert await tasks_of(db, asked) == {"電話でフォロー": TaskStatus.done}
    assert await tasks_of(db, kept) == {"電話でフォロー": TaskStatus.open}


async def test_undoing_a_win_puts_the_deal_back_in_its_stage_and_the_history_has_both_moves(
    login, db, rep, make_deal, stage
):
    deal = await make_deal(rep, "交渉", amount_jpy="100000", expected_close_date="2027-01-20")
    client = await login(rep)
    won = await client.post(
        f"/deals/{deal.id}/move", data={"stage_id": stage("受注").id, "version": deal.version}, headers=HTMX
    )
    assert won.status_code == 200
    closed = await reload(db, deal)
    assert f'data-undo-stage="{stage("交渉").id}"' in won.text and f'data-undo-version="{closed.version}"' in won.text

    r = await client.post(
        f"/deals/{deal.id}/move", data={"stage_id": stage("交渉").id, "version": closed.version}, headers=HTMX
    )

    assert r.status_code == 200 and f'id="deal-{deal.id}"' in r.text
    saved = await reload(db, deal)
    assert (saved.stage_id, saved.won_on) == (stage("交渉").id, None)
    moves_seen = [
        (e.old_value, e.new_value)
        for e in await db.scalars(
            select(DealEvent).where(DealEvent.deal_id == deal.id, DealEvent.field == "stage_id").order_by(DealEvent.id)
        )
    ]
    assert moves_seen[-2:] == [
        (str(stage("交渉").id), str(stage("受注").id)),
        (str(stage("受注").id), str(stage("交渉").id)),
    ]


async def test_rep_reopens_a_lost_deal_from_its_page_into_the_stage_it_left(db, login, rep, make_deal, stage, clock):
    deal = await make_deal(rep, "提案")
    reason = await db.scalar(select(LostReason).where(LostReason.name == "価格"))
    await moves.move_deal(
        db,
        rep,
        clock,
        deal.id,
        parse_move(MoveForm(stage_id=str(stage("失注").id), version=deal.version, lost_reason_id=str(reason.id))),
    )
    await db.commit()
    lost = await reload(db, deal)
    client = await login(rep)
    page = await client.get(f"/deals/{deal.id}")
    assert f'action="/deals/{deal.id}/reopen"' in page.text
    assert f'<option value="{stage("提案").id}" selected' in page.text  # where it was before it closed

    r = await client.post(
        f"/deals/{deal.id}/reopen",
        data={
            "stage_id": stage("提案").id,
            "version": lost.version,
            "next_title": "再提案の電話",
            "next_due_on": (clock.today() + timedelta(days=2)).isoformat(),
        },
    )

    assert r.status_code == 303 and r.headers["location"] == f"/deals/{deal.id}"
    saved = await reload(db, deal)
    assert (saved.stage_id, saved.lost_on, saved.lost_reason_id) == (stage("提案").id, None, None)
    assert "再提案の電話" in await tasks_of(db, deal)

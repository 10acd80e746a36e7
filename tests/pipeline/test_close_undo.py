"""Undoing a close (the board's toast, or reopening from the deal's page) puts back the deal's open tasks
that the close completed (won) or cancelled (lost) — not a task finished before or after it (issue 11)."""

from sqlalchemy import select

from salesdesk.pipeline import moves
from salesdesk.pipeline.forms import MoveForm, parse_move
from salesdesk.pipeline.models import LostReason
from salesdesk.tasks import services as tasks
from salesdesk.tasks.forms import CompletionInput
from salesdesk.tasks.models import Task, TaskStatus
from tests.conftest import HTMX
from tests.pipeline.conftest import reload


async def tasks_of(db, deal):
    rows = await db.scalars(select(Task).where(Task.deal_id == deal.id).execution_options(populate_existing=True))
    return {t.title: t.status for t in rows}


async def test_undoing_a_loss_reopens_the_tasks_the_loss_cancelled_and_no_other(
    login, db, rep, make_deal, make_task, stage, clock
):
    deal = await make_deal(rep, "提案")  # its next action: 電話でフォロー
    earlier = await make_task(rep, deal, title="済んだ訪問")
    await tasks.complete_task(db, rep, clock, earlier.id, CompletionInput(seen_version=earlier.version))
    await make_task(rep, deal, title="期限切れの訪問", due_in_days=-3)
    reason = await db.scalar(select(LostReason).where(LostReason.name == "価格"))
    deal = await reload(db, deal)
    lost = MoveForm(
        stage_id=str(stage("失注").id), version=deal.version, lost_reason_id=str(reason.id), close_tasks="1"
    )
    await moves.move_deal(db, rep, clock, deal.id, parse_move(lost))
    await db.commit()
    closed = await reload(db, deal)
    client = await login(rep)

    r = await client.post(
        f"/deals/{deal.id}/move", data={"stage_id": stage("提案").id, "version": closed.version}, headers=HTMX
    )

    assert r.status_code == 200
    assert await tasks_of(db, deal) == {
        "電話でフォロー": TaskStatus.open,
        "期限切れの訪問": TaskStatus.open,
        "済んだ訪問": TaskStatus.done,
    }


async def test_undoing_a_win_reopens_its_next_action_which_a_required_next_action_accepts(
    login, db, rep, make_deal, stage, require_next_action
):
    await require_next_action()
    deal = await make_deal(rep, "交渉", amount_jpy="100000", expected_close_date="2027-01-20")
    client = await login(rep)
    won = await client.post(
        f"/deals/{deal.id}/move",
        data={"stage_id": stage("受注").id, "version": deal.version, "close_tasks": "1"},
        headers=HTMX,
    )
    assert won.status_code == 200 and await tasks_of(db, deal) == {"電話でフォロー": TaskStatus.done}
    closed = await reload(db, deal)

    r = await client.post(
        f"/deals/{deal.id}/move", data={"stage_id": stage("交渉").id, "version": closed.version}, headers=HTMX
    )

    assert r.status_code == 200 and f'id="deal-{deal.id}"' in r.text  # no dialog asking for a next action
    assert await tasks_of(db, deal) == {"電話でフォロー": TaskStatus.open}
    assert (await reload(db, deal)).stage_id == stage("交渉").id

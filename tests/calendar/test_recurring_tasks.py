"""定例: a weekly or monthly task; completing (or cancelling) one occurrence schedules the next, in the
owner's zone, as one calendar series."""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select

from salesdesk.audit.hook import set_actor
from salesdesk.clock import Clock
from salesdesk.tasks import services as tasks
from salesdesk.tasks.forms import CompleteForm, TaskForm, parse_completion, parse_task
from salesdesk.tasks.models import Task, TaskStatus

TOKYO = ZoneInfo("Asia/Tokyo")
MONDAY = Clock(fixed=datetime(2027, 1, 4, 0, 0, tzinfo=UTC))  # 2027-01-04 (月) 9:00 in Tokyo


async def weekly_meeting(db, rep, **form) -> Task:
    set_actor(db, rep)
    values = {"title": "定例会議", "kind": "meeting", "due_on": "2027-01-05", "due_time": "10:00", "repeat": "weekly"}
    task = await tasks.create_task(db, rep, MONDAY, parse_task(TaskForm(**(values | form))))
    await db.commit()
    return task


async def complete(db, rep, task, clock=MONDAY):
    task = await tasks.get_task(db, rep, task.id)
    await tasks.complete_task(db, rep, clock, task.id, parse_completion(CompleteForm(version=task.version)))
    await db.commit()


async def series(db, task) -> list[Task]:
    return list(
        await db.scalars(
            select(Task)
            .where(Task.series_uid == task.series_uid)
            .order_by(Task.due_on)
            .execution_options(populate_existing=True)
        )
    )


async def test_a_weekly_meeting_is_a_series_named_by_its_first_tasks_uid(db, rep):
    task = await weekly_meeting(db, rep)

    assert task.recurrence == "FREQ=WEEKLY;BYDAY=TU"
    assert task.series_uid == task.uid
    assert task.recurrence_id == "2027-01-05T10:00"


async def test_completing_the_weekly_meeting_schedules_next_tuesday_at_ten_tokyo_time(db, rep):
    task = await weekly_meeting(db, rep, reminder="10")

    await complete(db, rep, task)

    done, following = await series(db, task)
    assert done.status == TaskStatus.done and following.status == TaskStatus.open
    assert following.starts_at == datetime(2027, 1, 12, 10, 0, tzinfo=TOKYO)
    assert following.ends_at == datetime(2027, 1, 12, 11, 0, tzinfo=TOKYO)
    assert (following.title, following.kind, following.reminder_minutes) == ("定例会議", "meeting", 10)
    assert following.uid != done.uid and following.series_uid == done.series_uid
    assert following.sequence > done.sequence  # the series' event changed


async def test_cancelling_one_occurrence_keeps_the_series(db, rep):
    task = await weekly_meeting(db, rep)
    task = await tasks.get_task(db, rep, task.id)

    await tasks.cancel_task(db, rep, task.id, seen_version=task.version, clock=MONDAY)
    await db.commit()

    cancelled, following = await series(db, task)
    assert cancelled.status == TaskStatus.cancelled
    assert following.due_on == date(2027, 1, 12)


async def test_a_monthly_task_on_the_second_tuesday_comes_back_on_the_second_tuesday(db, rep):
    task = await weekly_meeting(db, rep, due_on="2027-01-12", due_time="", repeat="monthly_weekday")

    await complete(db, rep, task)

    assert [t.due_on for t in await series(db, task)] == [date(2027, 1, 12), date(2027, 2, 9)]


async def test_the_last_occurrence_before_the_end_date_schedules_nothing(db, rep):
    task = await weekly_meeting(db, rep, repeat_until="2027-01-10")

    await complete(db, rep, task)

    assert len(await series(db, task)) == 1


async def test_completing_a_weeks_old_occurrence_schedules_the_next_from_today(db, rep):
    task = await weekly_meeting(db, rep)

    await complete(db, rep, task, clock=Clock(fixed=datetime(2027, 2, 3, 0, 0, tzinfo=UTC)))

    assert (await series(db, task))[-1].due_on == date(2027, 2, 9)


async def test_editing_to_does_not_repeat_ends_the_series_and_keeps_its_uid(db, rep):
    task = await weekly_meeting(db, rep)
    task = await tasks.get_task(db, rep, task.id)
    form = TaskForm(title="定例会議", due_on="2027-01-05", due_time="10:00", repeat="", version=task.version)

    await tasks.update_task(db, rep, MONDAY, task.id, parse_task(form))
    await db.commit()
    await complete(db, rep, task)

    (only,) = await series(db, task)
    assert only.recurrence is None and only.series_uid == only.uid


async def test_a_recurring_deal_task_completed_without_a_next_action_does_not_ask_for_one(db, rep, make_deal):
    deal = await make_deal(rep, "提案", next_action=False)
    task = await weekly_meeting(db, rep, deal_id=str(deal.id))
    task = await tasks.get_task(db, rep, task.id)

    done = await tasks.complete_task(db, rep, MONDAY, task.id, parse_completion(CompleteForm(version=task.version)))

    assert not done.needs_next_action
    assert (await tasks.next_action(db, deal.id)).due_on == date(2027, 1, 12)

"""A rep gives a task's due date as "N営業日後" on the task forms."""

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from salesdesk.calendar.business_days import BusinessCalendar, business_calendar
from salesdesk.clock import Clock
from salesdesk.errors import Invalid
from salesdesk.tasks.forms import TaskForm, parse_task
from salesdesk.tasks.models import Task
from tests.conftest import HTMX

BEFORE_GOLDEN_WEEK = Clock(fixed=datetime(2027, 4, 28, 1, 0, tzinfo=UTC)).today()  # 4/28 (水) in Tokyo


def from_before_golden_week(days: int) -> date:
    return BusinessCalendar().add(BEFORE_GOLDEN_WEEK, days)


def test_three_business_days_from_the_day_before_golden_week_is_after_it():
    data = parse_task(TaskForm(title="見積送付", due_in="3営業日後"), due_from=from_before_golden_week)

    assert data.due_on == date(2027, 5, 7)  # 4/30, 5/6, 5/7


def test_business_days_win_over_a_date_typed_too():
    data = parse_task(TaskForm(title="見積送付", due_on="2027-04-29", due_in="1"), due_from=from_before_golden_week)

    assert data.due_on == date(2027, 4, 30)


def test_business_days_that_are_not_a_number_are_refused():
    with pytest.raises(Invalid) as refused:
        parse_task(TaskForm(title="見積送付", due_in="三日後"), due_from=from_before_golden_week)

    assert refused.value.errors == {"due_in": "number.invalid"}


async def test_a_rep_adds_a_task_due_in_five_business_days_on_a_deal(db, login, rep, make_deal, clock):
    deal = await make_deal(rep, "提案")
    client = await login(rep)

    r = await client.post(
        "/tasks", data={"title": "提案書を送る", "due_in": "5", "deal_id": str(deal.id), "view": "tasks"}, headers=HTMX
    )

    assert r.status_code == 200, r.text
    task = await db.scalar(select(Task).where(Task.title == "提案書を送る"))
    assert task.due_on == (await business_calendar(db)).add(clock.today(), 5)


async def test_a_task_without_a_date_or_business_days_is_refused(login, rep):
    client = await login(rep)

    r = await client.post("/tasks", data={"title": "電話", "due_in": "", "due_on": "", "view": "tasks"})

    assert r.status_code == 422

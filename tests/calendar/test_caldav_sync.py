"""Two-way CalDAV sync against a real Radicale: salesdesk pushes a rep's tasks, the rep changes
them in the calendar (through the independent `caldav` client) and salesdesk follows."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from salesdesk.audit.models import AuditEntry
from salesdesk.tasks.models import Task
from tests.calendar.caldav_helpers import Synced, component, connect, edit, sync
from tests.calendar.caldav_server import radicale  # noqa: F401


@pytest.fixture
async def synced(db, rep, radicale):  # noqa: F811
    calendar = radicale.new_calendar()
    await connect(db, rep, str(calendar.url))
    return Synced(calendar, str(calendar.url))


async def reload(db, task: Task) -> Task:
    await db.refresh(task)
    return task


async def test_a_reps_open_tasks_appear_as_events_without_attendees(db, engine, rep, make_task, synced):
    call = await make_task(rep, title="見積のフォロー電話", due_in_days=2)
    visit = await make_task(rep, title="訪問", due_time="10:00", duration_minutes="90")

    run = await sync(engine, rep)

    assert run.as_json() == {"users": 1, "pushed": 2, "pulled": 0, "conflicts": 0, "errors": []}
    events = synced.events()
    assert set(events) == {call.uid, visit.uid}
    all_day, timed = component(events[call.uid]), component(events[visit.uid])
    assert str(all_day["SUMMARY"]) == "見積のフォロー電話" and all_day["DTSTART"].dt == call.due_on
    assert timed["DTSTART"].params["TZID"] == "Asia/Tokyo"
    assert timed["DTSTART"].dt.astimezone(UTC) == visit.starts_at
    assert timed["DTEND"].dt - timed["DTSTART"].dt == timedelta(minutes=90)
    for item in events.values():
        assert "ATTENDEE" not in item.data and "ORGANIZER" not in item.data and "METHOD" not in item.data


async def test_done_moved_deleted_and_renamed_in_the_calendar_come_back(db, engine, rep, make_task, synced):
    done = await make_task(rep, title="資料送付")
    moved = await make_task(rep, title="訪問", due_time="10:00")
    deleted = await make_task(rep, title="電話")
    renamed = await make_task(rep, title="打合せ")
    await sync(engine, rep)
    later = datetime.now(UTC) + timedelta(minutes=1)

    events = synced.events()
    edit(events[done.uid], summary="✓ 資料送付", last_modified=later)
    new_start = datetime(2027, 1, 14, 15, 30, tzinfo=UTC)
    edit(events[moved.uid], dtstart=new_start, dtend=new_start + timedelta(hours=2), last_modified=later)
    events[deleted.uid].delete()
    edit(events[renamed.uid], summary="打合せ(オンライン)", last_modified=later)

    run = await sync(engine, rep)

    assert run.pulled == 4 and run.errors == []
    assert (await reload(db, done)).status == "done"
    moved = await reload(db, moved)
    assert (moved.starts_at, moved.ends_at) == (new_start, new_start + timedelta(hours=2))
    assert moved.due_on == date(2027, 1, 15)  # 00:30 in Tokyo
    assert (await reload(db, deleted)).status == "cancelled"
    assert (await reload(db, renamed)).title == "打合せ(オンライン)"
    updates = select(AuditEntry.via).where(AuditEntry.entity == "tasks", AuditEntry.action == "update")
    assert set(await db.scalars(updates)) == {"caldav"}
    assert (await sync(engine, rep)).as_json() == {"users": 1, "pushed": 0, "pulled": 0, "conflicts": 0, "errors": []}

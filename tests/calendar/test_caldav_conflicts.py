"""The same task changed on both sides, and a calendar server that misbehaves: stale or refused
sync-tokens, an object that already holds the task's UID, Outlook's time zone names, an
unreachable server and a deleted calendar. Against a real Radicale."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import caldav
import pytest
from sqlalchemy import select, update

from salesdesk.audit.models import AuditEntry
from salesdesk.calendar.caldav_events import object_name
from salesdesk.calendar.models import CaldavConnection, CaldavObject
from salesdesk.clock import Clock
from salesdesk.tasks.models import Task
from tests.calendar.caldav_helpers import Synced, change_here, component, connect, edit, sync
from tests.calendar.caldav_server import free_port, radicale  # noqa: F401


@pytest.fixture
async def synced(db, rep, radicale):  # noqa: F811
    calendar = radicale.new_calendar()
    await connect(db, rep, str(calendar.url))
    return Synced(calendar, str(calendar.url))


async def reload(db, task: Task) -> Task:
    await db.refresh(task)
    return task


async def test_a_title_changed_on_both_sides_goes_to_the_later_change_and_is_recorded(
    db, engine, rep, make_task, synced
):
    early, late = await make_task(rep, title="電話"), await make_task(rep, title="訪問")
    await sync(engine, rep)
    await change_here(db, rep, early, title="電話(salesdesk)")
    await change_here(db, rep, late, title="訪問(salesdesk)")
    now = datetime.now(UTC)
    edit(synced.event(early.uid), summary="電話(カレンダー)", last_modified=now + timedelta(hours=1))
    edit(synced.event(late.uid), summary="訪問(カレンダー)", last_modified=now - timedelta(hours=1))

    run = await sync(engine, rep)

    assert run.conflicts == 2 and run.errors == []
    assert (await reload(db, early)).title == "電話(カレンダー)"  # the calendar's change was later
    assert (await reload(db, late)).title == "訪問(salesdesk)"
    assert str(component(synced.event(late.uid))["SUMMARY"]) == "訪問(salesdesk)"
    recorded = {
        e.entity_id: e.changes["winner"]
        for e in await db.scalars(select(AuditEntry).where(AuditEntry.action == "conflict"))
    }
    assert recorded == {early.id: "calendar", late.id: "salesdesk"}


async def test_different_fields_changed_on_both_sides_are_both_kept(db, engine, rep, make_task, synced):
    task = await make_task(rep, title="訪問", due_time="10:00")
    await sync(engine, rep)
    await change_here(db, rep, task, notes="担当者に資料を持参")
    start = task.starts_at + timedelta(days=1)
    edit(synced.event(task.uid), dtstart=start, dtend=start + timedelta(hours=1))

    run = await sync(engine, rep)

    task = await reload(db, task)
    assert run.conflicts == 0 and (task.starts_at, task.notes) == (start, "担当者に資料を持参")
    event = component(synced.event(task.uid))
    assert "担当者に資料を持参" in str(event["DESCRIPTION"]) and event["DTSTART"].dt.astimezone(UTC) == start


async def test_fields_the_sync_does_not_know_are_kept_when_it_updates_the_event(db, engine, rep, make_task, synced):
    task = await make_task(rep, title="訪問")
    await sync(engine, rep)
    edit(synced.event(task.uid), categories="営業", x_apple_travel_advisory_behavior="AUTOMATIC")
    await sync(engine, rep)
    await change_here(db, rep, task, title="訪問(延期)")

    await sync(engine, rep)

    event = component(synced.event(task.uid))
    assert str(event["SUMMARY"]) == "訪問(延期)" and event["X-APPLE-TRAVEL-ADVISORY-BEHAVIOR"] == "AUTOMATIC"
    assert "営業" in event["CATEGORIES"].to_ical().decode()


async def test_a_refused_sync_token_lists_everything_again_without_duplicates(db, engine, rep, make_task, synced):
    first = await make_task(rep, title="電話")
    await sync(engine, rep)
    await db.execute(update(CaldavConnection).values(sync_token="http://radicale.org/ns/sync/unknown"))
    await db.commit()
    second = await make_task(rep, title="訪問")

    run = await sync(engine, rep)

    assert run.errors == [] and run.pushed == 1
    assert set(synced.events()) == {first.uid, second.uid}


async def test_an_event_that_already_has_the_tasks_uid_is_adopted(db, engine, rep, make_task, synced):
    task = await make_task(rep, title="訪問")
    ical = (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//other//EN\r\nBEGIN:VEVENT\r\n"
        f"UID:{task.uid}\r\nDTSTAMP:20260101T000000Z\r\nDTSTART;VALUE=DATE:{task.due_on:%Y%m%d}\r\n"
        "SUMMARY:訪問\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    url = synced.url + "imported-by-phone.ics"
    caldav.Event(synced.calendar.client, url=url, data=ical, parent=synced.calendar).save()

    run = await sync(engine, rep)

    assert run.errors == [] and list(synced.events()) == [task.uid]
    href = await db.scalar(select(CaldavObject.href))
    assert href.endswith("/imported-by-phone.ics")


async def test_outlook_time_zone_names_are_read_as_the_zone_they_name(db, engine, rep, make_task, synced):
    task = await make_task(rep, title="訪問", due_time="10:00")
    await sync(engine, rep)
    item = synced.event(task.uid)
    data = item.data.replace("TZID=Asia/Tokyo", "TZID=Tokyo Standard Time ")
    data = data.replace(f"T{task.starts_at.astimezone(Clock().zone):%H%M%S}", "T143000", 1)
    item.data = data
    item.save()

    await sync(engine, rep)

    assert (await reload(db, task)).starts_at.astimezone(Clock().zone).strftime("%H:%M") == "14:30"


async def test_an_unreachable_server_is_told_and_retried_later_with_nothing_lost(db, engine, rep, make_task, synced):
    task = await make_task(rep, title="電話")
    await sync(engine, rep)
    await db.execute(update(CaldavConnection).values(url=f"http://127.0.0.1:{free_port()}/rep/cal/"))
    await db.commit()

    run = await sync(engine, rep)

    assert run.users == 1 and run.errors[0]["user"] == rep.email
    assert run.errors[0]["reason"].startswith("unreachable")
    connection = await db.scalar(select(CaldavConnection))
    await db.refresh(connection)
    assert connection.last_error.startswith("unreachable") and connection.next_attempt_at > datetime.now(UTC)
    assert (await sync(engine)).users == 0  # the cron run waits for the next attempt
    assert (await reload(db, task)).status == "open" and await db.scalar(select(CaldavObject.task_id)) == task.id


async def test_a_deleted_calendar_stops_the_sync_and_deletes_nothing_here(db, engine, rep, make_task, synced):
    tasks_ = [await make_task(rep, title=f"電話{n}") for n in range(3)]
    await sync(engine, rep)
    synced.calendar.delete()

    run = await sync(engine, rep)

    assert run.errors[0]["reason"].startswith("gone")
    assert {(await reload(db, task)).status for task in tasks_} == {"open"}
    assert len(list(await db.scalars(select(CaldavObject)))) == 3


async def test_an_event_under_another_name_is_followed_and_only_one_gone_is_cancelled(
    db, engine, rep, make_task, synced
):
    kept, removed = await make_task(rep, title="電話"), await make_task(rep, title="訪問")
    await sync(engine, rep)
    synced.event(removed.uid).delete()
    # a full listing, in which the kept event is not where salesdesk last saw it
    await db.execute(update(CaldavConnection).values(sync_token=None, ctag=None))
    await db.execute(update(CaldavObject).where(CaldavObject.task_id == kept.id).values(href="/rep/elsewhere.ics"))
    await db.commit()

    await sync(engine, rep)

    assert (await reload(db, removed)).status == "cancelled"
    assert (await reload(db, kept)).status == "open"
    assert await db.scalar(select(CaldavObject.href)) == synced.calendar.url.path + object_name(kept.uid)

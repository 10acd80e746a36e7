"""Every calendar output: no ATTENDEE or ORGANIZER ever (no client mails a customer), a task's own
.ics download, the feed's fixed number of queries for 1,000 open tasks, and the CLI's feed URL."""

import json
import os
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import vobject
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from salesdesk.accounts.models import Company
from salesdesk.audit.hook import set_actor
from salesdesk.db import run_async
from salesdesk.tasks import services as tasks
from salesdesk.tasks.forms import CompleteForm, TaskForm, parse_completion, parse_task
from salesdesk.tasks.models import Task
from tests.calendar.feed_helpers import by_ical, by_vobject, feed_token

SALESDESK = str(Path(sys.executable).parent / "salesdesk")


async def test_no_output_ever_names_an_attendee_or_organizer(
    db, anonymous, login, manager, rep, make_deal, make_person, clock
):
    deal = await make_deal(rep, "提案", next_action=False)
    company = await db.get(Company, deal.company_id)
    person = await make_person(rep, company, name="山田 太郎", email="yamada@customer.example")
    form = TaskForm(
        title="訪問", due_on="2030-01-08", due_time="10:00", deal_id=str(deal.id), reminder="30", repeat="weekly"
    )
    # the visit concerns the customer's person: still no attendee
    task = await tasks.create_task(db, rep, clock, parse_task(form, [str(person.id)]))
    await db.commit()
    manager_tab = await login(manager)
    await manager_tab.post("/settings/calendar", data={"feed": "team"})

    outputs = [
        (await anonymous.get(f"/calendar/{await feed_token(db, rep)}.ics")).text,
        (await anonymous.get(f"/calendar/{await feed_token(db, manager, team=True)}.ics")).text,
        (await manager_tab.get(f"/tasks/{task.id}/calendar.ics")).text,
    ]

    for output in outputs:
        assert "BEGIN:VEVENT" in output
        assert "ATTENDEE" not in output.upper() and "ORGANIZER" not in output.upper()
        assert "yamada@customer.example" not in output


async def test_a_task_downloads_as_one_event_and_a_cancelled_ones_download_cancels_it(db, login, rep, make_task):
    task = await make_task(rep, title="見積提出")
    client = await login(rep)

    open_one = await client.get(f"/tasks/{task.id}/calendar.ics")
    await tasks.cancel_task(db, rep, task.id, seen_version=task.version)
    await db.commit()
    cancelled = await client.get(f"/tasks/{task.id}/calendar.ics")

    assert open_one.headers["content-disposition"] == f'attachment; filename="salesdesk-task-{task.id}.ics"'
    assert list(by_ical(open_one.text)) == [task.uid]
    assert "STATUS:CONFIRMED" in open_one.text and "STATUS:CANCELLED" in cancelled.text
    assert by_vobject(cancelled.text)[task.uid]["sequence"] > by_vobject(open_one.text)[task.uid]["sequence"]


async def test_another_teams_rep_cannot_download_the_task(login, rep, other_rep, make_task):
    task = await make_task(rep)

    assert (await (await login(other_rep)).get(f"/tasks/{task.id}/calendar.ics")).status_code == 404


async def test_a_feed_of_1000_open_tasks_takes_a_fixed_number_of_queries(
    db, login, rep, make_deal, clock, count_queries
):
    deal = await make_deal(rep, "提案", next_action=False)
    set_actor(db, rep)
    for n in range(1000):
        db.add(
            Task(
                title=f"フォロー {n}",
                due_on=clock.today(),
                owner_id=rep.id,
                deal_id=deal.id if n % 2 else None,
                company_id=deal.company_id,
                notes="メモ",
                reminder_minutes=10 if n % 3 else None,
            )
        )
    await db.commit()
    token = await feed_token(db, rep)

    client = await login(rep)  # a client of `app`, whose queries count_queries records (the feed needs no login)

    statements = count_queries()
    r = await client.get(f"/calendar/{token}.ics")

    assert r.status_code == 200 and r.text.count("BEGIN:VEVENT") == 1000
    assert len(statements) == 3, statements  # the feed's user; its ETag; its tasks with their deal, company, owner
    statements.clear()
    unchanged = await client.get(f"/calendar/{token}.ics", headers={"If-None-Match": r.headers["etag"]})
    assert unchanged.status_code == 304 and len(statements) == 2  # not even the tasks are read


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_the_cli_prints_the_absolute_feed_url(fresh_database, kind):
    url = fresh_database(kind, "feedurl")
    env = dict(os.environ, SALESDESK_DATABASE_URL=url, SALESDESK_SECRET_KEY="cli-test")
    run = lambda *args, **extra: subprocess.run(  # noqa: E731
        [SALESDESK, *args], env=env | extra, capture_output=True, text=True, timeout=120
    )
    run("migrate")
    run("createuser", "--email", "rep@example.test", "--name", "鈴木", "--role", "rep", "--password", "long-enough-pw")

    printed = run("calendar", "feed-url", "rep@example.test", SALESDESK_BASE_URL="https://crm.example.co.jp/")
    again = run("calendar", "feed-url", "REP@example.test", SALESDESK_BASE_URL="https://crm.example.co.jp")
    team = run("calendar", "feed-url", "rep@example.test", "--team")

    assert printed.returncode == 0, printed.stderr
    assert printed.stdout.startswith("https://crm.example.co.jp/calendar/") and printed.stdout.strip().endswith(".ics")
    assert again.stdout == printed.stdout  # the same URL until it is regenerated
    assert team.returncode == 1 and "team feed" in team.stderr


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_the_renewals_command_creates_a_task_once_and_says_so_in_json(fresh_database, kind):
    url = fresh_database(kind, "renewals")
    env = dict(os.environ, SALESDESK_DATABASE_URL=url, SALESDESK_SECRET_KEY="cli-test")
    run = lambda *args: subprocess.run(  # noqa: E731
        [SALESDESK, *args], env=env, capture_output=True, text=True, timeout=120
    )
    run("demo")
    run_async(ends_in_30_days(url))

    first, second = run("tasks", "renewals", "--json"), run("tasks", "renewals", "--json")

    assert first.returncode == 0, first.stderr
    assert json.loads(first.stdout)["created"] == 1
    assert json.loads(second.stdout) == {"created": 0, "existing": 1, "keys": []}


async def ends_in_30_days(url: str) -> None:
    """One demo company's contract ends in 30 days (inside the default 60-day lead time)."""
    engine = create_async_engine(url, poolclass=NullPool)
    async with engine.begin() as conn:
        await conn.execute(
            text("UPDATE companies SET contract_end_on = :day WHERE id = (SELECT min(id) FROM companies)"),
            {"day": date.today() + timedelta(days=30)},
        )
    await engine.dispose()


async def test_a_done_occurrences_download_does_not_cancel_its_series(db, login, rep, clock):
    form = TaskForm(title="定例会議", due_on=clock.today().isoformat(), due_time="10:00", repeat="weekly")
    task = await tasks.create_task(db, rep, clock, parse_task(form))
    await db.commit()
    client = await login(rep)
    series = (await client.get(f"/tasks/{task.id}/calendar.ics")).text
    await tasks.complete_task(db, rep, clock, task.id, parse_completion(CompleteForm(version=task.version)))
    await db.commit()

    done = (await client.get(f"/tasks/{task.id}/calendar.ics")).text

    assert list(by_ical(series)) == [task.series_uid] and "RRULE:FREQ=WEEKLY" in series
    # the one instance is cancelled (RECURRENCE-ID), not the series
    slot = task.starts_at.astimezone(ZoneInfo("Asia/Tokyo")).strftime("%Y%m%dT%H%M%S")
    assert f"RECURRENCE-ID;TZID=Asia/Tokyo:{slot}" in done and "STATUS:CANCELLED" in done
    assert "RRULE" not in done
    instance = vobject.readOne(done).vevent
    assert instance.uid.value == task.series_uid and instance.recurrence_id.value == task.starts_at

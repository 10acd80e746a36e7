"""The sync with a server that offers neither sync-token nor ETags, and a sync killed half-way
(`salesdesk calendar sync` as cron runs it, killed right after its first PUT) and run again."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import threading

from sqlalchemy import func, select, update

from salesdesk.calendar.models import CaldavConnection, CaldavObject
from tests.calendar.caldav_helpers import BASE_URL, SECRET, Synced, change_here, component, connect, edit, sync
from tests.calendar.caldav_proxy import proxy
from tests.calendar.caldav_server import PASSWORD, USER, radicale  # noqa: F401

SALESDESK = [sys.executable, "-c", "from salesdesk.cli import main; main()"]  # the installed `salesdesk`


async def test_a_server_without_sync_token_or_etags_is_synced_by_ctag_and_content(
    db,
    engine,
    rep,
    make_task,
    radicale,  # noqa: F811
):
    calendar = radicale.new_calendar()
    server = Synced(calendar, str(calendar.url))
    with proxy(radicale.url, strip=True) as url:
        await connect(db, rep, url + calendar.url.path)
        done, renamed, deleted = [await make_task(rep, title=title) for title in ("資料送付", "訪問", "電話")]
        assert (await sync(engine, rep)).pushed == 3
        connection = await db.scalar(select(CaldavConnection))
        await db.refresh(connection)
        assert connection.sync_token is None and connection.ctag
        assert set(await db.scalars(select(CaldavObject.etag))) == {None}
        edit(server.event(done.uid), summary="✓ 資料送付")
        server.event(deleted.uid).delete()
        await change_here(db, rep, renamed, title="訪問(午後)")

        run = await sync(engine, rep)
        again = await sync(engine, rep)

    assert run.errors == [] and (run.pulled, run.pushed) == (2, 1)
    for task, status in ((done, "done"), (renamed, "open"), (deleted, "cancelled")):
        await db.refresh(task)
        assert task.status == status
    assert str(component(server.event(renamed.uid))["SUMMARY"]) == "訪問(午後)"
    assert set(server.events()) == {done.uid, renamed.uid}
    assert (again.pushed, again.pulled, again.conflicts) == (0, 0, 0)


async def test_a_sync_killed_after_its_first_put_and_run_again_loses_and_doubles_nothing(
    db,
    db_url,
    rep,
    make_task,
    radicale,  # noqa: F811
):
    """As cron runs it: connected with the password on stdin, `calendar sync --json` killed right after
    its first PUT, then run again."""
    calendar = radicale.new_calendar()
    made = [await make_task(rep, title=f"訪問{n}") for n in range(6)]
    first_put = threading.Event()
    env = os.environ | {"SALESDESK_DATABASE_URL": db_url, "SALESDESK_SECRET_KEY": SECRET}
    env["SALESDESK_BASE_URL"] = BASE_URL
    sync_command = [*SALESDESK, "calendar", "sync", "--user", rep.email, "--json"]
    with proxy(radicale.url, hold_after_put=first_put) as url:
        connect_command = [*SALESDESK, "calendar", "connect", rep.email, "--url", url + calendar.url.path]
        connected = subprocess.run(
            [*connect_command, "--username", USER, "--password-stdin"], input=PASSWORD + "\n", env=env, text=True
        )
        assert connected.returncode == 0
        process = subprocess.Popen(sync_command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            assert await asyncio.to_thread(first_put.wait, 90), process.kill() or process.communicate()
        finally:
            process.kill()
            process.wait()
    assert len(Synced(calendar, "").events()) == 1  # killed with one event written
    await db.execute(update(CaldavConnection).values(url=str(calendar.url)))
    await db.commit()

    again = subprocess.run(sync_command, env=env, capture_output=True, text=True)

    printed = json.loads(again.stdout)
    assert list(printed) == ["users", "pushed", "pulled", "conflicts", "errors"]
    assert printed | {"pushed": 0} == {"users": 1, "pushed": 0, "pulled": 0, "conflicts": 0, "errors": []}
    assert set(Synced(calendar, "").events()) == {task.uid for task in made}
    assert await db.scalar(select(func.count()).select_from(CaldavObject)) == len(made)

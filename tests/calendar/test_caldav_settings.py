"""The settings page's CalDAV panel: connecting a calendar (checked against the server, the app
password stored encrypted), a failure's reason, sync now, disconnecting."""

from __future__ import annotations

import pytest
from sqlalchemy import select, update

from salesdesk.calendar.models import CaldavConnection
from tests.calendar.caldav_helpers import Synced
from tests.calendar.caldav_server import PASSWORD, USER, free_port, radicale  # noqa: F401
from tests.conftest import HTMX


@pytest.fixture
def calendar(radicale):  # noqa: F811
    return radicale.new_calendar()


async def test_the_settings_page_loads_the_panel_after_it(login, rep):
    client = await login(rep)

    page = await client.get("/settings")
    panel = await client.get("/settings/caldav", headers=HTMX)

    assert 'hx-get="/settings/caldav"' in page.text
    assert panel.status_code == 200 and "<html" not in panel.text and 'name="url"' in panel.text


async def test_a_rep_connects_a_calendar_and_syncs_now(db, login, rep, make_task, calendar):
    client = await login(rep)
    task = await make_task(rep, title="訪問")

    connected = await client.post(
        "/settings/caldav", data={"url": str(calendar.url), "username": USER, "password": PASSWORD}
    )
    synced = await client.post("/settings/caldav/sync", headers=HTMX)

    assert connected.status_code == 303
    stored = await db.scalar(select(CaldavConnection))
    assert stored.username == USER and PASSWORD not in stored.password_encrypted
    assert synced.status_code == 200 and str(calendar.url) in synced.text
    assert "1" in synced.text and list(Synced(calendar, "").events()) == [task.uid]


async def test_connecting_to_an_address_that_does_not_answer_keeps_the_input_and_says_why(db, login, rep):
    client = await login(rep)
    url = f"http://127.0.0.1:{free_port()}/cal/"

    r = await client.post("/settings/caldav", data={"url": url, "username": USER, "password": PASSWORD}, headers=HTMX)

    assert r.status_code == 422 and url in r.text and PASSWORD not in r.text
    assert "カレンダーのサーバーが応答しません" in r.text
    assert await db.scalar(select(CaldavConnection)) is None


async def test_a_failed_sync_shows_its_reason_on_the_panel_and_disconnecting_forgets_the_calendar(
    db, login, rep, calendar
):
    client = await login(rep)
    await client.post("/settings/caldav", data={"url": str(calendar.url), "username": USER, "password": PASSWORD})
    await db.execute(update(CaldavConnection).values(last_error="gone: HTTP 404"))
    await db.commit()

    panel = await client.get("/settings/caldav", headers=HTMX)
    gone = await client.post("/settings/caldav/disconnect")

    assert 'id="caldav-error"' in panel.text and "HTTP 404" in panel.text
    assert gone.status_code == 303 and await db.scalar(select(CaldavConnection)) is None

"""Arranging a synced calendar: a rep connected to a fresh Radicale calendar, a sync run, and the
calendar's events read back with the independent `caldav` client."""

from __future__ import annotations

from dataclasses import dataclass, replace

import caldav
import httpx
from icalendar import Calendar
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, create_async_engine

from salesdesk.audit.hook import set_actor
from salesdesk.auth.models import User
from salesdesk.calendar import caldav_services
from salesdesk.clock import Clock
from salesdesk.db import engine_options
from salesdesk.tasks import services as tasks
from salesdesk.tasks.forms import parse_task, task_form
from salesdesk.tasks.models import Task
from tests.calendar.caldav_server import PASSWORD, USER

SECRET = "test-secret-key-" + "x" * 32
BASE_URL = "https://crm.example.test"


@dataclass
class Synced:
    """A rep's calendar on the server, as the test sees it through the `caldav` client."""

    calendar: caldav.Calendar
    url: str

    def events(self) -> dict[str, caldav.CalendarObjectResource]:
        """The calendar's objects by UID (asserting no UID appears twice)."""
        found: dict[str, caldav.CalendarObjectResource] = {}
        for item in self.calendar.events():
            uid = str(component(item)["UID"])
            assert uid not in found, f"UID {uid} twice on the server"
            found[uid] = item
        return found

    def event(self, uid: str) -> caldav.CalendarObjectResource:
        return self.events()[uid]


def component(item: caldav.CalendarObjectResource):
    calendar = Calendar.from_ical(item.data)
    return next(c for c in calendar.subcomponents if c.name == "VEVENT")


def edit(item: caldav.CalendarObjectResource, **props: object) -> None:
    """Change the event as a calendar app would (a new LAST-MODIFIED with it) and save it."""
    calendar = Calendar.from_ical(item.data)
    event = next(c for c in calendar.subcomponents if c.name == "VEVENT")
    for name, value in props.items():
        event.pop(name.replace("_", "-"), None)
        event.add(name.replace("_", "-"), value)
    item.data = calendar.to_ical().decode()
    item.save()


async def change_here(db: AsyncSession, rep: User, task: Task, **values: object) -> Task:
    """The rep edits the task in salesdesk."""
    set_actor(db, rep)
    task = await tasks.get_task(db, rep, task.id)
    data = replace(parse_task(task_form(task)), **values)
    task = await tasks.update_task(db, rep, Clock(), task.id, data)
    await db.commit()
    return task


async def connect(db: AsyncSession, user: User, url: str, *, username: str = USER) -> None:
    async with httpx.AsyncClient() as http:
        data = caldav_services.ConnectInput(url, username, PASSWORD)
        await caldav_services.connect(db, user, data, secret_key=SECRET, http=http)
    await db.commit()


async def sync(engine: AsyncEngine, user: User | None = None, clock: Clock | None = None) -> caldav_services.Run:
    url = engine.url.render_as_string(hide_password=False)
    pooled = create_async_engine(url, **engine_options(url))  # pooled, as the command has it (tests: NullPool)
    try:
        return await caldav_services.sync_all(
            pooled,
            clock or Clock(),
            secret_key=SECRET,
            base_url=BASE_URL,
            email=user.email if user else None,
            due_only=user is None,
        )
    finally:
        await pooled.dispose()

"""Property: whatever a rep does to up to 200 tasks in salesdesk and to their events in the calendar
(rename, move, complete or cancel here; rename, move, tick ✓ or delete there; conflicting stamps
either way), syncing ends with both sides showing the same thing, each task's UID once, and a
further sync that changes nothing. Against a real Radicale; few examples (each is a whole calendar)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from salesdesk.audit.hook import set_actor
from salesdesk.clock import Clock
from salesdesk.tasks import services as tasks
from salesdesk.tasks.forms import CompletionInput, TaskInput
from salesdesk.tasks.models import Task
from tests.calendar.caldav_helpers import Synced, change_here, component, connect, edit, sync
from tests.calendar.caldav_server import radicale  # noqa: F401

HERE = ("rename", "move", "complete", "cancel")
THERE = ("rename", "move", "tick", "delete")
EDITS = st.lists(
    st.tuples(st.sampled_from(("here", "there")), st.integers(0, 3), st.integers(0, 10**6), st.integers(-90, 90)),
    max_size=40,
)


async def _edit_here(db, rep, task: Task, kind: str, n: int) -> None:
    set_actor(db, rep)
    clock = Clock()
    if kind == "rename":
        await change_here(db, rep, task, title=f"{task.title}・{n}")
    elif kind == "move":
        await change_here(db, rep, task, due_on=task.due_on + timedelta(days=1 + n % 5))
    elif kind == "complete":
        await tasks.complete_task(db, rep, clock, task.id, CompletionInput(seen_version=task.version))
    else:
        await tasks.cancel_task(db, rep, task.id, seen_version=task.version, clock=clock)
    await db.commit()


def _edit_there(item, kind: str, n: int, minutes: int) -> None:
    stamp = datetime.now(UTC) + timedelta(minutes=minutes)  # before or after salesdesk's change
    event = component(item)
    if kind == "rename":
        edit(item, summary=f"{event['SUMMARY']}・予{n}", last_modified=stamp)
    elif kind == "move":
        day = event["DTSTART"].dt + timedelta(days=1 + n % 5)
        edit(item, dtstart=day, dtend=day + timedelta(days=1), last_modified=stamp)
    elif kind == "tick":
        edit(item, summary=f"✓ {event['SUMMARY']}", last_modified=stamp)
    else:
        item.delete()


@given(size=st.integers(1, 30), edits=EDITS)
@example(
    size=200,
    edits=[("here", k % 4, k, 30 - k) for k in range(0, 40, 2)]
    + [("there", k % 4, k, k - 30) for k in range(1, 40, 2)],
)
@settings(max_examples=1, deadline=None, database=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
async def test_any_edits_on_both_sides_end_with_both_sides_equal(db, engine, make_user, radicale, size, edits):  # noqa: F811
    rep = await make_user()
    calendar = Synced(radicale.new_calendar(), "")
    await connect(db, rep, str(calendar.calendar.url))
    set_actor(db, rep)
    made = [await tasks.create_task(db, rep, Clock(), TaskInput(f"訪問{k}", Clock().today())) for k in range(size)]
    await db.commit()
    await sync(engine, rep)
    events = calendar.events()
    touched_there: set[str] = set()
    for side, kind, n, minutes in edits:
        task = made[n % size]
        await db.refresh(task)
        if side == "here" and task.is_open:
            await _edit_here(db, rep, task, HERE[kind], n)
        elif side == "there" and task.uid in events and task.uid not in touched_there:
            _edit_there(events[task.uid], THERE[kind], n, minutes)
            touched_there.add(task.uid)  # once per sync: the next edit there starts from the new object

    first = await sync(engine, rep)
    settled = await sync(engine, rep)

    assert first.errors == [] and (settled.pushed, settled.pulled, settled.conflicts) == (0, 0, 0)
    server = {uid: component(item) for uid, item in calendar.events().items()}  # each UID once
    mine = list(await db.scalars(select(Task).where(Task.owner_id == rep.id).execution_options(populate_existing=True)))
    assert set(server) <= {task.uid for task in mine}
    for task in mine:
        event = server.get(task.uid)
        if task.status == "open":
            assert event is not None and str(event["SUMMARY"]) == task.title and event["DTSTART"].dt == task.due_on
        elif task.status == "done" and event is not None:
            assert str(event["SUMMARY"]) == f"✓ {task.title}"
        elif task.status == "cancelled":
            assert event is None

"""Two-way sync of a user's tasks with their CalDAV calendar.

A run: ask the calendar what changed (RFC 6578 sync-token; else, when the CTag moved, every
object's ETag; objects without an ETag are fetched and compared by content hash), merge each
changed event of ours into its task, then push the tasks changed here. Each object is settled in
a transaction of its own, so a run killed half-way loses nothing and the next one carries on;
creates use `If-None-Match: *` on a name made from the task's UID, so a retried create meets its
own object (412, adopted) instead of making a second one.

The merge is three-way, field by field (title, date/time, notes, done/cancelled), against the
event as both sides last agreed (`CaldavObject.body`): a field changed on one side takes that
side's value; a field changed on both sides to different values is a conflict, won by the later
change by its own timestamp (the event's LAST-MODIFIED, else DTSTAMP, against the task's
updated_at; a tie keeps salesdesk's). Conflicts go to the audit log (action "conflict") and to
the settings page. Task changes go through the task services as the user, audited `via="caldav"`.

An event deleted there cancels its task (unless the task was changed here since: then the event
is made again, a conflict); an object is taken as deleted only when a GET of it answers 404, so a
listing that comes back empty deletes nothing by itself.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace
from datetime import timedelta

import httpx
from sqlalchemy import delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import joinedload, selectinload

from salesdesk.audit.hook import set_actor
from salesdesk.audit.models import AuditEntry
from salesdesk.auth.models import User
from salesdesk.calendar import caldav_events as events
from salesdesk.calendar import secrets
from salesdesk.calendar.caldav_client import CaldavError, Changes, Client, Fetched, InvalidSyncToken, uid_conflict_href
from salesdesk.calendar.models import CaldavConnection, CaldavObject
from salesdesk.clock import Clock, zone_named
from salesdesk.errors import DomainError
from salesdesk.tasks import services as tasks
from salesdesk.tasks.forms import CompletionInput, parse_task, task_form
from salesdesk.tasks.models import Task, TaskStatus

log = logging.getLogger("salesdesk.caldav")
Sessions = async_sessionmaker[AsyncSession]
FIRST_RETRY = timedelta(minutes=5)  # then doubling, at most a day
LONGEST_WAIT = timedelta(hours=24)


def backoff(failures: int) -> timedelta:
    return min(FIRST_RETRY * 2 ** min(failures - 1, 16), LONGEST_WAIT)


@dataclass
class UserRun:
    user: str
    pushed: int = 0
    pulled: int = 0
    conflicts: int = 0
    errors: list[str] = field(default_factory=list)


@dataclass
class Sync:
    """One run over one connection (`run()`); the client speaks to the user's calendar."""

    sessions: Sessions
    client: Client
    connection_id: int
    user: User
    base_url: str
    clock: Clock
    result: UserRun
    retries: int = 0  # a 412 or 409 leads to one more merge of that object, not to a loop

    # --- what changed there -------------------------------------------------------------------

    async def changes(self, connection: CaldavConnection) -> tuple[Changes, str | None, str | None]:
        """The changed objects, and the sync-token and CTag to remember for the next run."""
        info = await self.client.collection()
        if info.sync_token and connection.sync_token:
            try:
                found = await self.client.changes_since(connection.sync_token)
                return found, found.sync_token or info.sync_token, info.ctag
            except InvalidSyncToken:  # a full listing: objects are matched by href and UID, none is made twice
                log.info("sync-token of connection %s refused; listing the calendar", self.connection_id)
        elif not info.sync_token and info.ctag and info.ctag == connection.ctag:
            return Changes(), None, info.ctag  # nothing changed there
        return await self.client.listing(), info.sync_token, info.ctag

    async def pull(self, changes: Changes) -> None:
        async with self.sessions() as db:
            links = dict(
                (await db.execute(self._links().with_only_columns(CaldavObject.href, CaldavObject.etag))).all()
            )
        for href, etag in changes.changed.items():
            if href not in links and not href.rsplit("/", 1)[-1].startswith("salesdesk-"):
                continue  # the rep's own events are theirs, not ours to sync
            if href in links and etag is not None and etag == links[href]:
                continue  # our own write, or unchanged
            fetched = await self.client.get(href)
            if fetched is not None or href in links:
                await self.settle(href, fetched)
        missing = changes.deleted | (set(links) - set(changes.changed) if changes.complete else set())
        for href in sorted(missing & set(links)):
            await self.settle(href, await self.client.get(href))  # deleted only when its GET says 404

    # --- merging one object -------------------------------------------------------------------

    def _links(self):
        return select(CaldavObject).where(CaldavObject.connection_id == self.connection_id)

    async def _task(self, db: AsyncSession, **where: object) -> Task | None:
        query = select(Task).options(
            joinedload(Task.deal), joinedload(Task.company), joinedload(Task.owner), selectinload(Task.persons)
        )
        if "uid" in where:
            query = query.where(Task.uid == where["uid"], Task.owner_id == self.user.id)
        else:
            query = query.where(Task.id == where["id"])
        return await db.scalar(query.execution_options(populate_existing=True))

    async def settle(self, href: str, fetched: Fetched | None) -> None:
        """Merge one object (None: not there) with its task, in a transaction of its own."""
        try:
            async with self.sessions() as db, db.begin():
                set_actor(db, self.user, via="caldav")
                await self._settle(db, href, fetched)
        except DomainError as error:  # the task refused the change (e.g. a next action is required)
            self.result.errors.append(f"{href.rsplit('/', 1)[-1]}: {type(error).__name__} {error}"[:300])

    async def _settle(self, db: AsyncSession, href: str, fetched: Fetched | None, *, task_id: int = 0) -> None:
        zone = zone_named(self.user.time_zone)
        remote = events.parse(fetched.body, zone) if fetched is not None else None
        if fetched is not None and remote is None:
            return  # not an event we can read: left alone
        link = await db.scalar(self._links().where(CaldavObject.href == href))
        if link is None and task_id:
            link = await db.scalar(self._links().where(CaldavObject.task_id == task_id))
        if link is not None:
            task = await self._task(db, id=link.task_id)
        elif remote is not None:
            task = await self._task(db, uid=remote.uid)
            link = await db.scalar(self._links().where(CaldavObject.task_id == task.id)) if task else None
        else:
            return
        if task is None:
            if link is not None:
                await db.delete(link)
            return
        if link is not None and link.href != href and fetched is not None:
            link.href = href  # the calendar keeps it elsewhere now (a 409 named it)
        base = events.parse(link.body, zone) if link is not None else None
        await self._merge(db, task, link, href, base.snapshot if base else None, remote, fetched)

    async def _merge(self, db, task, link, href, base, remote, fetched) -> None:
        desired = self._desired(task)
        if remote is None:  # deleted there
            if link is not None and task.is_open and task.version != link.task_version:
                self._conflict(db, task, {"deleted": [False, True]}, winner="salesdesk")
                await self._write(db, task, link, href, desired, None, create=True)
            else:
                if task.is_open and task.owner_id == self.user.id:
                    await tasks.cancel_task(db, self.user, task.id, seen_version=task.version, clock=self.clock)
                    self.result.pulled += 1
                if link is not None:
                    await db.delete(link)
            return
        theirs, ours = remote.snapshot, desired
        changed_there = theirs.differing(base) if base else theirs.differing(ours)
        changed_here = ours.differing(base) if base else changed_there
        later_there = remote.modified is not None and remote.modified > task.updated_at
        merged, conflicts = {}, {}
        for name in events.FIELDS:
            mine, their = getattr(ours, name), getattr(theirs, name)
            if name in changed_there and name in changed_here and mine != their:
                conflicts[name] = [str(mine), str(their)]
                merged[name] = their if later_there else mine
            else:
                merged[name] = their if name in changed_there else mine
        if not merged["title"]:
            merged["title"] = ours.title
        if not task.is_open or task.owner_id != self.user.id:
            merged["state"] = ours.state  # a closed task is not reopened from the calendar
        if conflicts:
            self._conflict(db, task, conflicts, winner="calendar" if later_there else "salesdesk")
        if await self._apply(db, task, events.Snapshot(**merged), ours):
            self.result.pulled += 1
        after = self._desired(await self._task(db, id=task.id))  # type: ignore[arg-type]
        if after != theirs or link is None:
            await self._write(db, task, link, href, after, fetched)

    def _desired(self, task: Task) -> events.Snapshot:
        wanted = events.snapshot_of(task, self.base_url)
        if task.owner_id != self.user.id:
            return replace(wanted, state=TaskStatus.cancelled)  # given to someone else: it leaves this calendar
        return wanted

    async def _apply(self, db: AsyncSession, task: Task, merged: events.Snapshot, ours: events.Snapshot) -> bool:
        """Bring the task to the merged fields through the task services; True when it changed."""
        changed = merged.differing(ours)
        if not changed or not task.is_open:
            return False
        clock = self.clock.for_user(self.user)
        if changed - {"state"}:
            form = task_form(task)
            form.title = merged.title[: events.TITLE]
            form.notes = events.notes_from(merged.description, task, self.base_url)
            start, end = merged.when
            if hasattr(start, "hour"):
                local = clock.local(start)  # type: ignore[arg-type]
                form.due_on, form.due_time = local.date().isoformat(), local.strftime("%H:%M")
                minutes = int((end - start).total_seconds() // 60)  # type: ignore[operator]
                form.duration_minutes = str(min(max(minutes, 5), 24 * 60))
            else:
                form.due_on, form.due_time, form.duration_minutes = start.isoformat(), "", ""
            data = parse_task(form, [str(person.id) for person in task.persons])
            task = await tasks.update_task(db, self.user, clock, task.id, data)
        if merged.state == TaskStatus.done:
            await tasks.complete_task(db, self.user, clock, task.id, CompletionInput(seen_version=task.version))
        elif merged.state == TaskStatus.cancelled:
            await tasks.cancel_task(db, self.user, task.id, seen_version=task.version, clock=clock)
        return True

    def _conflict(self, db: AsyncSession, task: Task, fields: dict, *, winner: str) -> None:
        self.result.conflicts += 1
        db.add(
            AuditEntry(
                at=self.clock.now(),
                actor_id=self.user.id,
                actor_name=self.user.name,
                entity="tasks",
                entity_id=task.id,
                label=task.title[:200],
                action="conflict",
                changes={**fields, "winner": winner},
                via="caldav",
            )
        )

    # --- writing one object -------------------------------------------------------------------

    async def _write(self, db, task, link, href, wanted, fetched, *, create: bool = False) -> None:
        """PUT (or DELETE) the task's event; a 412 fetches the object and merges once more."""
        again = self.retries == 0
        self.retries += 1
        try:
            await self._put_or_delete(db, task, link, href, wanted, fetched, create=create, again=again)
        finally:
            self.retries -= 1

    async def _put_or_delete(self, db, task, link, href, wanted, fetched, *, create: bool, again: bool) -> None:
        if wanted.state == TaskStatus.cancelled:
            if link is not None and not create:
                status = await self.client.delete(href, fetched.etag if fetched else link.etag)
                if status == 412 and again:
                    return await self._settle(db, href, await self.client.get(href), task_id=task.id)
                await db.delete(link)
                self.result.pushed += 1
            return
        body = fetched.body if fetched is not None and not create else None
        sequence = max(events.sequence_of(body) + 1, task.sequence)
        text = events.write(
            body, task.uid, wanted, zone_name=self.user.time_zone, sequence=sequence, now=self.clock.now()
        )
        create = create or fetched is None
        written = await self.client.put(href, text, etag=None if create else fetched.etag, create=create)
        if written.status in (200, 201, 204):
            await self._link(db, task, link, href, text, written.etag)
            self.result.pushed += 1
        elif written.status == 409 and again and (other := await self._holder(written.body, task.uid)):
            await self._settle(
                db, other, await self.client.get(other), task_id=task.id
            )  # adopt the object with our UID
        elif written.status in (404, 412) and again:
            await self._settle(db, href, await self.client.get(href), task_id=task.id)  # changed (or gone) meanwhile
        else:
            self.result.errors.append(f"{href.rsplit('/', 1)[-1]}: PUT answered HTTP {written.status}")

    async def _holder(self, error_body: str, uid: str) -> str | None:
        """The object that already has the task's UID (`no-uid-conflict`): named by the 409, or searched."""
        return uid_conflict_href(error_body) or await self.client.find_uid(uid)

    async def _link(self, db, task, link, href, body, etag) -> None:
        await db.flush()
        snapshot = events.parse(body, zone_named(self.user.time_zone))
        values = {
            "href": href,
            "etag": etag,
            "body": body,
            "content_hash": snapshot.snapshot.digest() if snapshot else "",
            "task_version": task.version,
            "synced_at": self.clock.now(),
        }
        if link is None:
            db.add(CaldavObject(connection_id=self.connection_id, task_id=task.id, uid=task.uid, **values))
        else:
            for key, value in values.items():
                setattr(link, key, value)

    # --- pushing what changed here ------------------------------------------------------------

    async def push(self) -> None:
        async with self.sessions() as db:
            fresh = select(Task.id).where(
                Task.owner_id == self.user.id,
                Task.status == TaskStatus.open,
                ~Task.id.in_(self._links().with_only_columns(CaldavObject.task_id)),
            )
            stale = (
                self._links()
                .join(Task, Task.id == CaldavObject.task_id)
                .where(or_(Task.version != CaldavObject.task_version, Task.owner_id.is_distinct_from(self.user.id)))
                .with_only_columns(CaldavObject.task_id)
            )
            ids = sorted(set(await db.scalars(fresh)) | set(await db.scalars(stale)))
        for task_id in ids:
            await self.push_one(task_id)

    async def push_one(self, task_id: int) -> None:
        async with self.sessions() as db, db.begin():
            set_actor(db, self.user, via="caldav")
            task = await self._task(db, id=task_id)
            link = await db.scalar(self._links().where(CaldavObject.task_id == task_id))
            if task is None:
                return
            if link is None:
                href = self.client.href_for(events.object_name(task.uid))
                return await self._write(db, task, None, href, self._desired(task), None, create=True)
            if link.etag is None:  # the server gives no ETags: look at what is there before writing over it
                return await self._settle(db, link.href, await self.client.get(link.href), task_id=task_id)
            agreed = events.parse(link.body, zone_named(self.user.time_zone))
            if agreed is None:
                return await self._settle(db, link.href, await self.client.get(link.href), task_id=task_id)
            as_agreed = Fetched(link.href, link.body, link.etag)  # no change there known: a 412 tells otherwise
            await self._merge(db, task, link, link.href, agreed.snapshot, agreed, as_agreed)


async def run_connection(
    sessions: Sessions, http: httpx.AsyncClient, connection_id: int, *, secret_key: str, base_url: str, clock: Clock
) -> UserRun:
    """Sync one connection; a failure is kept on it (the reason, the next attempt) and returned."""
    async with sessions() as db:
        connection = await db.get(CaldavConnection, connection_id)
        assert connection is not None
        user = await db.get(User, connection.user_id)
        assert user is not None
    result = UserRun(user.email)
    try:
        try:
            password = secrets.decrypt(secret_key, connection.password_encrypted)
        except secrets.SecretUnreadable:
            raise CaldavError("password_unreadable") from None
        client = Client(http, connection.url, connection.username, password)
        sync = Sync(sessions, client, connection_id, user, base_url, clock, result)
        changes, token, ctag = await sync.changes(connection)
        await sync.pull(changes)
        await sync.push()
    except Exception as error:  # noqa: BLE001  (a bug or a database error must not stop the other users' runs)
        if not isinstance(error, CaldavError):
            log.exception("CalDAV sync of connection %s failed", connection_id)
            error = CaldavError("internal", type(error).__name__)
        result.errors.insert(0, str(error))
        await _record(sessions, connection_id, failed=str(error)[:500], clock=clock, failures=connection.failures + 1)
        return result
    await _record(sessions, connection_id, failed="", clock=clock, failures=0, sync_token=token, ctag=ctag)
    return result


async def _record(sessions: Sessions, connection_id: int, *, failed: str, clock: Clock, failures: int, **kept) -> None:
    """The run's outcome on the connection (Core UPDATE: bookkeeping, neither versioned nor audited)."""
    now = clock.now()
    values = {
        "last_error": failed,
        "failures": failures,
        "next_attempt_at": now + backoff(failures) if failed else None,
    }
    if not failed:
        values |= {"last_synced_at": now, **kept}
    async with sessions() as db, db.begin():
        await db.execute(update(CaldavConnection).where(CaldavConnection.id == connection_id).values(**values))


async def forget_objects(db: AsyncSession, connection_id: int) -> None:
    await db.execute(delete(CaldavObject).where(CaldavObject.connection_id == connection_id))

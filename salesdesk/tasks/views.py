"""What the task views read: "My day", the team's day for managers, the tasks of a company or a
person, and the header's overdue count. Each is a fixed number of queries, however many tasks.

Days are the viewer's (their zone, Asia/Tokyo unless they chose another): "today" for a rep in
Tokyo starts at 0:00 JST, not at 0:00 UTC.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import ColumnElement, Date, Select, and_, bindparam, case, func, literal_column, or_, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from salesdesk.accounts.models import Company, Person
from salesdesk.accounts.services import get_company
from salesdesk.auth.models import Role, User
from salesdesk.clock import Clock
from salesdesk.errors import Forbidden, NotFound
from salesdesk.pipeline import access
from salesdesk.pipeline.models import Deal
from salesdesk.tasks.models import Task, TaskStatus, earliest_first, task_persons

AHEAD = 7  # "My day" looks this many days past today
PER_REP = 10  # tasks shown per rep in the team view (the counts cover all)
OPEN_SHOWN = 100  # a company's or person's open tasks shown (more is a list nobody reads)
CLOSED_SHOWN = 5  # finished tasks shown under them


BUCKETS = ("overdue", "due_today", "next_days", "later")
SHOWN = 20  # tasks listed per bucket of My day (a screenful); its heading counts them all and links to the rest
ALL_SHOWN = 1000  # one bucket in full (/tasks?show=overdue): more is a list nobody reads


@dataclass
class MyDay:
    """The actor's open tasks: overdue, today, the next 7 days, and later; each bucket's first SHOWN
    (earliest first) and how many it holds."""

    today: date
    overdue: list[TaskRow] = field(default_factory=list)
    due_today: list[TaskRow] = field(default_factory=list)
    next_days: list[TaskRow] = field(default_factory=list)
    later: list[TaskRow] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(BUCKETS, 0))
    in_full: str = ""  # the bucket listed in full (/tasks?show=overdue), if any

    @property
    def count(self) -> int:
        return self.counts["overdue"] + self.counts["due_today"] + self.counts["next_days"]

    def hidden(self, bucket: str) -> int:
        """How many of the bucket's tasks are not listed."""
        return self.counts[bucket] - len(getattr(self, bucket))


@dataclass(frozen=True, slots=True)
class Ref:
    """A task's deal or company as a list row shows it: a link and its words."""

    id: int
    name: str

    @property
    def title(self) -> str:  # a deal's name is its title
        return self.name


@dataclass(slots=True)
class TaskRow:
    """An open task as "My day" lists it: plain values read in one statement, not a Task with its deal and
    company loaded (a rep's day lists up to 200). Reads like a Task in the task_rows macro."""

    id: int
    kind: str
    status: str
    title: str
    due_on: date
    starts_at: datetime | None
    recurrence: str | None
    deal: Ref | None
    company: Ref | None
    owner: None = None

    @property
    def is_open(self) -> bool:
        return self.status == TaskStatus.open

    def is_overdue(self, today: date) -> bool:
        return self.is_open and self.due_on < today


def _bucket(position: int, within: ColumnElement[bool]) -> Select:
    """One bucket's first tasks, each row with the bucket's position and its count (an index range)."""
    mine = and_(Task.owner_id == bindparam("owner_id"), Task.status == TaskStatus.open, within)
    total = select(func.count()).select_from(Task).where(mine).scalar_subquery()
    rows = (
        select(
            literal_column(str(position)).label("bucket"),
            total.label("total"),
            Task.id,
            Task.kind,
            Task.status,
            Task.title,
            Task.due_on,
            Task.starts_at,
            Task.recurrence,
            Deal.id.label("deal_id"),
            Deal.title.label("deal_title"),
            Company.id.label("company_id"),
            Company.name.label("company_name"),
        )
        .outerjoin(Deal, Deal.id == Task.deal_id)
        .outerjoin(Company, Company.id == Task.company_id)
        .where(mine)
        .order_by(*earliest_first())
        .limit(bindparam(f"{BUCKETS[position]}_limit"))
        .subquery()
    )
    return select(rows)


_TODAY, _WEEK_END = bindparam("today", type_=Date), bindparam("week_end", type_=Date)
_MY_DAY_ROWS = union_all(
    _bucket(0, Task.due_on < _TODAY),
    _bucket(1, Task.due_on == _TODAY),
    _bucket(2, and_(Task.due_on > _TODAY, Task.due_on <= _WEEK_END)),
    _bucket(3, Task.due_on > _WEEK_END),
).subquery()
# Each bucket walks the (owner_id, status, due_on) index to its limit: the cost follows what is shown.
MY_DAY = select(_MY_DAY_ROWS).order_by(
    _MY_DAY_ROWS.c.bucket, _MY_DAY_ROWS.c.due_on, _MY_DAY_ROWS.c.starts_at.asc().nulls_first(), _MY_DAY_ROWS.c.id
)


async def my_day(db: AsyncSession, actor: User, clock: Clock, *, in_full: str = "") -> MyDay:
    """My day in one statement; `in_full` names a bucket listed in full (up to ALL_SHOWN)."""
    day = MyDay(clock.today(), in_full=in_full if in_full in BUCKETS else "")
    limits = {f"{bucket}_limit": ALL_SHOWN if bucket == day.in_full else SHOWN for bucket in BUCKETS}
    values = {"owner_id": actor.id, "today": day.today, "week_end": day.today + timedelta(days=AHEAD)}
    for row in await db.execute(MY_DAY, values | limits):
        bucket = BUCKETS[row.bucket]
        day.counts[bucket] = row.total
        deal = Ref(row.deal_id, row.deal_title) if row.deal_id is not None else None
        company = Ref(row.company_id, row.company_name) if row.company_id is not None else None
        getattr(day, bucket).append(
            TaskRow(row.id, row.kind, row.status, row.title, row.due_on, row.starts_at, row.recurrence, deal, company)  # type: ignore[arg-type]
        )
    return day


@dataclass
class RepDay:
    """One rep's line in the team view: counts of all their open tasks up to 7 days ahead, and the
    first PER_REP of them (overdue first)."""

    rep: User
    overdue: int = 0
    due_today: int = 0
    next_days: int = 0
    tasks: list[Task] = field(default_factory=list)

    @property
    def count(self) -> int:
        return self.overdue + self.due_today + self.next_days


def may_see_team(actor: User) -> bool:
    return actor.role == Role.admin or (actor.role == Role.manager and actor.team_id is not None)


async def team_day(db: AsyncSession, actor: User, clock: Clock) -> list[RepDay]:
    """A manager's team (an admin: everyone active): the reps with the most overdue tasks first, then by name."""
    if not may_see_team(actor):
        raise Forbidden("tasks.team")
    members = select(User).where(User.is_active.is_(True)).order_by(User.name, User.id)
    if actor.role != Role.admin:
        members = members.where(User.team_id == actor.team_id)
    reps = {user.id: RepDay(user) for user in await db.scalars(members)}
    today = clock.today()
    horizon = today + timedelta(days=AHEAD)
    mine = and_(
        Task.owner_id.in_(members.with_only_columns(User.id).order_by(None).scalar_subquery()),
        Task.status == TaskStatus.open,
        Task.due_on <= horizon,
    )
    counted = select(
        Task.owner_id,
        func.sum(case((Task.due_on < today, 1), else_=0)),
        func.sum(case((Task.due_on == today, 1), else_=0)),
        func.sum(case((Task.due_on > today, 1), else_=0)),
    ).where(mine)
    for owner_id, overdue, due_today, next_days in await db.execute(counted.group_by(Task.owner_id)):
        reps[owner_id].overdue, reps[owner_id].due_today, reps[owner_id].next_days = overdue, due_today, next_days
    ranked = (
        select(Task.id, func.row_number().over(partition_by=Task.owner_id, order_by=earliest_first()).label("n"))
        .where(mine)
        .subquery()
    )
    first = await db.scalars(
        select(Task)
        .join(ranked, ranked.c.id == Task.id)
        .where(ranked.c.n <= PER_REP)
        .options(selectinload(Task.deal), selectinload(Task.company))
        .order_by(*earliest_first())
    )
    for task in first:
        reps[task.owner_id].tasks.append(task)  # type: ignore[index]
    return sorted(reps.values(), key=lambda r: (-r.overdue, r.count == 0))  # the most overdue first


async def overdue_count(db: AsyncSession, actor: User, clock: Clock) -> int:
    """The header's badge: the actor's open tasks due before today (one query, an index's range)."""
    return await db.scalar(
        select(func.count())
        .select_from(Task)
        .where(Task.owner_id == actor.id, Task.status == TaskStatus.open, Task.due_on < clock.today())
    )


async def _related(db: AsyncSession, actor: User, where: ColumnElement[bool]) -> list[Task]:
    """The open tasks (earliest first), then the latest finished ones, of those the actor may see."""
    visible = and_(where, access.owned_by_visible(actor, Task.owner_id))
    latest_finished = (
        select(Task.id)
        .where(visible, Task.status != TaskStatus.open)
        .order_by(Task.updated_at.desc(), Task.id.desc())
        .limit(CLOSED_SHOWN)
    )
    tasks = await db.scalars(
        select(Task)
        .where(visible, or_(Task.status == TaskStatus.open, Task.id.in_(latest_finished)))
        .options(selectinload(Task.deal), selectinload(Task.company), selectinload(Task.owner))
        .order_by(*earliest_first())
        .limit(OPEN_SHOWN + CLOSED_SHOWN)
    )
    open_, finished = [], []
    for task in tasks:
        (open_ if task.is_open else finished).append(task)
    return open_ + sorted(finished, key=lambda t: t.completed_at or t.updated_at, reverse=True)


async def company_tasks(db: AsyncSession, actor: User, company_id: int) -> tuple[Company, list[Task]]:
    """The company (NotFound unless the actor sees it) and its tasks, its deals' included."""
    company = await get_company(db, actor, company_id)
    return company, await _related(db, actor, Task.company_id == company.id)


async def person_tasks(db: AsyncSession, actor: User, person_id: int) -> tuple[Person, list[Task]]:
    """The person (every user sees every account) and the tasks naming them."""
    person = await db.get(Person, person_id)
    if person is None:
        raise NotFound("person")
    named = Task.id.in_(select(task_persons.c.task_id).where(task_persons.c.person_id == person_id))
    return person, await _related(db, actor, named)

"""The deal page: summary figures, stage progress with the time spent in each stage, the buying
committee with its coverage, one timeline of activities, field changes, finished tasks and the
steps of its quotes, and
the next actions; plus the deal pages' small use cases (saving with the next-action prompt,
logging an activity on the deal, the edit form's values, picking a company for a new deal).

The page reads a fixed number of statements however long the deal's history is: each source is
one query, merged here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload

from salesdesk.accounts import search
from salesdesk.accounts.forms import ActivityInput
from salesdesk.accounts.groups import group_tree
from salesdesk.accounts.models import Activity, Company, Person
from salesdesk.accounts.services import user_names
from salesdesk.accounts.timeline import add_activity
from salesdesk.auth.models import User
from salesdesk.clock import Clock
from salesdesk.ids import parse_id
from salesdesk.pipeline import access, committee, history, services, setup
from salesdesk.pipeline.board import weighted
from salesdesk.pipeline.committee import Coverage
from salesdesk.pipeline.forms import DealForm, DealInput
from salesdesk.pipeline.models import Deal, DealContact, DealEvent, Stage
from salesdesk.tasks import services as tasks
from salesdesk.tasks.models import Task

if TYPE_CHECKING:
    from salesdesk.quotes.timeline import QuoteEvent

PAGE_SIZE = 20  # timeline entries per page
SAME_SAVE = timedelta(seconds=5)  # the events of one save are written microseconds apart: one entry
COMPANY_CHOICES = 20


# --- stage progress ------------------------------------------------------------------------


@dataclass
class StageStep:
    stage: Stage
    state: str  # done | current | ahead | skipped (a closed deal never entered it)
    days: int | None  # whole days spent in the stage over all visits; None: never entered


def stage_steps(deal: Deal, stages: list[Stage], events: list[DealEvent], now: datetime) -> list[StageStep]:
    """The deal's pipeline as steps: its open stages, then 受注 (or the closed stage it ended in)."""
    spent = {t.stage.id: t.days for t in history.time_in_stages(events, stages, deal=deal, now=now)}
    current = deal.stage
    steps = []
    for stage in (s for s in stages if s.pipeline_id == deal.pipeline_id):
        if not stage.is_open:
            if stage.id == current.id:
                steps.append(StageStep(stage, "current", None))
            elif current.is_open and stage.is_won:
                steps.append(StageStep(stage, "ahead", None))
            continue
        if current.is_open:
            state = "current" if stage.id == current.id else "done" if stage.position < current.position else "ahead"
        else:
            state = "done" if stage.id in spent else "skipped"
        steps.append(StageStep(stage, state, spent.get(stage.id)))
    return steps


# --- timeline ------------------------------------------------------------------------------


@dataclass
class Change:
    """One field's change as typed values (ids, yen, dates), for the template to name and format."""

    field: str
    old: Any
    new: Any
    note: str = ""  # why ヨミ dropped


def typed(field_name: str, text: str | None) -> Any:
    if text is None or text == "":
        return None
    try:
        if field_name == "expected_close_date":
            return date.fromisoformat(text)
        if field_name in ("stage_id", "owner_id", "amount_jpy", "probability"):
            return int(text)
    except ValueError:
        pass
    return text


@dataclass
class Entry:
    at: datetime
    kind: str  # activity | change | created | task | quote
    actor_id: int | None = None
    activity: Activity | None = None
    task: Task | None = None  # a finished task; on an activity entry, the task it was logged from
    changes: list[Change] = field(default_factory=list)
    quote: QuoteEvent | None = None  # a quote made, sent, accepted, rejected …


@dataclass
class Timeline:
    entries: list[Entry]
    page: int
    has_more: bool


def change_entries(events: list[DealEvent]) -> list[Entry]:
    """One entry per save: consecutive events of one user within seconds of each other."""
    entries: list[Entry] = []
    for event in events:
        change = Change(
            event.field, typed(event.field, event.old_value), typed(event.field, event.new_value), event.note
        )
        if event.field == "stage_id" and event.old_value is None:
            entries.append(Entry(event.at, "created", event.actor_id, changes=[change]))
            continue
        last = entries[-1] if entries else None
        if last and last.kind == "change" and last.actor_id == event.actor_id and event.at - last.at <= SAME_SAVE:
            last.changes.append(change)
        else:
            entries.append(Entry(event.at, "change", event.actor_id, changes=[change]))
    return entries


def merge_timeline(
    activities: list[Activity],
    events: list[DealEvent],
    finished: list[Task],
    *,
    page: int,
    quote_events: list[QuoteEvent] | tuple[()] = (),
) -> Timeline:
    """Newest first. A task completed and logged in one step shows once: as its activity, marked done."""
    entries = [Entry(a.occurred_at, "activity", a.user_id, activity=a) for a in activities]
    entries += [Entry(q.at, "quote", q.actor_id, quote=q) for q in quote_events]
    logged = {e.activity.task_id: e for e in entries if e.activity and e.activity.task_id is not None}
    for task in finished:
        if task.id in logged:
            logged[task.id].task = task
        else:
            entries.append(Entry(task.completed_at or task.updated_at, "task", task.owner_id, task=task))
    entries += change_entries(events)
    entries.sort(key=lambda e: e.at, reverse=True)
    start = (page - 1) * PAGE_SIZE
    return Timeline(entries[start : start + PAGE_SIZE], page, len(entries) > start + PAGE_SIZE)


# --- the page ------------------------------------------------------------------------------


@dataclass
class DealPage:
    deal: Deal
    may_edit: bool
    stages: list[Stage]  # of every pipeline: the history may name stages of another one
    steps: list[StageStep]
    contacts: list[DealContact]
    coverage: Coverage
    candidates: list[Person]  # who may join the committee (only for those who may edit)
    company_names: dict[int, str]  # the deal's company group: where a committee member works
    timeline: Timeline
    tasks: list[Task]  # open, earliest first: the first is the next action
    user_names: dict[int, str]
    today: date
    now: datetime
    clock: Clock  # the viewer's: which calendar day an activity fell on
    reopen_to: int | None = None  # a closed deal: the open stage it left when it closed

    @property
    def reopen_stages(self) -> list[Stage]:
        return [s for s in self.stages if s.pipeline_id == self.deal.pipeline_id and s.is_open]

    @property
    def next_action(self) -> Task | None:
        return self.tasks[0] if self.tasks else None

    @property
    def needs_next_action(self) -> bool:
        return self.deal.stage.is_open and not self.tasks

    @property
    def probability(self) -> int:
        return self.deal.effective_probability

    @property
    def weighted_jpy(self) -> int | None:
        amount = self.deal.amount_jpy
        return None if amount is None else weighted(amount * self.probability)

    @property
    def names(self) -> dict[str, dict[int, str]]:
        """How the history's ids read: stage and owner names."""
        return {"stage_id": {s.id: s.name for s in self.stages}, "owner_id": self.user_names}

    @property
    def idle_days(self) -> int:
        return (self.now - self.deal.idle_since).days

    @property
    def days_since_activity(self) -> int | None:
        """Calendar days (in the user's zone) since the last activity: 0 is today."""
        last = self.deal.last_activity_at
        return None if last is None else (self.today - self.clock.local(last).date()).days

    @property
    def is_idle(self) -> bool:
        """Stale by age: no completed activity or task for longer than the stage's rotting days."""
        rotting = self.deal.stage.rotting_days
        return self.deal.stage.is_open and rotting is not None and self.idle_days > rotting

    @property
    def loggable_persons(self) -> list[Person]:
        """Committee members an activity on this deal may name (persons of the deal's own company)."""
        return [
            c.person for c in self.contacts if c.person.company_id == self.deal.company_id and not c.person.left_company
        ]


# The page's statements, built once (SQLAlchemy then keeps their cache keys too).
STAGES = select(Stage).order_by(Stage.pipeline_id, Stage.position, Stage.id)
ACTIVITIES = (  # a page of the deal's activities with their people joined: one statement
    select(Activity)
    .where(Activity.deal_id == bindparam("deal_id"))
    .options(joinedload(Activity.persons))
    .order_by(Activity.occurred_at.desc(), Activity.id.desc())
    .limit(bindparam("limit"))
)


async def deal_page(db: AsyncSession, actor: User, clock: Clock, deal_id: int, *, page: int = 1) -> DealPage:
    """Everything the deal page shows; NotFound unless the actor sees the deal."""
    now = clock.now()
    page = max(1, page)
    deal = await access.get_deal(db, actor, deal_id)
    may_edit = await access.may_edit(db, actor, deal)
    stages = list(await db.scalars(STAGES))
    events = await history.events(db, deal.id)
    contacts = await committee.committee(db, deal.id)
    all_tasks = await tasks.deal_tasks(db, deal.id)
    found = await db.scalars(ACTIVITIES, {"deal_id": deal.id, "limit": page * PAGE_SIZE + 1})
    activities = list(found.unique())
    from salesdesk.quotes.timeline import deal_quote_events  # quotes build on deals

    quote_events = await deal_quote_events(db, deal.id, limit=page * PAGE_SIZE + 1)
    group = await group_tree(db, deal.company)
    timeline = merge_timeline(
        activities, events, [t for t in all_tasks if t.status == "done"], page=page, quote_events=quote_events
    )
    return DealPage(
        deal=deal,
        may_edit=may_edit,
        stages=stages,
        steps=stage_steps(deal, stages, events, now),
        contacts=contacts,
        coverage=await committee.coverage(db, contacts, now=now),
        candidates=await committee.candidates(db, deal, [c.id for _, c in group] or [deal.company_id])
        if may_edit
        else [],
        company_names={c.id: c.name for _, c in group} | {deal.company_id: deal.company.name},
        timeline=timeline,
        tasks=[t for t in all_tasks if t.is_open],
        user_names=await user_names(db, shown_users(timeline) | {deal.owner_id or 0}),
        today=clock.today(),
        now=now,
        clock=clock,
        reopen_to=None if deal.stage.is_open else left_stage(events, deal.stage_id),
    )


def shown_users(timeline: Timeline) -> set[int]:
    """Whose names a page of the timeline shows: its entries' authors and the owners a change names."""
    ids = {e.actor_id for e in timeline.entries if e.actor_id is not None}
    for entry in timeline.entries:
        ids |= {v for c in entry.changes if c.field == "owner_id" for v in (c.old, c.new) if isinstance(v, int)}
    return ids


def left_stage(events: list[DealEvent], stage_id: int) -> int | None:
    """The stage the deal was in before it last entered `stage_id` (what reopening goes back to)."""
    for event in reversed(events):
        if event.field == "stage_id" and event.new_value == str(stage_id) and event.old_value:
            return int(event.old_value)
    return None


# --- the deal pages' use cases ----------------------------------------------------------------


@dataclass
class Saved:
    deal: Deal
    needs_next_action: bool  # an open deal without a next action: the page asks for one


async def open_deal(db: AsyncSession, actor: User, clock: Clock, data: DealInput) -> Saved:
    deal = await services.create_deal(db, actor, clock, data)
    return Saved(deal, await services.needs_next_action(db, deal))


async def save_deal(db: AsyncSession, actor: User, clock: Clock, deal_id: int, data: DealInput) -> Saved:
    deal = await services.update_deal(db, actor, clock, deal_id, data)
    return Saved(deal, await services.needs_next_action(db, deal))


def as_form(deal: Deal) -> DealForm:
    """The edit form as drawn for the deal (amounts grouped by thousands, as people read them)."""
    return DealForm(
        company_id=str(deal.company_id),
        title=deal.title,
        amount_jpy=f"{deal.amount_jpy:,}" if deal.amount_jpy is not None else "",
        expected_close_date=deal.expected_close_date.isoformat() if deal.expected_close_date else "",
        pipeline_id=str(deal.pipeline_id),
        stage_id=str(deal.stage_id),
        owner_id=str(deal.owner_id or ""),
        forecast=deal.forecast,
        probability="" if deal.probability is None else str(deal.probability),
        source=deal.source,
        competitors=deal.competitors,
        challenges=deal.challenges,
        lost_reason_id=str(deal.lost_reason_id or ""),
        lost_note=deal.lost_note,
        version=deal.version,
    )


async def edit_form(db: AsyncSession, actor: User, deal_id: int) -> tuple[Deal, DealForm, bool]:
    """The deal, its form as saved now, and whether it lacks a next action (the form then asks)."""
    deal = await access.get_deal(db, actor, deal_id)
    await access.ensure_may_edit(db, actor, deal)
    return deal, as_form(deal), not await tasks.has_open_task(db, deal.id)


async def form_choices(
    db: AsyncSession, actor: User, form: DealForm, *, deal: Deal | None = None, company_q: str = ""
) -> dict[str, Any]:
    """What the new/edit form offers: pipelines with stages, owners, lost reasons, companies to pick."""
    users = await access.assignable_users(db, actor)
    if deal is not None and deal.owner is not None and deal.owner.id not in {u.id for u in users}:
        users = [deal.owner, *users]  # the current owner stays selectable: saving keeps them
    pipelines = await setup.list_pipelines(db)
    lost_reasons = await setup.list_lost_reasons(db, active_only=False)
    return {
        "pipelines": pipelines,
        "users": users,
        "lost_reasons": [r for r in lost_reasons if r.is_active or str(r.id) == form.lost_reason_id],
        "companies": [] if deal else await company_choices(db, company_q, selected_id=parse_id(form.company_id)),
        "names": {
            "stage_id": {s.id: s.name for p in pipelines for s in p.stages},
            "owner_id": await user_names(db),
            "lost_reason_id": {r.id: r.name for r in lost_reasons},
        },
    }


async def company_choices(db: AsyncSession, q: str, *, selected_id: int | None = None) -> list[Company]:
    """Companies matching `q` (name, kana, phone: the header search's index), the selected one first.

    Everyone reads every account, so any company may get a deal."""
    found: list[Company] = []
    if selected_id is not None and (selected := await db.get(Company, selected_id)) is not None:
        found.append(selected)
    ids = search.matching_ids(q.strip()[:100], "company", limit=COMPANY_CHOICES)
    if ids is not None:
        found += [
            c
            for c in await db.scalars(
                select(Company).where(Company.id.in_(ids)).order_by(Company.kana_key, Company.name, Company.id)
            )
            if c.id != selected_id
        ]
    return found


async def log_activity(db: AsyncSession, actor: User, clock: Clock, deal_id: int, data: ActivityInput) -> Activity:
    """Whoever sees the deal may log what they did on it (like on the account); it resets the stale clock."""
    deal = await access.get_deal(db, actor, deal_id)
    return await add_activity(db, actor, deal.company_id, data, clock=clock, deal_id=deal.id)

"""Demo pipeline: ~120 deals of the demo users on the default pipeline, so the board, the deal
pages and the forecast tell a story on first start.

鈴木 美咲 (rep@example.com) has a full board of 30 open deals: next actions due today, this week
and later, a few overdue, some deals without any, a few gone quiet beyond their stage's rotting
days; her manager sees the whole team's. Months of history lie behind it: stage moves (so time
in stage and the funnel mean something), ヨミ raised and sometimes dropped with a reason, amounts
re-quoted, close dates slipped, deals handed over; won and lost deals with dates and lost reasons.

Deterministic (a seeded Random, dates relative to today) and idempotent: when one of its deals
exists (same company and title) it adds nothing. The rows are built directly, backdated, and
flushed twice, so it is fast; they follow the services' rules: a stage's required fields, a
DealEvent for every tracked change, a deal's next action is its earliest open task, and
last_activity_at is its newest completed activity or task. The stories themselves are decided in
`demo_story`, their words and cast are in `demo_catalog`.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from salesdesk.accounts import timeline
from salesdesk.accounts.models import Activity, Company, Person
from salesdesk.audit.hook import set_actor
from salesdesk.auth.models import User
from salesdesk.db import utcnow
from salesdesk.i18n import local_today
from salesdesk.pipeline import demo_catalog as catalog
from salesdesk.pipeline import setup
from salesdesk.pipeline.demo_story import TOKYO, Plan, Planner, workday
from salesdesk.pipeline.models import FORECAST_RANK, Deal, DealContact, Forecast
from salesdesk.pipeline.moves import RANK_GAP
from salesdesk.tasks.models import Task, TaskStatus


@dataclass
class Built:
    deal: Deal
    children: list[Any]  # events, contacts, activities and tasks: their deal_id is set once the deal has an id


class Demo(Planner):
    """The stories (Planner) turned into rows: the deal, its history, committee, activities and tasks."""

    def build(self, plan: Plan) -> Built:
        story = self._story(plan)
        contacts = self._committee(plan)
        activities, done = self._activities(plan, contacts)
        completed = [a.occurred_at for a in activities] + [t.completed_at for t in done]
        deal = Deal(
            **story.values,
            board_rank=0,
            created_at=plan.entered[0],
            updated_at=max(e.at for e in story.events),
            stage_entered_at=plan.entered[-1],
            last_activity_at=max(completed, default=None),
        )
        tasks = self._next_actions(plan, contacts) if plan.stage.is_open else []
        if self.rng.random() < 0.1:  # a meeting that did not happen
            title, kind = catalog.CANCELLED_TASK
            cancelled = self._task(plan, title, kind, plan.entered[-1].astimezone(TOKYO).date(), [])
            cancelled.status, cancelled.sequence = TaskStatus.cancelled, 1
            tasks.append(cancelled)
        return Built(deal, [*story.events, *contacts, *activities, *done, *tasks])

    def _people(self, plan: Plan) -> dict[str, Person]:
        """Persons by buying role of the deal's company, else of its parent (the group's)."""
        return self.persons.get(plan.company.id) or self.persons.get(plan.company.parent_id or 0) or {}

    def _committee(self, plan: Plan) -> list[DealContact]:
        rng, people = self.rng, self._people(plan)
        roles = ["champion", "approver", "decision_maker", "gatekeeper"][: (1, 2, 4)[min(plan.reached, 2)]]
        if plan.reached >= 2 and rng.random() < 0.15:
            roles.remove("decision_maker")  # nobody has got to the top yet
        if plan.reached >= 3 and rng.random() < 0.5:
            roles.append(rng.choice(("influencer", "blocker", "user")))
        contacts = [
            DealContact(person_id=people[role].id, role=people[role].buying_role, is_primary=False)
            for role in roles
            if role in people
        ]
        if contacts:
            contacts[0].is_primary = True
        return contacts

    def _activities(self, plan: Plan, contacts: list[DealContact]) -> tuple[list[Activity], list[Task]]:
        """What was done on the deal, stage by stage; some of it planned as a task, done and logged."""
        activities, done = [], []
        for at, (kind, subject), persons, by in self._moments(plan, contacts):
            activities.append(
                Activity(
                    kind=kind,
                    occurred_at=at,
                    subject=subject,
                    body="",
                    company_id=plan.company.id,
                    user_id=by,
                    persons=persons,
                    created_at=at,
                    updated_at=at,
                )
            )
            if kind != "inquiry" and self.rng.random() < 0.35:
                task = self._task(
                    plan, subject, catalog.TASK_KIND[kind], at.astimezone(TOKYO).date(), persons, owner_id=by
                )
                task.status, task.completed_at, task.sequence, task.updated_at = TaskStatus.done, at, 1, at
                done.append(task)
        return activities, done

    def _moments(
        self, plan: Plan, contacts: list[DealContact]
    ) -> list[tuple[datetime, tuple[str, str], list[Person], int]]:
        """(when, (kind, subject), with whom, by whom) of every activity, none after the deal's last one."""
        rng = self.rng
        own = {p.id: p for p in self.persons.get(plan.company.id, {}).values()}  # a group's persons: not here
        people = [own[c.person_id] for c in contacts if c.person_id in own]
        decider = next((p for p in people if p.buying_role == "decision_maker"), None)
        if plan.company.name in catalog.NOT_CONTACTED:
            decider = None
        before = self.users.get(catalog.HANDED_OVER_FROM) if "handover" in plan.flags else None
        limit = plan.last_at or self.now
        ends = [*plan.entered[1:], limit]
        moments = []
        for i, stage in enumerate(plan.path):
            span, by = ends[i] - plan.entered[i], (before if before and i == 0 else plan.owner).id
            if not stage.is_open or span <= timedelta(minutes=2):
                continue
            k = min(self.open.index(stage), 4)
            early, middle = self._during(plan.entered[i], ends[i], 0.1), self._during(plan.entered[i], ends[i], 0.5)
            moments.append((early, rng.choice(catalog.STAGE_ACTIVITIES[k]), people[:1], by))
            if k >= 3 and decider is not None:
                moments.append((middle, ("meeting", catalog.DECISION_MAKER_MEETING), [*people[:1], decider], by))
        if plan.stage.is_open:
            moments.append((limit, rng.choice(catalog.FOLLOW_UPS), people[:1], plan.owner.id))
        else:
            closing = catalog.WON_ACTIVITY if plan.stage.is_won else catalog.LOST_ACTIVITY
            days_ago = max(0, (self.today - plan.entered[-1].astimezone(TOKYO).date()).days - rng.randint(1, 5))
            moments.append((self._at(days_ago), closing, people[:1], plan.owner.id))  # a few days after closing
        return [m for m in moments if m[0] <= limit]

    def _next_actions(self, plan: Plan, contacts: list[DealContact]) -> list[Task]:
        if plan.due == "none":
            return []
        rng, k = self.rng, min(plan.reached, 4)
        days = {
            "overdue": -rng.randint(1, 9),
            "today": 0,
            "week": rng.randint(1, max(1, 6 - self.today.weekday())),
            "later": rng.randint(7, 35),
        }[plan.due]
        own = {p.id: p for p in self.persons.get(plan.company.id, {}).values()}
        primary = [own[c.person_id] for c in contacts if c.is_primary and c.person_id in own]
        title, kind = rng.choice(catalog.NEXT_ACTIONS[k])
        due = self.today if days == 0 else workday(self.today + timedelta(days=days))
        tasks = [self._task(plan, title, kind, due, primary)]
        if rng.random() < 0.25:  # and the step after it, already planned
            title, kind = rng.choice([a for a in catalog.NEXT_ACTIONS[min(k + 1, 4)] if a[0] != title])
            later = workday(self.today + timedelta(days=max(days, 0) + rng.randint(7, 21)))
            tasks.append(self._task(plan, title, kind, later, primary))
        return tasks

    def _task(
        self, plan: Plan, title: str, kind: str, due_on: date, persons: list[Person], *, owner_id: int | None = None
    ) -> Task:
        created = min(self.now, datetime.combine(due_on - timedelta(days=5), time(9), TOKYO).astimezone(UTC))
        task = Task(
            title=title,
            kind=kind,
            due_on=due_on,
            owner_id=owner_id or plan.owner.id,
            company_id=plan.company.id,
            status=TaskStatus.open,
            persons=list(persons),
            uid=f"{uuid.UUID(int=self.rng.getrandbits(128), version=4)}@salesdesk",
            created_at=max(created, plan.entered[0]),
            updated_at=max(created, plan.entered[0]),
        )
        if kind in ("visit", "meeting"):
            task.starts_at = datetime.combine(due_on, time(self.rng.choice((10, 13, 15))), TOKYO).astimezone(UTC)
            task.ends_at = task.starts_at + timedelta(hours=1)
        return task


def _rank(deals: list[Deal]) -> None:
    """Each column's order: ヨミ A first, then the nearest close, then the largest amount."""
    columns: dict[int, list[Deal]] = {}
    for deal in deals:
        columns.setdefault(deal.stage_id, []).append(deal)
    for column in columns.values():
        column.sort(
            key=lambda d: (
                -FORECAST_RANK[Forecast(d.forecast)],
                d.expected_close_date or date.max,
                -(d.amount_jpy or 0),
            )
        )
        for n, deal in enumerate(column):
            deal.board_rank = n * RANK_GAP


async def inputs(db: AsyncSession, users: dict[str, User]) -> dict[str, Any] | None:
    """What the demo's stories are decided from (Demo's arguments but the moment); None when an admin
    reshaped the pipeline and the story does not fit it."""
    pipeline = await setup.ensure_defaults(db)
    if not {"open", "won", "lost"} <= {s.kind for s in pipeline.stages}:
        return None
    names = {name for *_, accounts in catalog.OWNERS for name in accounts}
    companies = {c.name: c for c in await db.scalars(select(Company).where(Company.name.in_(names)))}
    persons = list(
        await db.scalars(
            select(Person)
            .where(Person.company_id.in_([c.id for c in companies.values()]), Person.left_company.is_(False))
            .order_by(Person.id)
        )
    )
    reasons = {r.name: r.id for r in await setup.list_lost_reasons(db)}
    return {"pipeline": pipeline, "users": users, "companies": companies, "persons": persons, "reasons": reasons}


async def load(db: AsyncSession, users: dict[str, User]) -> int:
    """Add the demo deals unless they are there already; returns how many were added."""
    found = await inputs(db, users)
    if found is None:
        return 0
    ids = [c.id for c in found["companies"].values()]
    demo = Demo(**found, now=utcnow(), today=local_today())
    plans = demo.plans()
    existing = set((await db.execute(select(Deal.company_id, Deal.title).where(Deal.company_id.in_(ids)))).tuples())
    if not plans or existing & {(p.company.id, p.title) for p in plans}:
        return 0
    set_actor(db, None)  # the audit log shows "System", as for the rest of the demo
    built = [demo.build(plan) for plan in plans]
    _rank([b.deal for b in built])
    db.add_all([b.deal for b in built])
    await db.flush()
    for b in built:
        for child in b.children:
            child.deal_id = b.deal.id
        db.add_all(b.children)
    await db.flush()
    for company_id in sorted(ids):
        await timeline.refresh_last_contact(db, company_id)
    return len(built)

"""Arranging deals and tasks through their services, as a user would (committed, so every check
sees them). Every pipeline test starts from the default pipeline (リード … 受注/失注)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import fields
from datetime import timedelta

import pytest
from sqlalchemy import inspect, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from salesdesk.accounts import services as accounts
from salesdesk.accounts import timeline
from salesdesk.accounts.forms import ActivityForm, CompanyForm, parse_activity, parse_company
from salesdesk.accounts.models import Company
from salesdesk.audit.hook import set_actor
from salesdesk.auth.models import User
from salesdesk.clock import Clock
from salesdesk.pipeline import services, setup
from salesdesk.pipeline.forms import DealForm, DealInput, parse_deal
from salesdesk.pipeline.models import Deal, Pipeline, SalesSettings, Stage
from salesdesk.tasks import services as tasks
from salesdesk.tasks.forms import TaskForm, parse_task
from salesdesk.tasks.models import Task
from tests.accounts.conftest import make_company, make_person  # noqa: F401  (fixtures for pipeline tests too)


@pytest.fixture
def clock() -> Clock:
    """Now, read in Asia/Tokyo (every persona's zone unless a test gives them another)."""
    return Clock()


@pytest.fixture
async def pipeline(db: AsyncSession) -> Pipeline:
    pipeline = await setup.ensure_defaults(db)
    await db.commit()
    return pipeline


@pytest.fixture
def stage(pipeline: Pipeline) -> Callable[[str], Stage]:
    """stage("提案") -> that stage of the default pipeline."""
    by_name = {s.name: s for s in pipeline.stages}
    return by_name.__getitem__


@pytest.fixture
def make_deal(db: AsyncSession, pipeline: Pipeline, clock: Clock) -> Callable[..., Awaitable[Deal]]:
    """make_deal(owner, stage="リード", company=None, next_action=True, **form fields) -> a committed deal.

    By default the deal gets a next action due in a week, as the board asks for one.
    """
    companies: dict[int, Company] = {}

    async def make(
        owner: User, stage: str = "リード", company: Company | None = None, *, next_action: bool = True, **values: str
    ) -> Deal:
        set_actor(db, owner)
        if company is None:
            if owner.id not in companies:
                companies[owner.id] = await accounts.create_company(
                    db, owner, parse_company(CompanyForm(name=f"株式会社{owner.name}の顧客", confirm_duplicate="1"))
                )
            company = companies[owner.id]
        stage_id = next(s.id for s in pipeline.stages if s.name == stage)
        form = DealForm(
            company_id=str(company.id), title=values.pop("title", f"{stage}の案件"), stage_id=str(stage_id), **values
        )
        if next_action:
            form.next_title, form.next_due_on = "電話でフォロー", (clock.today() + timedelta(days=7)).isoformat()
        deal = await services.create_deal(db, owner, clock, parse_deal(form))
        await db.commit()
        return await reload(db, deal)

    return make


async def reload(db: AsyncSession, deal: Deal) -> Deal:
    """The deal as saved now (stage loaded), in a fresh state."""
    deal_id = inspect(deal).identity[0]  # readable even when the deal's attributes are expired
    return await db.scalar(
        select(Deal)
        .where(Deal.id == deal_id)
        .execution_options(populate_existing=True)
        .options(selectinload(Deal.stage))
    )


def deal_form(deal: Deal, **changes: str) -> DealForm:
    """The edit form as drawn for `deal` (its values and version), with `changes` typed in."""
    values = {f.name: getattr(deal, f.name) for f in fields(DealForm) if hasattr(deal, f.name)}
    values = {k: "" if v is None else str(v) for k, v in values.items() if k != "version"}
    return DealForm(**(values | {"version": deal.version} | changes))


def edited(deal: Deal, **changes: str) -> DealInput:
    """The edit form as drawn for `deal` with `changes` typed in, read as the route reads it."""
    return parse_deal(deal_form(deal, **changes))


@pytest.fixture
def make_task(db: AsyncSession, clock: Clock) -> Callable[..., Awaitable[Task]]:
    """make_task(actor, deal=None, title, due_in_days=1, **form fields) -> a committed task."""

    async def make(
        actor: User, deal: Deal | None = None, title: str = "訪問", due_in_days: int = 1, **values: str
    ) -> Task:
        set_actor(db, actor)
        form = TaskForm(
            title=title,
            due_on=(clock.today() + timedelta(days=due_in_days)).isoformat(),
            deal_id=str(deal.id) if deal else "",
            **values,
        )
        task = await tasks.create_task(db, actor, clock, parse_task(form))
        await db.commit()
        return task

    return make


@pytest.fixture
def require_next_action(db: AsyncSession, pipeline: Pipeline) -> Callable[[], Awaitable[None]]:
    async def turn_on() -> None:
        settings = await db.scalar(select(SalesSettings))
        settings.require_next_action = True
        await db.commit()

    return turn_on


async def add_activity(db, actor, company_id, form: ActivityForm, person_ids=(), **where):
    """Log an activity as the page would: the form parsed in the actor's zone, then the service."""
    data = parse_activity(form, Clock.of(actor), [str(p) for p in person_ids])
    return await timeline.add_activity(db, actor, company_id, data, clock=Clock.of(actor), **where)

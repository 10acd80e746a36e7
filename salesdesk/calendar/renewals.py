"""Renewals: a company or a deal may carry a contract end date; its owner gets a renewal task the
pipeline's lead time before it (a company: the default pipeline's), once.

`salesdesk tasks renewals` (cron, daily) creates the tasks whose day has come. "Once" is the
database's word, not the command's: each renewal task carries its contract's key
("deal:12:2027-03-31", unique), so a second run, or one running at the same moment, finds the key
taken and creates nothing. A new end date is a new contract: its renewal comes again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload

from salesdesk.accounts.models import Company
from salesdesk.accounts.services import ensure_may_edit_details, get_company
from salesdesk.auth.models import User
from salesdesk.calendar.business_days import BusinessCalendar, business_calendar
from salesdesk.calendar.forms import MAX_LEAD_DAYS, ContractInput
from salesdesk.clock import Clock
from salesdesk.i18n import _, current_locale, fmt_date
from salesdesk.pipeline import access
from salesdesk.pipeline.models import Deal, Pipeline, Stage, StageKind
from salesdesk.tasks.models import Task, TaskKind
from salesdesk.versions import check_version, flush_or_stale


async def set_company_contract(db: AsyncSession, actor: User, company_id: int, data: ContractInput) -> Company:
    company = await get_company(db, actor, company_id)
    await ensure_may_edit_details(db, actor, company)
    return await _set(db, company, data)


async def set_deal_contract(db: AsyncSession, actor: User, deal_id: int, data: ContractInput) -> Deal:
    deal = await access.get_deal(db, actor, deal_id)
    await access.ensure_may_edit(db, actor, deal)
    return await _set(db, deal, data)


async def _set(db: AsyncSession, row: Company | Deal, data: ContractInput) -> Company | Deal:
    wanted = {"contract_end_on": data.contract_end_on}
    await check_version(db, row, data.seen_version, wanted)
    row.contract_end_on = data.contract_end_on
    await flush_or_stale(db, row, wanted)
    return row


def renewal_due(end: date, lead_days: int, calendar: BusinessCalendar) -> date:
    """The renewal task's day: lead_days before the end, on the business day before if that is off."""
    return calendar.on_or_before(end - timedelta(days=lead_days))


@dataclass(frozen=True)
class Contract:
    key: str  # "deal:12:2027-03-31": unique among tasks
    name: str
    ends_on: date
    due_on: date
    owner: User | None
    deal_id: int | None
    company_id: int


@dataclass
class RenewalRun:
    created: list[str] = field(default_factory=list)  # the keys of the tasks made
    existing: int = 0  # renewals made before (or by a run at the same moment)


async def _contracts(db: AsyncSession, today: date, calendar: BusinessCalendar) -> list[Contract]:
    """The contracts whose renewal day has come and that have not ended, in key order."""
    horizon = today + timedelta(days=MAX_LEAD_DAYS + 14)  # + the longest run of days off before a due day
    found = []
    deals = await db.scalars(
        select(Deal)
        .join(Stage, Stage.id == Deal.stage_id)
        .where(Deal.contract_end_on.between(today, horizon), Stage.kind != StageKind.lost)
        .options(joinedload(Deal.pipeline), joinedload(Deal.owner))
    )
    for deal in deals:
        end = deal.contract_end_on
        assert end is not None
        due = renewal_due(end, deal.pipeline.renewal_lead_days, calendar)
        found.append(Contract(f"deal:{deal.id}:{end}", deal.title, end, due, deal.owner, deal.id, deal.company_id))
    default_lead = await db.scalar(
        select(Pipeline.renewal_lead_days).order_by(Pipeline.is_default.desc(), Pipeline.position, Pipeline.id).limit(1)
    )
    companies = await db.scalars(
        select(Company).where(Company.contract_end_on.between(today, horizon)).options(joinedload(Company.owner))
    )
    for company in companies:
        end = company.contract_end_on
        assert end is not None
        due = renewal_due(end, default_lead if default_lead is not None else 60, calendar)
        found.append(Contract(f"company:{company.id}:{end}", company.name, end, due, company.owner, None, company.id))
    return sorted((c for c in found if c.due_on <= today), key=lambda c: c.key)


def _task(contract: Contract, today: date) -> Task:
    locale = contract.owner.locale if contract.owner is not None else "ja"
    token = current_locale.set(locale)  # the title in its owner's language
    try:
        title = _("Contract renewal: %(name)s", name=contract.name)
        notes = _("The contract ends on %(date)s.", date=fmt_date(contract.ends_on))
    finally:
        current_locale.reset(token)
    return Task(
        title=title[:200],
        kind=TaskKind.todo,
        due_on=max(contract.due_on, today),
        owner_id=contract.owner.id if contract.owner is not None else None,
        deal_id=contract.deal_id,
        company_id=contract.company_id,
        notes=notes,
        renewal_key=contract.key,
    )


async def _one_writer_on_sqlite(db: AsyncSession) -> None:
    """SQLite has one writer: take its write lock first (an UPDATE of no row), so a second run waits
    for the first to commit and then sees its tasks, instead of failing with "database is locked"."""
    if db.bind.dialect.name == "sqlite":
        await db.execute(text("UPDATE calendar_settings SET id = id WHERE 0"))


async def create_renewal_tasks(db: AsyncSession, clock: Clock) -> RenewalRun:
    """The renewal tasks due by today that do not exist yet. Each is inserted in a savepoint: a key
    taken meanwhile (another run) is an IntegrityError there, and the run goes on. The keys are
    inserted in order, so two runs never wait on each other in a cycle."""
    await _one_writer_on_sqlite(db)
    today = clock.today()
    contracts = await _contracts(db, today, await business_calendar(db))
    keys = [c.key for c in contracts]
    taken = set(await db.scalars(select(Task.renewal_key).where(Task.renewal_key.in_(keys)))) if keys else set()
    run = RenewalRun(existing=len(taken))
    for contract in contracts:
        if contract.key in taken:
            continue
        try:
            async with db.begin_nested():
                db.add(_task(contract, today))
        except IntegrityError:
            run.existing += 1
            continue
        run.created.append(contract.key)
    return run

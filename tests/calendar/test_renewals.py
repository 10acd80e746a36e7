"""Renewals: a contract end date on a company or a deal gives its owner a renewal task the pipeline's
lead time before it, once — however often, and however concurrently, `salesdesk tasks renewals` runs."""

import asyncio
from datetime import UTC, date, datetime

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import async_sessionmaker

from salesdesk.accounts.models import Company
from salesdesk.calendar.renewals import create_renewal_tasks
from salesdesk.clock import Clock
from salesdesk.pipeline.models import Deal, LostReason
from salesdesk.tasks.models import Task
from tests.conftest import backend

WON = {"amount_jpy": "1200000", "expected_close_date": "2027-01-29"}
FEB_1 = Clock(fixed=datetime(2027, 2, 1, 0, 0, tzinfo=UTC))  # 2027-02-01 (月) in Tokyo


async def set_contract_end(db, row, day: date) -> None:
    row = await db.get(type(row), row.id)
    row.contract_end_on = day
    await db.commit()


async def renewal_tasks(db) -> list[Task]:
    return list(await db.scalars(select(Task).where(Task.renewal_key.is_not(None)).order_by(Task.renewal_key)))


async def run_renewals(engine, clock=FEB_1):
    async with async_sessionmaker(engine, expire_on_commit=False)() as session:
        run = await create_renewal_tasks(session, clock)
        await session.commit()
        return run


async def test_a_deal_ending_in_60_days_gets_its_owners_renewal_task_today(db, engine, rep, make_deal):
    deal = await make_deal(rep, "受注", next_action=False, **WON, title="年間保守契約")
    await set_contract_end(db, deal, date(2027, 4, 2))  # 60 days after 2/1

    run = await run_renewals(engine)

    (task,) = await renewal_tasks(db)
    assert run.created == [f"deal:{deal.id}:2027-04-02"]
    assert (task.title, task.owner_id, task.deal_id, task.due_on) == (
        "契約更新: 年間保守契約",
        rep.id,
        deal.id,
        date(2027, 2, 1),
    )
    assert "2027/04/02" in task.notes


async def test_a_contract_further_away_gets_nothing_yet(db, engine, rep, make_deal):
    deal = await make_deal(rep, "受注", next_action=False, **WON)
    await set_contract_end(db, deal, date(2027, 6, 30))

    assert (await run_renewals(engine)).created == []


async def test_a_second_run_creates_nothing(db, engine, rep, make_deal):
    deal = await make_deal(rep, "受注", next_action=False, **WON)
    await set_contract_end(db, deal, date(2027, 3, 1))

    await run_renewals(engine)
    second = await run_renewals(engine)

    assert second.created == [] and second.existing == 1
    assert len(await renewal_tasks(db)) == 1


async def test_a_company_contract_uses_the_default_pipelines_lead_time(db, engine, rep, make_company, pipeline):
    company = await make_company(rep, name="株式会社更新")
    await set_contract_end(db, company, date(2027, 3, 31))
    pipeline.renewal_lead_days = 90
    db.add(pipeline)
    await db.commit()

    await run_renewals(engine)

    (task,) = await renewal_tasks(db)
    assert (task.company_id, task.deal_id, task.owner_id) == (company.id, None, rep.id)
    assert task.due_on == date(2027, 2, 1)  # 3/31 − 90 days = 12/31, already past: due today


async def test_a_renewal_day_that_falls_in_golden_week_moves_to_the_business_day_before(db, engine, rep, make_deal):
    deal = await make_deal(rep, "受注", next_action=False, **WON)
    await set_contract_end(db, deal, date(2027, 7, 3))  # − 60 days = 5/4 (みどりの日)

    early = await run_renewals(engine, Clock(fixed=datetime(2027, 4, 29, 0, 0, tzinfo=UTC)))
    run = await run_renewals(engine, Clock(fixed=datetime(2027, 4, 30, 0, 0, tzinfo=UTC)))

    assert early.created == [] and len(run.created) == 1
    assert (await renewal_tasks(db))[0].due_on == date(2027, 4, 30)


async def test_a_new_end_date_is_a_new_contract_with_its_own_renewal(db, engine, rep, make_deal):
    deal = await make_deal(rep, "受注", next_action=False, **WON)
    await set_contract_end(db, deal, date(2027, 3, 1))
    await run_renewals(engine)
    await set_contract_end(db, deal, date(2028, 3, 1))

    await run_renewals(engine, Clock(fixed=datetime(2028, 1, 5, 0, 0, tzinfo=UTC)))

    assert [t.renewal_key for t in await renewal_tasks(db)] == [
        f"deal:{deal.id}:2027-03-01",
        f"deal:{deal.id}:2028-03-01",
    ]


async def test_a_lost_deal_gets_no_renewal(db, engine, rep, make_deal, pipeline):
    reason = await db.scalar(select(LostReason).limit(1))
    deal = await make_deal(rep, "失注", next_action=False, lost_reason_id=str(reason.id))
    await set_contract_end(db, deal, date(2027, 3, 1))

    assert (await run_renewals(engine)).created == []


async def test_two_runs_at_once_create_one_task_per_contract(db, engine, db_url, rep, make_deal, make_company):
    deals = [await make_deal(rep, "受注", next_action=False, **WON, title=f"契約{n}") for n in range(5)]
    for deal in deals:
        await set_contract_end(db, deal, date(2027, 3, 1))
    company = await make_company(rep, name="株式会社同時")
    await set_contract_end(db, company, date(2027, 3, 1))

    async with async_sessionmaker(engine, expire_on_commit=False)() as first_session:
        first = await create_renewal_tasks(first_session, FEB_1)  # inserted, not yet committed
        second_run = asyncio.create_task(run_renewals(engine))
        if backend(db_url) == "postgresql":
            await until_a_session_waits(db)  # the second run is blocked on the first one's keys
        await first_session.commit()
    second = await second_run

    assert len(first.created) == 6 and second.created == [] and second.existing == 6
    assert await db.scalar(select(func.count()).select_from(Task).where(Task.renewal_key.is_not(None))) == 6


async def until_a_session_waits(db, tries: int = 100_000) -> None:
    for _ in range(tries):
        if await db.scalar(text("SELECT count(*) FROM pg_locks WHERE NOT granted")):
            return
    raise AssertionError("the second run never waited for the first")


async def test_the_owner_sets_the_contract_end_on_the_deal_page_and_a_rep_of_another_team_may_not(
    db, login, rep, other_rep, make_deal
):
    deal = await make_deal(rep, "受注", next_action=False, **WON)
    page = await (await login(rep)).get(f"/deals/{deal.id}")
    assert f'action="/deals/{deal.id}/contract"' in page.text

    r = await (await login(rep)).post(
        f"/deals/{deal.id}/contract", data={"contract_end_on": "2027-03-31", "version": deal.version}
    )
    refused = await (await login(other_rep)).post(
        f"/deals/{deal.id}/contract", data={"contract_end_on": "", "version": "2"}
    )

    assert r.status_code == 303 and refused.status_code == 404
    saved = await db.scalar(select(Deal).where(Deal.id == deal.id).execution_options(populate_existing=True))
    assert saved.contract_end_on == date(2027, 3, 31)


async def test_the_company_contract_end_is_saved_from_the_company_page_with_its_version(db, login, rep, make_company):
    company = await make_company(rep, name="株式会社契約")
    client = await login(rep)

    r = await client.post(
        f"/accounts/{company.id}/contract", data={"contract_end_on": "2027年3月31日", "version": company.version}
    )
    stale = await client.post(
        f"/accounts/{company.id}/contract", data={"contract_end_on": "", "version": company.version}
    )

    assert r.status_code == 303 and stale.status_code == 409
    saved = await db.scalar(select(Company).where(Company.id == company.id).execution_options(populate_existing=True))
    assert saved.contract_end_on == date(2027, 3, 31)

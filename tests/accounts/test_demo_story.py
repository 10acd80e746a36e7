"""The demo tells a true story, and stays true as it grows: each company at its own address, its phones in its
city's area code, its persons writing from its own domain; nobody at two companies; an account's history in
the order it happens; 人事異動 spread over past months on April and October 1st, never on the day the demo
loaded; tasks due on business days (weekends, public holidays and the year-end closure skipped)."""

from __future__ import annotations

from collections import Counter
from urllib.parse import urlsplit

from sqlalchemy import select

from salesdesk import demo
from salesdesk.accounts import normalize as norm
from salesdesk.accounts.demo import area_code
from salesdesk.accounts.demo_data import STORY
from salesdesk.accounts.models import Activity, Company, Person, PersonMove
from salesdesk.calendar.business_days import BusinessCalendar
from salesdesk.tasks.models import Task
from tests.accounts.conftest import CLOCK


async def test_the_demo_tells_a_true_story(db):
    """One load of the demo (it takes seconds), every property checked on it."""
    await demo.load(db)
    await db.commit()
    loaded = list(await db.scalars(select(Company))), list(await db.scalars(select(Person)))

    addresses_and_area_codes(loaded)
    own_domains_and_unique_people(loaded)
    await histories_in_story_order(db, loaded)
    await moves_over_past_months(db)
    await tasks_on_business_days(db)


def addresses_and_area_codes(loaded) -> None:
    companies, persons = loaded
    by_id = {c.id: c for c in companies}

    addresses = Counter(c.address for c in companies)
    assert [a for a, n in addresses.items() if n > 1] == []
    for phone, company in [(c.phone, c) for c in companies] + [(p.phone, by_id[p.company_id]) for p in persons]:
        if phone:
            assert norm.phone_digits(phone).startswith(area_code(company.address)), (company.name, phone)


def own_domains_and_unique_people(loaded) -> None:
    companies, persons = loaded
    hosts = {c.id: (urlsplit(c.website).hostname or "").removeprefix("www.") for c in companies}

    for person in persons:
        assert person.email.endswith("@" + hosts[person.company_id]), (person.name, person.email)
    names = Counter(person.name_key for person in persons)
    assert [n for n, count in names.items() if count > 1] == []


async def histories_in_story_order(db, loaded) -> None:
    companies, _ = loaded
    order = {subject: i for i, (_kind, subject) in enumerate(STORY)}

    for company in companies:
        subjects = list(
            await db.scalars(
                select(Activity.subject)
                .where(Activity.company_id == company.id, Activity.deal_id.is_(None))
                .order_by(Activity.occurred_at)
            )
        )
        steps = [order[s] for s in subjects if s in order]
        assert steps == sorted(steps) and len(steps) == len(set(steps)), (company.name, subjects)
        first_contacts = [
            s
            for s in await db.scalars(select(Activity.subject).where(Activity.company_id == company.id))
            if s.startswith("初回")
        ]
        assert len(first_contacts) <= 1, (company.name, first_contacts)  # a first contact happens once


async def moves_over_past_months(db) -> None:
    moves = list(await db.scalars(select(PersonMove)))
    today = CLOCK.today()

    assert moves and all(m.effective_on < today for m in moves)
    assert all((m.effective_on.month, m.effective_on.day) in ((4, 1), (10, 1)) for m in moves)
    assert len({m.effective_on for m in moves}) >= 3  # spread, not one day


async def tasks_on_business_days(db) -> None:
    calendar, today = BusinessCalendar(), CLOCK.today()
    due = list(await db.scalars(select(Task.due_on).where(Task.due_on != today)))

    assert due and [d for d in due if not calendar.is_business_day(d)] == []

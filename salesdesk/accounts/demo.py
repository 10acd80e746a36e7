"""Demo accounts: fictional Japanese companies with departments, key persons and a history
of calls and visits, owned by the demo users. Deterministic and idempotent (a company that
exists by name is left alone)."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from salesdesk.accounts import normalize as norm
from salesdesk.accounts import people, services, timeline
from salesdesk.accounts.demo_data import (
    AREA_CODES,
    COMPANIES,
    DEPARTMENTS,
    GIVEN,
    PROMOTED,
    ROLES,
    STORY,
    SUBSIDIARIES,
    SURNAME_KANA,
    SURNAME_ROMAJI,
    SURNAMES,
)
from salesdesk.accounts.forms import (
    ActivityInput,
    CompanyForm,
    DepartmentInput,
    PersonForm,
    parse_company,
    parse_person,
)
from salesdesk.accounts.models import ActivityKind, Company
from salesdesk.audit.hook import set_actor
from salesdesk.auth.models import User
from salesdesk.clock import Clock


def area_code(address: str) -> str:
    """The phone area code of an address's city (the demo's cities only)."""
    return next(code for place, code in AREA_CODES.items() if address.startswith(place))


def domain(slug: str) -> str:
    return f"{slug}.example"


def _corporate_number(seed: int) -> str:
    base = f"{seed:012d}"
    return f"{norm.corporate_number_check_digit(base)}{base}"


async def load(db: AsyncSession, users: dict[str, User], clock: Clock | None = None) -> int:
    """Create the demo accounts that do not exist yet; returns how many companies were made."""
    clock = clock or Clock()
    existing = set(await db.scalars(select(Company.name)))
    rng = random.Random(20261123)
    names = [(s, g) for s in range(len(SURNAMES)) for g in range(len(GIVEN))]
    rng.shuffle(names)  # drawn without replacement: nobody appears at two companies
    made = 0
    for index, (name, kana, industry, band, address, owner_email, tags, slug) in enumerate(COMPANIES):
        if name in existing:
            continue
        owner = users[owner_email]
        set_actor(db, owner)
        area = area_code(address)
        company = await services.create_company(
            db,
            owner,
            parse_company(
                CompanyForm(
                    name=name,
                    name_kana=kana,
                    corporate_number=_corporate_number(100_001_000_000 + index * 7919),
                    industry=industry,
                    employee_band=band,
                    fiscal_year_end_month=str(rng.choice([3, 3, 3, 12, 9])),
                    phone=f"{area}-{rng.randint(1000, 9999)}-{rng.randint(1000, 9999)}",
                    address=address,
                    website=f"https://www.{domain(slug)}",
                    owner_id=str(owner.id),
                    tags=tags,
                    is_target="1" if "重点" in tags else "",
                    confirm_duplicate="1",
                )
            ),
        )
        await _people_and_history(db, owner, company, rng, names, domain(slug), full=index % 5 != 4, clock=clock)
        for sub_name, sub_kana, sub_industry, sub_address in SUBSIDIARIES.get(name, []):
            await services.create_company(
                db,
                owner,
                parse_company(
                    CompanyForm(
                        name=sub_name,
                        name_kana=sub_kana,
                        industry=sub_industry,
                        parent_id=str(company.id),
                        owner_id=str(owner.id),
                        address=sub_address,
                        confirm_duplicate="1",
                    )
                ),
            )
        made += 1
    return made


def last_move_day(today: date, rng: random.Random) -> date:
    """An April or October 1st (人事異動) two to fourteen months back."""
    day = today.replace(day=1) - timedelta(days=rng.randint(60, 420))
    return date(day.year, 4, 1) if day.month < 10 else date(day.year, 10, 1)


async def _people_and_history(
    db: AsyncSession,
    owner: User,
    company: Company,
    rng: random.Random,
    names: list[tuple[int, int]],
    mail_domain: str,
    full: bool,
    clock: Clock,
) -> None:
    departments = {}
    for dept_name, parent in DEPARTMENTS:
        parent_id = departments[parent].id if parent else None
        departments[dept_name] = await people.create_department(
            db, owner, company.id, DepartmentInput(name=dept_name, parent_id=parent_id)
        )
    area = area_code(company.address)
    today = clock.today()
    persons = []
    roles = ROLES if full else ROLES[1:5]  # some accounts have no known decision maker yet
    for dept_name, title, role, stance in roles:
        i, g = names.pop()
        given, given_kana = GIVEN[g]
        moved = last_move_day(today, rng)
        promoted = title in PROMOTED and rng.random() < 0.5
        form = PersonForm(
            name=f"{SURNAMES[i]}\u3000{given}",
            name_kana=f"{SURNAME_KANA[i]} {given_kana}",
            department_id=str(departments[dept_name].id),
            title=PROMOTED[title] if promoted else title,
            buying_role=role,
            stance=stance,
            email=f"{SURNAME_ROMAJI[i]}.{len(persons) + 1}@{mail_domain}",
            phone=f"{area}-{rng.randint(1000, 9999)}-{rng.randint(1000, 9999)}",
            mobile=f"090-{rng.randint(1000, 9999)}-{rng.randint(1000, 9999)}",
            confirm_duplicate="1",
            reports_to_id=str(persons[0].id) if persons and role != "decision_maker" else "",
            moved_on=date(moved.year - rng.randint(2, 6), 4, 1).isoformat(),  # the post as first known
        )
        person = await people.create_person(db, owner, company.id, parse_person(form), clock)
        if promoted:  # promoted at the last 人事異動: the history shows the move on its date
            form = replace(form, title=title, moved_on=moved.isoformat(), version=person.version)
            person = await people.update_person(db, owner, person.id, parse_person(form), clock)
        persons.append(person)
    now = clock.now()
    steps = STORY[: rng.randint(3, len(STORY))]
    start = rng.randint(90, 170)  # days ago of the first contact
    for n, (kind, subject) in enumerate(steps):
        days_ago = start - (start - 2) * n // max(1, len(steps) - 1)  # oldest first, the last a few days ago
        when = now - timedelta(days=days_ago, hours=rng.randint(0, 8))
        picked = tuple(p.id for p in rng.sample(persons, k=min(len(persons), rng.randint(0, 2))))
        await timeline.add_activity(
            db,
            owner,
            company.id,
            ActivityInput(kind=ActivityKind(kind), subject=subject, occurred_at=when, person_ids=picked),
            clock=clock,
        )

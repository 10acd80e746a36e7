"""The board benchmark's dataset: N deals (20% open, the rest won or lost) with their companies,
persons, activities and tasks, bulk-inserted (benchmarks/board.py times the board on it)."""

from __future__ import annotations

import asyncio
import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import insert, select, text
from sqlalchemy.ext.asyncio import AsyncConnection, async_sessionmaker, create_async_engine

from salesdesk.accounts import normalize as norm
from salesdesk.accounts.models import Activity, Company, Person, SearchTerm
from salesdesk.accounts.people import person_terms
from salesdesk.accounts.search import company_terms
from salesdesk.auth import passwords
from salesdesk.auth import services as auth
from salesdesk.auth.models import Role, Team
from salesdesk.migrate import upgrade
from salesdesk.pipeline import setup
from salesdesk.pipeline.models import Deal, DealContact, DealEvent
from salesdesk.pipeline.moves import RANK_GAP
from salesdesk.tasks.models import Task

PASSWORD = "benchmark-password"
TEAMS = ("東日本営業部", "西日本営業部")
REPS_PER_TEAM = 5  # ten reps in two teams, each team with its manager
CHUNK = 5_000  # rows per executemany
OPEN_WEIGHTS = (30, 25, 20, 15, 10)  # share of the open deals in リード … 交渉
FORECAST_BY_STAGE = ("C", "C", "B", "B", "A")
TITLES = (
    "生産管理システム更新",
    "全社PC入替 300台",
    "物流倉庫WMS導入",
    "保守契約更新 2027年度",
    "UTM入替",
    "Microsoft 365 ライセンス追加",
    "工場IoT見える化 PoC",
    "電子契約サービス導入",
)


@dataclass
class Dataset:
    deals: int
    open_deals: int
    rep_email: str
    visible_open: int  # open deals the rep's board counts (their team's)
    move_deal_id: int  # the rep's own deal in リード, moved back and forth to 商談化
    move_stages: tuple[int, int]
    rep_id: int = 0
    manager_email: str = "bench-manager0@example.com"  # the rep's manager
    company_id: int = 0  # the moved deal's company
    phone: str = ""  # its champion's phone, as typed in the header search (full-width, in brackets)


# --- the dataset -----------------------------------------------------------------------------


async def _users(url: str) -> tuple[list[int], list[int], str]:
    """Two teams, each with a manager and five reps; returns (rep ids, their team ids, rep0's email)."""
    passwords.configure(time_cost=1, memory_kib=1024)  # twelve users in milliseconds
    engine = create_async_engine(url)
    async with async_sessionmaker(engine, expire_on_commit=False)() as db:
        await setup.ensure_defaults(db)
        reps, rep_teams = [], []
        for t, name in enumerate(TEAMS):
            team = Team(name=name)
            db.add(team)
            await db.flush()
            manager = await auth.create_user(
                db,
                email=f"bench-manager{t}@example.com",
                name=f"部長 {t}",
                role=Role.manager,
                team_id=team.id,
                password=PASSWORD,
            )
            team.manager_id = manager.id
            for r in range(REPS_PER_TEAM):
                rep = await auth.create_user(
                    db,
                    email=f"bench-rep{t * REPS_PER_TEAM + r}@example.com",
                    name=f"営業 {t}-{r}",
                    role=Role.rep,
                    team_id=team.id,
                    password=PASSWORD,
                )
                reps.append(rep.id)
                rep_teams.append(team.id)
        await db.commit()
    await engine.dispose()
    return reps, rep_teams, "bench-rep0@example.com"


async def _insert(conn: AsyncConnection, model: Any, rows: list[dict[str, Any]], *, ids: bool = True) -> list[int]:
    """Bulk insert in chunks; the new rows' ids in insertion order (the tables start empty)."""
    for start in range(0, len(rows), CHUNK):
        await conn.execute(insert(model), rows[start : start + CHUNK])
    if not ids or not hasattr(model, "id"):
        return []
    return list(await conn.scalars(select(model.id).order_by(model.id)))


def _company_rows(n: int, owners: list[int]) -> list[dict[str, Any]]:
    return [
        {
            "name": f"株式会社ベンチ{c:05d}",
            "name_kana": f"ベンチ{c:05d}",
            "normalized_name": f"ベンチ{c:05d}",
            "kana_key": f"ベンチ{c:05d}",
            "industry": "製造業",
            "owner_id": owners[c % len(owners)],
        }
        for c in range(n)
    ]


def _phone(p: int) -> str:
    """The p-th person's phone: 03-5000-0000, 03-5000-0001, …"""
    return f"03-{5000 + p // 10000:04d}-{p % 10000:04d}"


def _person_rows(company_ids: list[int]) -> list[dict[str, Any]]:
    return [
        {
            "company_id": company_id,
            "name": f"担当 {n}{k}",
            "name_key": f"担当{n}{k}",
            "name_kana": "タントウ",
            "kana_key": "タントウ",
            "title": ("部長", "課長")[k],
            "phone": _phone(2 * n + k),
            "phone_digits": norm.phone_digits(_phone(2 * n + k)),
            "buying_role": ("decision_maker", "champion")[k],
        }
        for n, company_id in enumerate(company_ids)
        for k in range(2)
    ]


def _term_rows(
    companies: list[dict[str, Any]], company_ids: list[int], persons: list[dict[str, Any]], person_ids: list[int]
) -> list[dict[str, Any]]:
    """The header search's index of every company and person, as the services write it."""
    rows = []
    for row, company_id in zip(companies, company_ids, strict=True):
        company = Company(normalized_name=row["normalized_name"], kana_key=row["kana_key"], phone_digits="", website="")
        rows += [{"entity": "company", "entity_id": company_id, "term": t} for t in company_terms(company)]
    for row, person_id in zip(persons, person_ids, strict=True):
        person = Person(
            name_key=row["name_key"], kana_key=row["kana_key"], email_key="", phone_digits=row["phone_digits"]
        )
        person.mobile_digits = ""
        rows += [{"entity": "person", "entity_id": person_id, "term": t} for t in person_terms(person)]
    return rows


def _deal_rows(
    n: int,
    rng: random.Random,
    stages: list[Any],
    reps: list[int],
    company_ids: list[int],
    reason_id: int,
    now: datetime,
    today: date,
) -> list[dict[str, Any]]:
    opened = [s for s in stages if s.is_open]
    won, lost = next(s for s in stages if s.is_won), next(s for s in stages if s.is_lost)
    ranks: dict[int, int] = {}
    rows = []
    for i in range(n):
        created = now - timedelta(days=rng.randint(1, 700), minutes=rng.randint(0, 600))
        owner = reps[0] if i == 0 else rng.choice(reps)  # the first: rep0's lead, which the benchmark moves
        if i % 5 == 0:  # 20% open
            k = 0 if i == 0 else rng.choices(range(len(opened)), OPEN_WEIGHTS[: len(opened)])[0]
            stage, closed_on = opened[k], None
            close = today + timedelta(days=rng.randint(-30, 300))
            forecast = FORECAST_BY_STAGE[min(k, 4)]
        else:
            stage = won if rng.random() < 0.45 else lost
            closed_on = min(today, (created + timedelta(days=rng.randint(10, 120))).date())
            close, forecast = closed_on, "A" if stage is won else "C"
        ranks[stage.id] = ranks.get(stage.id, 0) + RANK_GAP
        rows.append(
            {
                "pipeline_id": stage.pipeline_id,
                "stage_id": stage.id,
                "company_id": rng.choice(company_ids),
                "title": TITLES[i % len(TITLES)],
                "amount_jpy": rng.randrange(300_000, 48_000_000, 10_000),
                "expected_close_date": close,
                "owner_id": owner,
                "forecast": forecast,
                "probability": rng.choice((None,) * 19 + (90,)) if stage.is_open else None,
                "source": "展示会",
                "won_on": closed_on if stage is won else None,
                "lost_on": closed_on if stage is lost else None,
                "lost_reason_id": reason_id if stage is lost else None,
                "board_rank": ranks[stage.id],
                "stage_entered_at": created + timedelta(days=2),
                "created_at": created,
                "updated_at": created,
                "last_activity_at": now - timedelta(days=rng.randint(0, 60), minutes=rng.randint(0, 600)),
            }
        )
    return rows


def _follow_rows(
    deals: list[dict[str, Any]],
    deal_ids: list[int],
    open_ids: set[int],
    rng: random.Random,
    today: date,
    first_stage: int,
) -> dict[Any, list[dict[str, Any]]]:
    """Per deal: its creation event (and closing one), an activity, a contact; a next action for
    90% of the open deals, a completed task for a fifth of the closed ones."""
    events, activities, contacts, tasks = [], [], [], []
    for n, (row, deal_id) in enumerate(zip(deals, deal_ids, strict=True)):
        is_open = deal_id in open_ids
        created_in = str(row["stage_id"] if is_open else first_stage)
        events.append(
            {
                "deal_id": deal_id,
                "at": row["created_at"],
                "actor_id": row["owner_id"],
                "field": "stage_id",
                "old_value": None,
                "new_value": created_in,
                "note": "",
                "change_set": f"c{deal_id:031x}",  # one save each: deterministic ids
            }
        )
        if not is_open:
            events.append(
                {
                    "deal_id": deal_id,
                    "at": row["stage_entered_at"],
                    "actor_id": row["owner_id"],
                    "field": "stage_id",
                    "old_value": created_in,
                    "new_value": str(row["stage_id"]),
                    "note": "",
                    "change_set": f"d{deal_id:031x}",
                }
            )
        activities.append(
            {
                "kind": "call",
                "occurred_at": row["last_activity_at"],
                "subject": "状況確認の電話",
                "company_id": row["company_id"],
                "deal_id": deal_id,
                "user_id": row["owner_id"],
            }
        )
        contacts.append({"deal_id": deal_id, "person_id": row["person_id"], "role": "champion", "is_primary": True})
        if (is_open and n % 10 != 5) or (not is_open and n % 5 == 1):
            tasks.append(
                {
                    "title": "見積のフォロー電話",
                    "kind": "call",
                    "owner_id": row["owner_id"],
                    "deal_id": deal_id,
                    "company_id": row["company_id"],
                    "uid": f"bench-{deal_id}@salesdesk",
                    "due_on": today + timedelta(days=rng.randint(-10, 30)),
                    "status": "open" if is_open else "done",
                    "completed_at": None if is_open else row["last_activity_at"],
                }
            )
    return {DealEvent: events, Activity: activities, DealContact: contacts, Task: tasks}


async def seed(url: str, n: int, *, seed_value: int = 11) -> Dataset:
    """A deterministic dataset of n deals in a fresh, migrated database."""
    await asyncio.to_thread(upgrade, url)
    reps, _, rep_email = await _users(url)
    rng, now = random.Random(seed_value), datetime.now(UTC)
    today = now.date()
    engine = create_async_engine(url)
    async with async_sessionmaker(engine)() as db:
        pipeline = await setup.get_pipeline(db, None)
        stages = list(pipeline.stages)
        reason_id = (await setup.list_lost_reasons(db))[0].id
    async with engine.begin() as conn:
        companies = _company_rows(max(1, n // 4), reps)
        company_ids = await _insert(conn, Company, companies)
        persons = _person_rows(company_ids)
        person_ids = await _insert(conn, Person, persons)
        await _insert(conn, SearchTerm, _term_rows(companies, company_ids, persons, person_ids), ids=False)
        deals = _deal_rows(n, rng, stages, reps, company_ids, reason_id, now, today)
        deal_ids = await _insert(conn, Deal, deals)
        open_ids = {
            deal_id
            for row, deal_id in zip(deals, deal_ids, strict=True)
            if row["won_on"] is None and row["lost_on"] is None
        }
        position = {company_id: k for k, company_id in enumerate(company_ids)}
        for row in deals:  # the company's champion: its second person
            row["person_id"] = person_ids[2 * position[row["company_id"]] + 1]
        for model, rows in _follow_rows(deals, deal_ids, open_ids, rng, today, stages[0].id).items():
            await _insert(conn, model, rows)
    if engine.dialect.name == "postgresql":
        # What autovacuum does soon after a bulk load (PostgreSQL 13+ vacuums after inserts too): the
        # statistics, and the visibility map that lets the board's totals read their covering index alone.
        async with engine.connect() as conn:
            await (await conn.execution_options(isolation_level="AUTOCOMMIT")).execute(text("VACUUM ANALYZE"))
    await engine.dispose()
    first, second = stages[0].id, stages[1].id
    team = set(reps[:REPS_PER_TEAM])
    visible = sum(1 for row, d in zip(deals, deal_ids, strict=True) if d in open_ids and row["owner_id"] in team)
    champion = 2 * company_ids.index(deals[0]["company_id"]) + 1
    area, middle, last = _phone(champion).split("-")
    typed = f"{area}（{middle}）{last}".translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    return Dataset(
        n,
        len(open_ids),
        rep_email,
        visible,
        deal_ids[0],
        (first, second),
        rep_id=reps[0],
        company_id=deals[0]["company_id"],
        phone=typed,
    )

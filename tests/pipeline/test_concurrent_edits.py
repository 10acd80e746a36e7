"""N people save the same version of one row at the same moment: exactly one save wins, every other
gets a 409 (never a 500), and the audit log holds one entry for the change.

Each browser talks to the app over httpx's ASGI transport on the test's event loop (not the test
client's blocking portal, which runs requests one after another), so the gathered requests
really race: each passes the version check before any writes, as on a busy server.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from salesdesk.accounts.models import Company, Department, Person
from salesdesk.audit.models import AuditEntry
from salesdesk.auth.models import Team, User
from salesdesk.pipeline.models import Deal, DealContact, LostReason, Pipeline, SalesSettings, Stage
from salesdesk.tasks.models import Task
from tests.auth.conftest import browsers, try_login
from tests.conftest import PASSWORD

CLIENTS = 10


@dataclass
class Target:
    row: object  # the row everyone edits (as drawn on their forms)
    url: str
    form: Callable[[int], dict[str, str]]  # client number -> that client's input


async def company(f) -> Target:
    row = await f.make_company(f.rep, "株式会社競合")
    return Target(row, f"/accounts/{row.id}", lambda n: {"name": f"株式会社競合{n}", "confirm_duplicate": "1"})


async def person(f) -> Target:
    row = await f.make_person(f.rep, await f.make_company(f.rep, "株式会社人"), "山田 太郎")
    return Target(row, f"/persons/{row.id}", lambda n: {"name": f"山田 太郎{n}", "stance": "neutral"})


async def department(f) -> Target:
    account = await f.make_company(f.rep, "株式会社部署")
    row = Department(company_id=account.id, name="営業部")
    f.db.add(row)
    await f.db.commit()
    return Target(row, f"/departments/{row.id}", lambda n: {"name": f"営業{n}部"})


async def deal(f) -> Target:
    row = await f.make_deal(f.rep)
    return Target(row, f"/deals/{row.id}/forecast", lambda n: {"forecast": "AB"[n % 2]})


async def task(f) -> Target:
    row = await f.make_task(f.rep, title="見積送付")
    return Target(row, f"/tasks/{row.id}/cancel", lambda n: {})


async def user(f) -> Target:
    return Target(f.rep, f"/admin/users/{f.rep.id}", lambda n: {"name": f"鈴木 {n}", "role": "rep", "team_id": ""})


async def team(f) -> Target:
    row = await f.db.get(Team, f.rep.team_id)
    return Target(row, f"/admin/teams/{row.id}", lambda n: {"name": f"東日本{n}", "manager_id": ""})


async def pipeline_(f) -> Target:
    row = await f.db.get(Pipeline, f.pipeline.id)
    return Target(row, f"/admin/pipelines/{row.id}", lambda n: {"name": f"新規営業{n}"})


async def stage_(f) -> Target:
    row = f.stage("提案")
    return Target(row, f"/admin/stages/{row.id}", lambda n: {"name": f"提案{n}", "probability": "40", "kind": "open"})


async def lost_reason(f) -> Target:
    row = await f.db.scalar(select(LostReason).order_by(LostReason.id).limit(1))
    return Target(row, f"/admin/lost-reasons/{row.id}", lambda n: {"name": f"理由{n}"})


OTHER_MONTHS = [month for month in range(1, 13) if month != 4]  # each a change from April, the default


async def sales_settings(f) -> Target:
    row = await f.db.scalar(select(SalesSettings))
    return Target(row, "/admin/sales-settings", lambda n: {"fiscal_year_start_month": str(OTHER_MONTHS[n])})


KINDS: dict[str, Callable[..., Awaitable[Target]]] = {
    "company": company,
    "person": person,
    "department": department,
    "deal": deal,
    "task": task,
    "user": user,
    "team": team,
    "pipeline": pipeline_,
    "stage": stage_,
    "lost_reason": lost_reason,
    "sales_settings": sales_settings,
}
MODELS = {
    "company": Company,
    "person": Person,
    "department": Department,
    "deal": Deal,
    "task": Task,
    "user": User,
    "team": Team,
    "pipeline": Pipeline,
    "stage": Stage,
    "lost_reason": LostReason,
    "sales_settings": SalesSettings,
}


@pytest.mark.parametrize("kind", KINDS)
async def test_of_n_simultaneous_saves_of_one_version_one_wins_and_the_rest_get_409(
    kind,
    app,
    db,
    admin,
    rep,
    pipeline,
    stage,
    make_company,
    make_person,
    make_deal,
    make_task,
):
    fixtures = SimpleNamespace(
        db=db,
        rep=rep,
        pipeline=pipeline,
        stage=stage,
        make_company=make_company,
        make_person=make_person,
        make_deal=make_deal,
        make_task=make_task,
    )
    target = await KINDS[kind](fixtures)
    await db.commit()
    version, row_id, email = target.row.version, target.row.id, admin.email
    before = await _audit_count(db, MODELS[kind], row_id)

    async with browsers(app) as open_browser:
        clients = await _logged_in(open_browser, email)
        responses = await asyncio.gather(
            *(
                client.post(
                    target.url,
                    data=target.form(n) | {"version": str(version), "_csrf_token": client.cookies["csrftoken"]},
                )
                for n, client in enumerate(clients)
            )
        )

    statuses = sorted(r.status_code for r in responses)
    assert statuses == [303] + [409] * (CLIENTS - 1), [(r.status_code, r.text[:300]) for r in responses]
    assert await _audit_count(db, MODELS[kind], row_id) == before + 1


async def _logged_in(open_browser, email: str) -> list:
    """CLIENTS browsers, each at an address of its own (the login throttle counts per address)."""
    clients = []
    for n in range(CLIENTS):
        client = await open_browser(f"10.0.0.{n + 1}")
        assert (await try_login(client, email, PASSWORD)).status_code == 303
        clients.append(client)
    return clients


async def _audit_count(db, model, row_id: int) -> int:
    db.expire_all()
    return await db.scalar(
        select(func.count()).where(AuditEntry.entity == model.__tablename__, AuditEntry.entity_id == row_id)
    )


async def test_people_attached_to_a_new_committee_at_once_leave_exactly_one_primary_contact(
    app, db, rep, make_deal, make_company, make_person
):
    company = await make_company(rep, "株式会社同時商事")
    deal = await make_deal(rep, "提案", company)
    persons = [await make_person(rep, company, f"担当 {n}号", email=f"p{n}@example.jp") for n in range(CLIENTS)]
    deal_id, person_ids, email = deal.id, [p.id for p in persons], rep.email

    async with browsers(app) as open_browser:
        clients = await _logged_in(open_browser, email)
        responses = await asyncio.gather(
            *(
                client.post(
                    f"/deals/{deal_id}/contacts",
                    data={"person_id": str(person_id), "_csrf_token": client.cookies["csrftoken"]},
                )
                for client, person_id in zip(clients, person_ids, strict=True)
            )
        )

    assert {r.status_code for r in responses} <= {303, 409}, [r.status_code for r in responses]
    assert (
        await db.scalar(select(func.count()).where(DealContact.deal_id == deal_id, DealContact.is_primary.is_(True)))
        == 1
    )

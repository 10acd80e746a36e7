"""Review page benchmark: a team with N open deals (the board's dataset, 5×N deals with every rep put in
one team) of which C changed in the last week (amounts, expected-close push-outs, stage moves, each
written as the services write it: the deal's row and its DealEvent, one change set per save); then
the team's manager opens /pipeline/changes for the week, timed over loopback HTTP beside the same
bare handler inside the app (the in-app floor: session, CSRF, middleware) and a bare Litestar route;
then the first view after each of a few more changes (the page keeps its figures until the history
changes: meetings/kept.py); then GET /api/v1/pipeline/changes for the same week with the manager's
token (it lists every deal of the bridge, the 4,000 unchanged ones too).

Prints a few readable lines, then one JSON object as the last line.
"""

from __future__ import annotations

import json
import random
import shutil
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import bindparam, select, update
from sqlalchemy.ext.asyncio import create_async_engine

from benchmarks.accounts import percentiles
from benchmarks.api import _timed, _token
from benchmarks.board import floors, log_in, served, timed_gets
from benchmarks.board_data import seed
from salesdesk.auth.models import Role, User
from salesdesk.db import run_async
from salesdesk.pipeline.models import Deal, DealEvent, Stage, StageKind

MANAGER = "bench-manager0@example.com"


async def one_team_and_changes(url: str, changes: int, now: datetime, *, seed_value: int = 5) -> tuple[int, int]:
    """Every rep into team 0 (as if always there), then `changes` open deals changed in the last 3
    days. Returns (team id, open deals)."""
    rng = random.Random(seed_value)
    engine = create_async_engine(url)
    async with engine.begin() as conn:
        team_id = await conn.scalar(select(User.team_id).where(User.email == MANAGER))
        await conn.execute(update(User).where(User.role == Role.rep).values(team_id=team_id))
        stages = list(await conn.execute(select(Stage.id, Stage.position, Stage.kind).order_by(Stage.position)))
        opened = [s.id for s in stages if s.kind == StageKind.open]
        rows = list(
            await conn.execute(
                select(Deal.id, Deal.stage_id, Deal.amount_jpy, Deal.expected_close_date, Deal.owner_id, Deal.version)
                .where(Deal.stage_id.in_(opened))
                .order_by(Deal.id)
            )
        )
        events, deals = [], []
        for n, row in enumerate(rng.sample(rows, min(changes, len(rows)))):
            at = now - timedelta(days=rng.uniform(0, 3))
            values = {"b_id": row.id, "b_amount": row.amount_jpy, "b_close": row.expected_close_date}
            values["b_stage"] = row.stage_id
            kind = n % 20
            if kind < 8:  # amount up or down
                field, old, new = (
                    "amount_jpy",
                    row.amount_jpy,
                    max(10_000, row.amount_jpy + rng.choice((-1, 1)) * 500_000),
                )
                values["b_amount"] = new
            elif kind < 15:  # pushed out
                field, old, new = (
                    "expected_close_date",
                    row.expected_close_date,
                    row.expected_close_date + timedelta(30),
                )
                values["b_close"] = new
            else:  # to the next open stage (or back from the last)
                k = opened.index(row.stage_id)
                field, old, new = "stage_id", row.stage_id, opened[k + 1 if k + 1 < len(opened) else k - 1]
                values["b_stage"] = new
            deals.append(values)
            events.append(
                {
                    "deal_id": row.id,
                    "at": at,
                    "actor_id": row.owner_id,
                    "field": field,
                    "old_value": DealEvent.text(old),
                    "new_value": DealEvent.text(new),
                    "note": "",
                    "change_set": f"r{row.id:031x}",
                }  # fmt: skip
            )
        await conn.execute(
            update(Deal.__table__)
            .where(Deal.__table__.c.id == bindparam("b_id"))
            .values(
                amount_jpy=bindparam("b_amount"),
                expected_close_date=bindparam("b_close"),
                stage_id=bindparam("b_stage"),
                version=Deal.__table__.c.version + 1,
            ),
            deals,
        )
        await conn.execute(DealEvent.__table__.insert(), events)
    await engine.dispose()
    return team_id, len(rows)


async def one_more_change(url: str, n: int) -> None:
    """One more amount change in the team's week, as the services write it (the row and its event)."""
    engine = create_async_engine(url)
    async with engine.begin() as conn:
        deal = (
            await conn.execute(select(Deal.id, Deal.amount_jpy, Deal.owner_id).order_by(Deal.id).offset(n).limit(1))
        ).one()
        await conn.execute(
            update(Deal).where(Deal.id == deal.id).values(amount_jpy=deal.amount_jpy + 1000, version=Deal.version + 1)
        )
        await conn.execute(
            DealEvent.__table__.insert(),
            {
                "deal_id": deal.id,
                "at": datetime.now(UTC),
                "actor_id": deal.owner_id,
                "field": "amount_jpy",
                "old_value": DealEvent.text(deal.amount_jpy),
                "new_value": DealEvent.text(deal.amount_jpy + 1000),
                "note": "",
                "change_set": f"m{n:031x}",
            },
        )
    await engine.dispose()


def run(open_deals: int, changes: int, requests: int, database_url: str) -> dict[str, Any]:
    tmp = None if database_url else Path(tempfile.mkdtemp(prefix="salesdesk-bench-"))
    url = database_url or f"sqlite+aiosqlite:///{tmp / 'bench.db'}"
    start = time.perf_counter()
    now = datetime.now(UTC)
    run_async(seed(url, open_deals * 5))
    team_id, in_team = run_async(one_team_and_changes(url, changes, now))
    token = run_async(_token(url, MANAGER))
    figures: dict[str, Any] = {
        "database": url.split("+")[0],
        "team_open_deals": in_team,
        "changes": min(changes, in_team),
        "seed_s": round(time.perf_counter() - start, 1),
    }
    query = f"team_id={team_id}&since={(now - timedelta(days=7)):%Y-%m-%dT%H:%M:%SZ}"
    page, api = f"/pipeline/changes?{query}", f"/api/v1/pipeline/changes?{query}"
    with served(url) as (app_url, floor_url, statements):
        with httpx.Client(base_url=app_url, follow_redirects=False, timeout=60) as client:
            log_in(client, MANAGER)
            figures |= floors(floor_url, client, requests)
            timed_gets(client, page, 3)  # warm up: templates compiled, statements cached
            statements.clear()
            timed_gets(client, page, 1)
            figures["queries"] = len(statements)
            figures["review_p50_ms"], figures["review_p95_ms"] = percentiles(timed_gets(client, page, requests))
            after_change = []
            for n in range(max(requests // 5, 5)):  # the first view after a change: the bridge is computed again
                run_async(one_more_change(url, n))
                statements.clear()
                after_change += timed_gets(client, page, 1)
            figures["queries_after_change"] = len(statements)
            figures["review_after_change_p50_ms"], figures["review_after_change_p95_ms"] = percentiles(after_change)
        headers = {"Authorization": f"Bearer {token}"}
        with httpx.Client(base_url=app_url, headers=headers, timeout=60) as client:
            _timed(client, "GET", api, 3)
            statements.clear()
            _timed(client, "GET", api, 1)
            figures["api_queries"] = len(statements)
            figures["api_p50_ms"], figures["api_p95_ms"] = percentiles(_timed(client, "GET", api, requests))
    if tmp is not None:
        shutil.rmtree(tmp, ignore_errors=True)
    figures["review_p50_over_app_floor_p50"] = round(figures["review_p50_ms"] / figures["app_floor_p50_ms"], 1)
    figures["review_p95_over_app_floor_p95"] = round(figures["review_p95_ms"] / figures["app_floor_p95_ms"], 1)
    figures["review_after_change_p50_over_app_floor_p50"] = round(
        figures["review_after_change_p50_ms"] / figures["app_floor_p50_ms"], 1
    )
    figures["api_p50_over_app_floor_p50"] = round(figures["api_p50_ms"] / figures["app_floor_p50_ms"], 1)
    figures["api_p95_over_app_floor_p95"] = round(figures["api_p95_ms"] / figures["app_floor_p95_ms"], 1)
    for key, value in figures.items():
        print(f"{key:>30}: {value}")
    print(json.dumps(figures, ensure_ascii=False))
    return figures

"""Accounts benchmark: a deterministic dataset imported through the real importer, then the
header search and the account pages timed in-process beside a bare Litestar route.

Prints a few readable lines, then one JSON object as the last line.
"""

from __future__ import annotations

import asyncio
import csv
import io
import json
import logging
import random
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from litestar import Litestar, get
from litestar.testing import AsyncTestClient
from sqlalchemy import event, func, select
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

from salesdesk.accounts import importing
from salesdesk.accounts.import_files import guess_mapping, read_table
from salesdesk.accounts.models import Company, Person
from salesdesk.app import create_app
from salesdesk.auth import services as auth
from salesdesk.auth.models import Role
from salesdesk.migrate import upgrade
from salesdesk.settings import Settings

logging.getLogger("httpx").setLevel(logging.WARNING)
PASSWORD = "benchmark-password"
SURNAMES = [
    ("佐藤", "サトウ"),
    ("鈴木", "スズキ"),
    ("高橋", "タカハシ"),
    ("田中", "タナカ"),
    ("伊藤", "イトウ"),
    ("渡辺", "ワタナベ"),
    ("山本", "ヤマモト"),
    ("中村", "ナカムラ"),
    ("小林", "コバヤシ"),
    ("加藤", "カトウ"),
]
GIVEN = [("健太", "ケンタ"), ("陽子", "ヨウコ"), ("誠", "マコト"), ("恵", "メグミ"), ("隆", "タカシ"), ("真理", "マリ")]
DEPARTMENTS = ["本社 > 情報システム部", "本社 > 総務部", "本社 > 購買部", "営業本部 > 第一営業部"]


def dataset(persons: int) -> bytes:
    """persons rows, four persons per company, as a CP932 CSV like an Excel export."""
    rng = random.Random(7)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        [
            "会社名",
            "フリガナ",
            "部署",
            "担当者名",
            "担当者フリガナ",
            "役職",
            "電話番号",
            "メールアドレス",
            "最終対応日",
            "メモ",
        ]
    )
    for n in range(persons):
        company = n // 4
        (sei, sei_kana), (mei, mei_kana) = rng.choice(SURNAMES), rng.choice(GIVEN)
        writer.writerow(
            [
                f"株式会社ベンチ{company:05d}",
                f"ベンチ{company:05d}",
                DEPARTMENTS[n % 4],
                f"{sei}\u3000{mei}",
                f"{sei_kana} {mei_kana}",
                rng.choice(["部長", "課長", "主任", ""]),
                f"03-{5000 + n // 10000:04d}-{n % 10000:04d}",
                f"p{n}@bench{company}.example.jp",
                f"2026/{rng.randint(1, 10)}/{rng.randint(1, 28)}",
                "定例の電話" if n % 3 == 0 else "",
            ]
        )
    return out.getvalue().encode("cp932")


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return round(statistics.median(ordered), 2), round(ordered[int(len(ordered) * 0.95) - 1], 2)


async def _timed(client: AsyncTestClient, url: str, n: int, headers: dict[str, str] | None = None) -> list[float]:
    samples = []
    for _ in range(n):
        start = time.perf_counter()
        response = await client.get(url, headers=headers or {})
        samples.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    return samples


async def run(persons: int, requests: int, database_url: str) -> None:
    tmp = Path(tempfile.mkdtemp(prefix="salesdesk-bench-"))
    url = database_url or f"sqlite+aiosqlite:///{tmp / 'bench.db'}"
    await asyncio.to_thread(upgrade, url)
    engine = create_async_engine(url)
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    async with sessions() as db:
        admin = await auth.create_user(
            db, email="bench-admin@example.com", name="管理者", role=Role.admin, team_id=None, password=PASSWORD
        )
        rep = await auth.create_user(
            db, email="bench-rep@example.com", name="担当", role=Role.rep, team_id=None, password=PASSWORD
        )
        await db.commit()
    table = read_table(dataset(persons), "bench.csv")
    mapping = guess_mapping(table.headers)
    figures: dict[str, Any] = {"persons": persons, "database": url.split(":", 1)[0]}
    async with sessions() as db:
        start = time.perf_counter()
        await importing.preview(db, admin, table, mapping)
        figures["import_preview_s"] = round(time.perf_counter() - start, 2)
        start = time.perf_counter()
        result = await importing.commit(db, admin, table, mapping)
        await db.commit()
        figures["import_commit_s"] = round(time.perf_counter() - start, 2)
        figures["imported"] = result.as_json()["persons"]
        company_id = await db.scalar(select(func.min(Company.id)))
        figures["persons_in_db"] = await db.scalar(select(func.count()).select_from(Person))
    await engine.dispose()

    settings = Settings(
        database_url=url, secret_key="benchmark-secret-" + "x" * 32, argon2_time_cost=1, argon2_memory_kib=1024
    )
    app = create_app(settings)

    @get("/floor", sync_to_thread=False)
    def floor() -> str:
        return "ok"

    bare = Litestar([floor])
    pages = {
        "search_phone": ("/search?q=" + "０３（５００１）２３４５", True),
        "search_kana": ("/search?q=たなか", True),
        "search_name": ("/search?q=ベンチ01234", True),
        "company_list": ("/accounts", False),
        "company_page": (f"/accounts/{company_id}", False),
    }
    async with AsyncTestClient(app) as client, AsyncTestClient(bare) as floor_client:
        await client.get("/login")
        token = client.cookies["csrftoken"]
        login = await client.post(
            "/login", data={"email": rep.email, "password": PASSWORD, "_csrf_token": token}, follow_redirects=False
        )
        assert login.status_code == 303, login.text
        statements: list[str] = []
        event.listen(
            app.state.alchemy.get_engine().sync_engine,
            "before_cursor_execute",
            lambda conn, cursor, statement, *args: statements.append(statement),
        )
        await _timed(floor_client, "/floor", 20)
        figures["floor_p50_ms"], figures["floor_p95_ms"] = percentiles(await _timed(floor_client, "/floor", requests))
        for name, (path, htmx) in pages.items():
            headers = {"hx-request": "true"} if htmx else {}
            await _timed(client, path, 5, headers)  # warm up
            statements.clear()
            await _timed(client, path, 1, headers)
            figures[f"{name}_queries"] = len(statements)
            figures[f"{name}_p50_ms"], figures[f"{name}_p95_ms"] = percentiles(
                await _timed(client, path, requests, headers)
            )
    for key, value in figures.items():
        print(f"{key:>24}: {value}")
    print(json.dumps(figures, ensure_ascii=False))

"""Where a page's time goes: the board's dataset, then one page requested R times in this process through
the ASGI app (httpx's ASGI transport, in this thread: cProfile sees the handler, SQLAlchemy, the driver hand-off
and Jinja), its cumulative profile grouped by layer and the top functions by own time.

.venv/bin/python -m benchmarks profile --deals 10000 --page /pipeline [--requests 200] [--postgres]

The grouping is by the file a function lives in; a function's own time (tottime) is counted once, so the
layers add up to the profiled total.
"""

from __future__ import annotations

import asyncio
import cProfile
import logging
import pstats
import shutil
import tempfile
from pathlib import Path

import httpx
from litestar import Litestar

from benchmarks.board_data import PASSWORD, Dataset, seed
from salesdesk.app import create_app
from salesdesk.db import run_async
from salesdesk.settings import Settings

LAYERS = (  # first match wins: (layer, substrings of the file path)
    ("SQLAlchemy", ("sqlalchemy/",)),
    ("driver (aiosqlite/asyncpg, thread hand-off)", ("aiosqlite", "asyncpg", "sqlite3", "threading", "queue.py")),
    ("Jinja (templates, escaping, gettext)", ("jinja2", "markupsafe", "gettext", "babel", "<template>", "templates/")),
    ("salesdesk", ("salesdesk/",)),
    ("Litestar and middleware", ("litestar", "msgspec", "multipart")),
    ("asyncio and the test transport", ("asyncio", "httpx", "anyio", "h11")),
)


def layer(filename: str) -> str:
    return next((name for name, parts in LAYERS if any(p in filename for p in parts)), "other")


async def _requests(app: Litestar, data: Dataset, page: str, requests: int, profiler: cProfile.Profile) -> None:
    transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
    async with app.lifespan(), httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
        await client.get("/login")
        token = client.cookies["csrftoken"]
        form = {"email": data.rep_email, "password": PASSWORD, "_csrf_token": token}
        response = await client.post("/login", data=form, follow_redirects=False)
        assert response.status_code == 303, (response.status_code, response.text[:300])
        path = page.format(deal=data.move_deal_id, company=data.company_id, rep=data.rep_id)
        for _ in range(5):  # templates compiled, statements cached
            assert (await client.get(path)).status_code == 200
        profiler.enable()
        for _ in range(requests):
            await client.get(path)
        profiler.disable()


def run(deals: int, page: str, requests: int, database_url: str) -> None:
    tmp = None if database_url else Path(tempfile.mkdtemp(prefix="salesdesk-prof-"))
    url = database_url or f"sqlite+aiosqlite:///{tmp / 'bench.db'}"
    data: Dataset = run_async(seed(url, deals))
    settings = Settings(
        database_url=url, secret_key="benchmark-secret-" + "x" * 32, argon2_time_cost=1, argon2_memory_kib=1024
    )
    app = create_app(settings)
    logging.getLogger("httpx").setLevel(logging.WARNING)
    profiler = cProfile.Profile()
    asyncio.run(_requests(app, data, page, requests, profiler))
    stats = pstats.Stats(profiler)
    total = sum(row[2] for row in stats.stats.values())  # type: ignore[attr-defined]
    layers: dict[str, float] = {}
    for (filename, _, _), row in stats.stats.items():  # type: ignore[attr-defined]
        layers[layer(filename)] = layers.get(layer(filename), 0.0) + row[2]
    print(f"GET {page} × {requests} at {deals} deals: {total / requests * 1000:.1f} ms of profiled CPU per request")
    for name, seconds in sorted(layers.items(), key=lambda kv: -kv[1]):
        print(f"{seconds / total:6.1%}  {seconds / requests * 1000:6.2f} ms  {name}")
    print()
    stats.sort_stats("tottime").print_stats(25)
    if tmp is not None:
        shutil.rmtree(tmp, ignore_errors=True)

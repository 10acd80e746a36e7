"""Where a page's time goes: the board's dataset, then one page requested R times in this process through
the ASGI app (httpx's ASGI transport, in this thread: cProfile sees the handler, SQLAlchemy, the driver hand-off
and Jinja), its cumulative profile grouped by layer and the top functions by own time.

.venv/bin/python -m benchmarks profile --deals 10000 --page /pipeline [--requests 200] [--postgres] [--stats FILE]

The grouping is by the file a function lives in (a builtin's by its callers'); a function's own time
(tottime) is counted once, so the layers add up to the profiled total. Waiting for the database thread shows
as asyncio (the event loop's poll); the database's own work runs in that thread, which cProfile does not see.
"""

from __future__ import annotations

import asyncio
import cProfile
import logging
import pstats
import shutil
import tempfile
import time
from pathlib import Path

import httpx
from litestar import Litestar, get

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
        for name, url in (("in-app floor", "/bench-floor"), (page, path)):
            cpu = time.process_time()  # the process's CPU (its threads too): steadier than wall time on a busy box
            for _ in range(requests):
                await client.get(url)
            print(f"GET {name}: {(time.process_time() - cpu) / requests * 1000:.1f} ms of CPU per request, unprofiled")
        profiler.enable()
        for _ in range(requests):
            await client.get(path)
        profiler.disable()


def run(deals: int, page: str, requests: int, database_url: str, stats_file: str = "") -> None:
    tmp = None if database_url else Path(tempfile.mkdtemp(prefix="salesdesk-prof-"))
    url = database_url or f"sqlite+aiosqlite:///{tmp / 'bench.db'}"
    data: Dataset = run_async(seed(url, deals))
    settings = Settings(
        database_url=url, secret_key="benchmark-secret-" + "x" * 32, argon2_time_cost=1, argon2_memory_kib=1024
    )
    app = create_app(settings)

    @get("/bench-floor", sync_to_thread=False)
    def app_floor() -> str:  # the in-app floor: a bare handler behind the app's middleware, logged in
        return "ok"

    app.register(app_floor)
    logging.getLogger("httpx").setLevel(logging.WARNING)
    profiler = cProfile.Profile()
    asyncio.run(_requests(app, data, page, requests, profiler))
    stats = pstats.Stats(profiler)
    if stats_file:  # for print_callers(): who calls gettext, a macro, a statement
        stats.dump_stats(stats_file)
    total = sum(row[2] for row in stats.stats.values())  # type: ignore[attr-defined]
    layers: dict[str, float] = {}
    for (filename, _, _), (_, _, own, _, callers) in stats.stats.items():  # type: ignore[attr-defined]
        if filename == "~" and callers:  # a builtin (getattr, str.join …): its time goes to whoever called it
            for (caller_file, _, _), edge in callers.items():
                layers[layer(caller_file)] = layers.get(layer(caller_file), 0.0) + edge[2]
        else:
            layers[layer(filename)] = layers.get(layer(filename), 0.0) + own
    print(f"GET {page} × {requests} at {deals} deals: {total / requests * 1000:.1f} ms of profiled CPU per request")
    for name, seconds in sorted(layers.items(), key=lambda kv: -kv[1]):
        print(f"{seconds / total:6.1%}  {seconds / requests * 1000:6.2f} ms  {name}")
    print()
    stats.sort_stats("tottime").print_stats(25)
    stats.sort_stats("cumulative").print_stats("salesdesk/|templates/", 30)
    if tmp is not None:
        shutil.rmtree(tmp, ignore_errors=True)

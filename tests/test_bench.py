"""The board benchmark at a tiny size: its dataset is one the app reads, and the harness runs end
to end and prints its figures as JSON on the last line. A smoke test, not a timing."""

import json

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

from benchmarks import board as bench
from salesdesk.auth.models import User
from salesdesk.db import run_async
from salesdesk.pipeline import board
from salesdesk.pipeline.filters import DealFilter
from salesdesk.pipeline.models import Deal
from salesdesk.tasks.models import Task


async def read_back(url: str, data: bench.Dataset) -> tuple[int, int, int, int]:
    engine = create_async_engine(url)
    async with async_sessionmaker(engine)() as db:
        rep = await db.scalar(select(User).where(User.email == data.rep_email))
        result = await board.board(db, rep, DealFilter())
        deals = await db.scalar(select(func.count()).select_from(Deal))
        open_tasks = await db.scalar(select(func.count()).select_from(Task).where(Task.status == "open"))
        moved = await db.get(Deal, data.move_deal_id)
        assert moved.owner_id == rep.id and moved.stage_id == data.move_stages[0]
    await engine.dispose()
    return deals, result.count, sum(len(c.cards) for c in result.columns), open_tasks


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_board_benchmark_seeds_deals_a_rep_board_reads(fresh_database, backend):
    url = fresh_database(backend, "bench")

    data = run_async(bench.seed(url, 50))

    deals, counted, shown, open_tasks = run_async(read_back(url, data))
    assert (deals, data.open_deals) == (50, 10)
    assert counted == data.visible_open > 0 and shown == counted  # 50 deals: every open one fits on the board
    assert 0 < open_tasks < data.open_deals  # most open deals have a next action, not all


def test_board_benchmark_runs_end_to_end_and_prints_json_last(fresh_database, capsys):
    url = fresh_database("sqlite", "bench_run")

    bench.run(50, 3, url)

    figures = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    for key in ("board_p50_ms", "board_p95_ms", "floor_p50_ms", "floor_p95_ms", "move_p95_ms"):
        assert figures[key] > 0, key
    assert figures["queries"] > 0 and figures["deals"] == 50 and figures["database"] == "sqlite"


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_api_benchmark_runs_end_to_end_and_prints_json_last(fresh_database, capsys, backend):
    from benchmarks import api as api_bench

    api_bench.run(50, 3, fresh_database(backend, "bench_api"))

    figures = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    for key in ("list_500_p95_ms", "patch_p95_ms", "app_floor_p95_ms", "floor_p95_ms"):
        assert figures[key] > 0, key
    assert figures["list_500_rows"] > 0 and figures["list_500_queries"] > 0 and figures["patch_queries"] > 0


PAGES = (
    "board",
    "board_filtered",
    "deal_list",
    "deal",
    "company",
    "home",
    "tasks",
    "forecast",
    "search_phone",
    "move",
)


def test_pages_benchmark_times_every_page_answering_200_and_prints_json_last(fresh_database, capsys):
    from benchmarks import pages

    pages.run(40, 2, fresh_database("sqlite", "bench_pages"))

    lines = capsys.readouterr().out.strip().splitlines()
    figures = json.loads(lines[-1])
    assert set(figures) == {"floor_p50_ms", "floor_p95_ms", "app_floor_p50_ms", "app_floor_p95_ms", "pages"}
    assert tuple(figures["pages"]) == PAGES
    for name, page in figures["pages"].items():
        assert set(page) == {"p50_ms", "p95_ms", "queries"}, name
        assert page["p50_ms"] > 0 and page["queries"] > 0, name
        assert any(line.split() == [f"{name}:", "200", *line.split()[2:]] for line in lines), (name, lines)


def test_flatness_benchmark_times_every_page_at_both_sizes_and_prints_json_last(capsys):
    from benchmarks import flatness

    flatness.run([30, 60], 4, 2, "")

    figures = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert figures["deals"] == [30, 60] and tuple(figures["pages"]) == PAGES[:-1]  # no card move
    for page in figures["pages"].values():
        assert len(page["p50_ms"]) == len(page["p95_ms"]) == 2 and page["p95_ratio"] > 0


def test_pages_benchmark_stops_on_an_error_answer():
    from benchmarks import pages

    answer = httpx.MockTransport(lambda request: httpx.Response(500, text="boom"))
    with (
        httpx.Client(base_url="http://app", transport=answer) as broken,
        pytest.raises(pages.PageError, match="GET /pipeline answered 500"),
    ):
        pages.checked_get(broken, "/pipeline")


def test_profile_benchmark_shows_where_a_pages_time_goes_by_layer(fresh_database, capsys):
    from benchmarks import profile

    profile.run(40, "/pipeline", 3, fresh_database("sqlite", "bench_profile"))

    out = capsys.readouterr().out
    assert "GET in-app floor:" in out and "GET /pipeline:" in out
    shares = [
        float(line.split("%")[0]) for line in out.splitlines() if line.strip().endswith(("SQLAlchemy", "salesdesk"))
    ]
    assert len(shares) == 2 and all(share > 0 for share in shares), out[:2000]

"""The feed benchmark at a tiny size: it seeds a rep whose feed the app serves, and prints its figures
as JSON on the last line. A smoke test, not a timing."""

import json

import pytest

from benchmarks import calendar_feed


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_feed_benchmark_runs_end_to_end_and_prints_json_last(fresh_database, capsys, backend):
    calendar_feed.run(60, 3, fresh_database(backend, "bench_feed"))

    figures = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    for key in ("feed_p50_ms", "feed_p95_ms", "not_modified_p95_ms", "app_floor_p95_ms", "floor_p95_ms"):
        assert figures[key] > 0, key
    assert figures["open_tasks"] == 60 and figures["queries"] == 3

"""Benchmarks: `python -m benchmarks <name> [options]`; the last line printed is one JSON object.

.venv/bin/python -m benchmarks accounts --persons 20000 [--database-url URL | --postgres]
.venv/bin/python -m benchmarks board --deals 10000 [--requests 200] [--database-url URL | --postgres]
.venv/bin/python -m benchmarks pages --deals 10000 [--requests 200] [--database-url URL | --postgres]
.venv/bin/python -m benchmarks workers --deals 2000 --workers 1 2 [--duration 10] [--connections 8]  (needs wrk)
.venv/bin/python -m benchmarks api --deals 10000 [--requests 200] [--database-url URL | --postgres]
.venv/bin/python -m benchmarks feed --tasks 1000 [--requests 200] [--database-url URL | --postgres]
.venv/bin/python -m benchmarks review --deals 5000 --changes 1000 [--requests 50] [--database-url URL | --postgres]
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from contextlib import contextmanager

from salesdesk.db import run_async


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks")
    sub = parser.add_subparsers(dest="name", required=True)
    accounts = sub.add_parser("accounts", help="import N persons, then time search and the account pages")
    accounts.add_argument("--persons", type=int, default=20000)
    accounts.add_argument("--requests", type=int, default=200)
    accounts.add_argument("--database-url", default="", help="default: a new SQLite file in a temp dir")
    accounts.add_argument(
        "--postgres",
        action="store_true",
        help="start a throwaway PostgreSQL cluster (as the tests do; fsync off) and use it",
    )
    board = sub.add_parser("board", help="seed N deals, then time the board, a card move and a bare route over HTTP")
    board.add_argument("--deals", type=int, default=10000)
    board.add_argument("--requests", type=int, default=200)
    board.add_argument("--database-url", default="", help="an empty database; default: a new SQLite file")
    board.add_argument(
        "--postgres",
        action="store_true",
        help="start a throwaway PostgreSQL cluster (as the tests do; fsync off) and use it",
    )
    pages = sub.add_parser("pages", help="seed N deals, then time every hot page, a card move and the floors over HTTP")
    pages.add_argument("--deals", type=int, default=10000)
    pages.add_argument("--requests", type=int, default=200)
    pages.add_argument("--database-url", default="", help="an empty database; default: a new SQLite file")
    pages.add_argument("--postgres", action="store_true", help="start a throwaway PostgreSQL cluster and use it")
    flatness = sub.add_parser("flatness", help="every hot page at two sizes served at once, in alternating batches")
    flatness.add_argument("--deals", type=int, nargs=2, default=[10000, 50000])
    flatness.add_argument("--requests", type=int, default=200, help="per page and size")
    flatness.add_argument("--batches", type=int, default=10, help="turns the sizes take, per page")
    flatness.add_argument("--database-url", default="", help="a PostgreSQL database beside which to create two")
    flatness.add_argument("--postgres", action="store_true", help="start a throwaway PostgreSQL cluster and use it")
    workers = sub.add_parser("workers", help="`salesdesk serve --workers W` under wrk: requests/s, p50/p99, spread")
    workers.add_argument("--deals", type=int, default=2000)
    workers.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    workers.add_argument("--duration", type=int, default=10, help="seconds of load per page")
    workers.add_argument("--connections", type=int, default=8)
    workers.add_argument("--rounds", type=int, default=0, help="also open the connections at once N times: spread")
    workers.add_argument("--shared-socket", action="store_true", help="uvicorn's own manager instead of serve")
    workers.add_argument("--database-url", default="", help="an empty database; default: a new SQLite file")
    workers.add_argument("--postgres", action="store_true", help="start a throwaway PostgreSQL cluster and use it")
    api = sub.add_parser("api", help="seed N deals, then time a 500-deal API page and a deal PATCH over HTTP")
    api.add_argument("--deals", type=int, default=10000)
    api.add_argument("--requests", type=int, default=200)
    api.add_argument("--database-url", default="", help="an empty database; default: a new SQLite file")
    api.add_argument("--postgres", action="store_true", help="start a throwaway PostgreSQL cluster and use it")
    feed = sub.add_parser("feed", help="a rep with N open tasks, then time their ICS feed (and its 304) over HTTP")
    feed.add_argument("--tasks", type=int, default=1000)
    feed.add_argument("--requests", type=int, default=200)
    feed.add_argument("--database-url", default="", help="an empty database; default: a new SQLite file")
    feed.add_argument("--postgres", action="store_true", help="start a throwaway PostgreSQL cluster and use it")
    profile = sub.add_parser("profile", help="seed N deals, then profile one page in-process (cProfile, by layer)")
    profile.add_argument("--deals", type=int, default=10000)
    profile.add_argument("--page", default="/pipeline", help="{deal}, {company} and {rep} are filled in")
    profile.add_argument("--requests", type=int, default=200)
    profile.add_argument("--database-url", default="", help="an empty database; default: a new SQLite file")
    profile.add_argument("--postgres", action="store_true", help="start a throwaway PostgreSQL cluster and use it")
    profile.add_argument("--stats", default="", help="also write the profile to this file (pstats: callers, callees)")
    review = sub.add_parser("review", help="a team with N open deals, C changed this week: time the review page")
    review.add_argument("--deals", type=int, default=5000, help="open deals in the team")
    review.add_argument("--changes", type=int, default=1000, help="of them changed in the last week")
    review.add_argument("--requests", type=int, default=50)
    review.add_argument("--database-url", default="", help="an empty database; default: a new SQLite file")
    review.add_argument("--postgres", action="store_true", help="start a throwaway PostgreSQL cluster and use it")
    quotes_pdf = sub.add_parser("quotes-pdf", help="time the quote PDF (1 and 5 pages) beside a minimal WeasyPrint one")
    quotes_pdf.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    if args.name == "quotes-pdf":
        from benchmarks import quotes_pdf as quotes_pdf_bench

        quotes_pdf_bench.run(args.repeat)
        return
    if args.name == "accounts":
        from benchmarks import accounts

        with database(args) as url:
            run_async(accounts.run(args.persons, args.requests, url))
    elif args.name == "board":
        from benchmarks import board as board_bench

        with database(args) as url:
            board_bench.run(args.deals, args.requests, url)
    elif args.name == "pages":
        from benchmarks import pages as pages_bench

        with database(args) as url:
            pages_bench.run(args.deals, args.requests, url)
    elif args.name == "flatness":
        from benchmarks import flatness as flatness_bench

        with database(args) as url:
            flatness_bench.run(args.deals, args.requests, args.batches, url)
    elif args.name == "workers":
        from benchmarks import workers as workers_bench

        with database(args) as url:
            workers_bench.run(
                args.deals, args.workers, args.duration, args.connections, url, args.rounds, args.shared_socket
            )
    elif args.name == "feed":
        from benchmarks import calendar_feed

        with database(args) as url:
            calendar_feed.run(args.tasks, args.requests, url)
    elif args.name == "review":
        from benchmarks import review as review_bench

        with database(args) as url:
            review_bench.run(args.deals, args.changes, args.requests, url)
    elif args.name == "profile":
        from benchmarks import profile as profile_bench

        with database(args) as url:
            profile_bench.run(args.deals, args.page, args.requests, url, args.stats)
    elif args.name == "api":
        from benchmarks import api as api_bench

        with database(args) as url:
            api_bench.run(args.deals, args.requests, url)


@contextmanager
def database(args: argparse.Namespace) -> Iterator[str]:
    """--database-url as given, or a throwaway PostgreSQL cluster with --postgres ("" = SQLite in a temp dir)."""
    if not args.postgres:
        yield args.database_url
        return
    from tests.pg import Cluster

    cluster = Cluster()
    server = cluster.start()
    try:
        yield f"{server}/postgres"
    finally:
        cluster.stop()


if __name__ == "__main__":
    main()

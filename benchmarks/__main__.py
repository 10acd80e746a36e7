"""Benchmarks: `python -m benchmarks <name> [options]`; the last line printed is one JSON object.

    .venv/bin/python -m benchmarks accounts --persons 20000 [--database-url URL | --postgres]
"""

from __future__ import annotations

import argparse

from salesdesk.db import run_async


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks")
    sub = parser.add_subparsers(dest="name", required=True)
    accounts = sub.add_parser("accounts", help="import N persons, then time search and the account pages")
    accounts.add_argument("--persons", type=int, default=20000)
    accounts.add_argument("--requests", type=int, default=200)
    accounts.add_argument("--database-url", default="", help="default: a new SQLite file in a temp dir")
    accounts.add_argument("--postgres", action="store_true",
                          help="start a throwaway PostgreSQL cluster (as the tests do; fsync off) and use it")
    args = parser.parse_args()
    if args.name == "accounts":
        from benchmarks import accounts as bench

        if not args.postgres:
            run_async(bench.run(args.persons, args.requests, args.database_url))
            return
        from tests.pg import Cluster

        cluster = Cluster()
        server = cluster.start()
        try:
            run_async(bench.run(args.persons, args.requests, f"{server}/postgres"))
        finally:
            cluster.stop()


if __name__ == "__main__":
    main()

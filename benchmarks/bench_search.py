"""The search syntax (#38, item 2) over many messages: ``GET /__admin/messages?q=…`` (its first page
of 100, newest first) against a store seeded with demo data, in process.

    .venv/bin/python benchmarks/bench_search.py [--messages 1000000] [--db FILE | --postgres]

``--db`` keeps the seeded file (seeding a million messages takes minutes) and reuses it when it is
there; ``--postgres`` seeds a throw-away PostgreSQL server instead (the tests' own:
``tests/postgres.py``; ``bash .ci/install-postgres``). Each query runs 9 times; the table gives
each one's median and the median over them all (target ≤ 100 ms).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from pathlib import Path

from mock_infobip.core.settings import Settings
from mock_infobip.http.app import create_app
from mock_infobip.runtime import Runtime
from mock_infobip.tools.seed import seed

QUERIES = [
    "",
    "code",
    '"on its way"',
    "appointment -tomorrow",
    "nothing-says-this",  # a word no message has: every message read
    "to:{to}",  # a number messages were sent to
    "status:delivered",
    "status:REJECTED",
    "country:CH",
    "-country:CH status:pending",
    "is:pin",
    "is:scheduled",
    "is:mms",
    "account:1 code",
    "after:{yesterday} before:{today}",
    "from:nobody",
]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--db", help="a file to keep the seeded store in (reused when there)")
    parser.add_argument("--postgres", action="store_true", help="on a throw-away PostgreSQL server")
    args = parser.parse_args()
    with ExitStack() as stack, tempfile.TemporaryDirectory() as tmp:
        if args.postgres:
            sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # tests/postgres.py
            from tests.postgres import postgres_server

            db: str = stack.enter_context(postgres_server())
            seeded = False
        else:
            db = str(Path(args.db or Path(tmp) / "search.db"))
            seeded = Path(db).exists()
        runtime = Runtime(Settings(db=db, seed=1, clock="manual"))
        started = time.perf_counter()
        if not seeded:
            seed(runtime, accounts=3, lists=1, members=10, messages=args.messages, seed=1)
        seeding = time.perf_counter() - started
        client = create_app(runtime).test_client()
        today = datetime.fromtimestamp(runtime.clock.now_ms() / 1000, UTC).date()
        known = {
            "to": "+" + client.get("/__admin/messages?limit=1").json["messages"][0]["to"],
            "today": today.isoformat(),
            "yesterday": (today - timedelta(days=1)).isoformat(),
        }
        rows = []
        for query in (q.format(**known) for q in QUERIES):
            samples = []
            for _ in range(9):
                began = time.perf_counter()
                response = client.get("/__admin/messages", query_string={"q": query})
                samples.append((time.perf_counter() - began) * 1000)
                assert response.status_code == 200, (query, response.status_code, response.text)
            rows.append((query, statistics.median(samples), len(response.json["messages"])))
        runtime.close()
    if not seeded:
        print(f"seeded {args.messages:,} messages in {seeding:.0f} s\n")
    print("| q | found (first page) | median ms |")
    print("| --- | ---: | ---: |")
    for query, ms, found in rows:
        print(f"| `{query}` | {found} | {ms:.0f} |")
    print(f"\nmedian over the queries: {statistics.median(ms for _, ms, _ in rows):.0f} ms (target ≤ 100)")


if __name__ == "__main__":
    main()

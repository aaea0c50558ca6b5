"""Dashboard pages with 100,000 messages stored (seeded demo data), served by the app in process.

    .venv/bin/python benchmarks/bench_dashboard.py [--messages 100000]

Median render time of each page over 7 requests (target ≤ 200 ms), and how long seeding took.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from mock_infobip.core.settings import Settings
from mock_infobip.http.app import create_app
from mock_infobip.runtime import Runtime
from mock_infobip.tools.seed import seed

PAGES = [
    "/",
    "/dashboard/messages",
    "/dashboard/messages?page=1000",
    "/dashboard/messages?status=REJECTED",
    "/dashboard/messages?country=CH",
    "/dashboard/messages?noreports=1",
    "/dashboard/lists",
    "/dashboard/lists/1?q=a",
    "/dashboard/callbacks",
    "/dashboard/refusals",
]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--messages", type=int, default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        runtime = Runtime(Settings(db=str(Path(tmp) / "demo.db"), seed=1))
        started = time.perf_counter()
        seed(runtime, accounts=3, lists=10, members=2000, messages=args.messages, seed=1)
        seeding = time.perf_counter() - started
        client = create_app(runtime).test_client()
        rows = []
        for page in PAGES:
            samples = []
            for _ in range(7):
                began = time.perf_counter()
                response = client.get(page)
                samples.append((time.perf_counter() - began) * 1000)
                assert response.status_code == 200, (page, response.status_code)
            rows.append((page, statistics.median(samples)))
        runtime.close()
    print(f"seeded {args.messages:,} messages in {seeding:.0f} s\n")
    print("| page | median ms (target ≤ 200) |")
    print("| --- | ---: |")
    for page, ms in rows:
        print(f"| `{page}` | {ms:.0f} |")


if __name__ == "__main__":
    main()

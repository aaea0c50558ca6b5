"""A 100,000-member cohort fully synced by the cohort sync client against the in-process fake
(manual clock: the client's waits advance the fake's clock and cost no real time).

    .venv/bin/python benchmarks/bench_cohort.py [--members 100000]

Reports real seconds (target ≤ 30), requests made, and the fake-clock time the run took.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from mock_infobip import fake
from mock_infobip.clients.cohort_sync import CohortSyncClient


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--members", type=int, default=100_000)
    args = parser.parse_args()
    members = [f"user{i}@example.com" for i in range(args.members)]
    with tempfile.TemporaryDirectory() as tmp, fake() as infobip:
        client = CohortSyncClient(
            infobip.base_url,
            infobip.api_key,
            state_path=Path(tmp) / "state.json",
            sleep=infobip.clock.sleep,
            seed=1,
        )
        started, fake_start = time.perf_counter(), infobip.clock.now()
        report = client.sync("100000", "Everyone", members)
        seconds = time.perf_counter() - started
        fake_elapsed = (infobip.clock.now() - fake_start).total_seconds()
        assert report.status == "succeeded" and report.throttled == 0, report
        assert infobip.runtime.lists.describe(report.list_id or 0)["memberCount"] == args.members
    print("| measure | value |")
    print("| --- | ---: |")
    print(f"| full sync of {args.members:,} members, real time (target ≤ 30 s) | {seconds:.1f} s |")
    print(f"| requests made (429s seen) | {report.requests} ({report.throttled}) |")
    print(f"| time on the fake's clock (paced to the add limit) | {fake_elapsed / 60:.1f} min |")


if __name__ == "__main__":
    main()

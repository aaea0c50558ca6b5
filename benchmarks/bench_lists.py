"""Lists API over loopback, against a bare Flask app on the same server in the same command.

    .venv/bin/python benchmarks/bench_lists.py [--requests 2000] [--rounds 3]

Measures, with one keep-alive client making sequential requests:
- create list (rate limit 0, a new name each time): requests/s and p50/p99, and the ratio to the
  bare app answering the same constant JSON (target ≥ 0.6);
- add people with 1,000 new ids to an empty list: p50/p99 (target p50 ≤ 20 ms) and ratio;
- the same add on a list of 1,000,000 members (target p50 within 20 % of the empty-list add).
The bare app and the fake take turns, round by round, so both see the same machine.
"""

from __future__ import annotations

import argparse
import itertools
import tempfile
import time
from pathlib import Path

import requests
from common import Server, Timing, merge, start_bare, start_fake, timed

LISTS = "/saas/amplitude/1/lists"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--requests", type=int, default=2000, help="create-list requests per round")
    parser.add_argument("--adds", type=int, default=100, help="add requests per round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--members", type=int, default=1_000_000, help="size of the large list")
    args = parser.parse_args()

    tmp = tempfile.TemporaryDirectory()
    db = str(Path(tmp.name) / "bench.db")
    bare = start_bare()
    fake = start_fake(db, rate_limit_create="0", rate_limit_add="0", rate_limit_remove="0")
    session = requests.Session()
    headers = {"Authorization": f"App {fake.api_key}"}
    fresh = itertools.count()

    def create(server: Server) -> Timing:
        return timed(
            lambda i: session.post(
                server.base_url + LISTS, json={"name": f"b{next(fresh)}"}, headers=headers
            ).raise_for_status(),
            args.requests,
        )

    def ids() -> list[str]:
        first = next(fresh) * 1000
        return [f"user{n}@example.com" for n in range(first, first + 1000)]

    def add(server: Server, list_id: int) -> Timing:
        return timed(
            lambda i: session.post(
                f"{server.base_url}{LISTS}/{list_id}/add", json={"userIds": ids()}, headers=headers
            ).raise_for_status(),
            args.adds,
            warmup=5,
        )

    def add_to_new_lists() -> Timing:
        """Each add goes to a list created just before it; only the add is timed."""
        seconds = []
        for _ in range(args.adds):
            target = session.post(
                fake.base_url + LISTS, json={"name": f"e{next(fresh)}"}, headers=headers
            ).json()["listId"]
            body = {"userIds": ids()}
            started = time.perf_counter()
            session.post(
                f"{fake.base_url}{LISTS}/{target}/add", json=body, headers=headers
            ).raise_for_status()
            seconds.append(time.perf_counter() - started)
        return Timing(seconds)

    try:
        bare_create, fake_create, bare_add, fake_add = [], [], [], []
        for _ in range(args.rounds):
            bare_create.append(create(bare))
            fake_create.append(create(fake))
            bare_add.append(add(bare, 1))
            fake_add.append(add_to_new_lists())
        large = session.post(fake.base_url + LISTS, json={"name": "large"}, headers=headers).json()["listId"]
        for start in range(0, args.members, 10_000):
            members = [f"member{n}@example.com" for n in range(start, start + 10_000)]
            session.post(
                f"{fake.base_url}{LISTS}/{large}/add", json={"userIds": members}, headers=headers
            ).raise_for_status()
        fake_large = [add(fake, large) for _ in range(args.rounds)]
    finally:
        bare.stop()
        fake.stop()

    bc, fc, ba, fa, fl = map(merge, (bare_create, fake_create, bare_add, fake_add, fake_large))
    rows = [
        ("create list", "bare Flask", bc),
        ("create list", "mock-infobip", fc),
        ("add 1,000 ids", "bare Flask", ba),
        ("add 1,000 ids, empty list", "mock-infobip", fa),
        (f"add 1,000 ids, list of {args.members:,}", "mock-infobip", fl),
    ]
    print("| request | server | req/s | p50 ms | p99 ms |")
    print("| --- | --- | ---: | ---: | ---: |")
    for what, server, t in rows:
        print(f"| {what} | {server} | {t.rps:,.0f} | {t.p50:.2f} | {t.percentile(99):.2f} |")
    print()
    print(f"create list: {fc.rps / bc.rps:.2f} × bare Flask req/s (target ≥ 0.6)")
    print(f"add 1,000 ids: p50 {fa.p50:.1f} ms (target ≤ 20 ms), {fa.rps / ba.rps:.2f} × bare Flask req/s")
    print(f"add on a list of {args.members:,}: p50 {fl.p50 / fa.p50:.2f} × the empty-list add (target ≤ 1.2)")


if __name__ == "__main__":
    main()

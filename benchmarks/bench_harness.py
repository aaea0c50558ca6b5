"""The harness: in process against a loopback server, fresh fakes and resets.

    .venv/bin/python benchmarks/bench_harness.py [--calls 1000] [--rounds 5]

- create-list calls/s with plain `requests` (rate limit 0): in process (`fake()`, no sockets) vs the
  same calls over loopback to the server, both to `server()` (a thread of this process, like the
  `infobip_server` fixture) and to a `mock-infobip serve` process, taking turns over 5 rounds
  (medians); target in process ≥ 3× faster;
- time to a fresh `fake()` (enter and exit; target ≤ 50 ms), median of 30;
- time to `reset()` with 10,000 people stored (target ≤ 2 ms), median of 30.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import requests
from common import start_fake

from mock_infobip import fake, server

LISTS = "/saas/amplitude/1/lists"


def rate(call: Callable[[int], object], count: int) -> float:
    for i in range(50):
        call(i)
    started = time.perf_counter()
    for i in range(count):
        call(i)
    return count / (time.perf_counter() - started)


def creates(base_url: str, key: str, count: int) -> float:
    session = requests.Session()
    headers = {"Authorization": f"App {key}"}
    return rate(
        lambda i: session.post(base_url + LISTS, json={"name": f"n{i}"}, headers=headers).raise_for_status(),
        count,
    )


def median_ms(call: Callable[[], object], times: int = 30) -> float:
    samples = []
    for _ in range(times):
        started = time.perf_counter()
        call()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--calls", type=int, default=1000, help="calls per round")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()

    rates: dict[str, list[float]] = {"in": [], "thread": [], "process": []}
    with (
        tempfile.TemporaryDirectory() as tmp,
        fake(rate_limit_create=0) as local,
        server(rate_limit_create=0) as threaded_server,
    ):
        process = start_fake(str(Path(tmp) / "h.db"), rate_limit_create="0")
        try:
            for _ in range(args.rounds):  # taking turns, so all three see the same machine
                rates["in"].append(creates(local.base_url, local.api_key, args.calls))
                rates["thread"].append(creates(threaded_server.base_url, threaded_server.api_key, args.calls))
                rates["process"].append(creates(process.base_url, process.api_key, args.calls))
        finally:
            process.stop()
    in_process, threaded, separate = (statistics.median(rates[k]) for k in ("in", "thread", "process"))

    def fresh() -> None:
        with fake():
            pass

    fresh_ms = median_ms(fresh)
    with fake(rate_limit_create=0, rate_limit_add=0) as infobip:

        def fill_and_reset() -> float:
            session = requests.Session()
            list_id = session.post(
                infobip.base_url + LISTS, json={"name": "big"}, headers=infobip.headers
            ).json()["listId"]
            session.post(
                f"{infobip.base_url}{LISTS}/{list_id}/add",
                headers=infobip.headers,
                json={"userIds": [f"u{i}@example.com" for i in range(10_000)]},
            ).raise_for_status()
            assert infobip.runtime.lists.describe(list_id)["memberCount"] == 10_000
            started = time.perf_counter()
            infobip.reset()
            return (time.perf_counter() - started) * 1000

        reset_ms = statistics.median(fill_and_reset() for _ in range(30))

    print("| measure | value |")
    print("| --- | ---: |")
    print(f"| create list in process (`fake()`) | {in_process:,.0f} calls/s |")
    print(f"| create list over loopback to `server()` (thread) | {threaded:,.0f} calls/s |")
    print(f"| create list over loopback to `mock-infobip serve` (process) | {separate:,.0f} calls/s |")
    print(
        f"| in process ÷ loopback (target ≥ 3) | {in_process / threaded:.1f} × (thread), "
        f"{in_process / separate:.1f} × (process) |"
    )
    print(f"| fresh `fake()` (target ≤ 50 ms) | {fresh_ms:.1f} ms |")
    print(f"| `reset()` with 10,000 people (target ≤ 2 ms) | {reset_ms:.2f} ms |")


if __name__ == "__main__":
    main()

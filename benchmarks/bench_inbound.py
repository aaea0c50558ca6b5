"""Inbound SMS forwarding benchmark, against a real `mock-infobip serve` (manual clock, file database).

    .venv/bin/python benchmarks/bench_inbound.py [--messages 10000]

A number with a forward URL to a loopback receiver (the fake's server, in process); `--messages` handset
messages to it, all received 60 s ahead (`POST /__admin/inbound` with `at`), so nothing is pushed
while they are created; one `POST /__admin/clock/advance` of 60 s then forwards them all through the
delivery machinery: messages/s forwarded (target ≥ 2,000). The receiver counts what it got.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

import requests
from bench_reports import CountingReceiver, advance
from common import start_fake

SHOP = "447491163443"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--messages", type=int, default=10_000)
    args = parser.parse_args()
    session = requests.Session()
    with tempfile.TemporaryDirectory() as tmp:
        receiver = CountingReceiver()
        fake = start_fake(str(Path(tmp) / "inbound.db"), clock="manual", seed="1")
        try:
            session.post(
                fake.base_url + "/__admin/numbers", json={"number": SHOP, "forwardUrl": receiver.url}
            ).raise_for_status()
            now = session.get(fake.base_url + "/__admin/clock").json()["now"]
            at = (datetime.strptime(now, "%Y-%m-%dT%H:%M:%S.%f%z") + timedelta(seconds=60)).strftime(
                "%Y-%m-%dT%H:%M:%S.000%z"
            )
            started = time.perf_counter()
            for n in range(args.messages):
                session.post(
                    fake.base_url + "/__admin/inbound",
                    json={"from": f"4179{n:07d}", "to": SHOP, "text": f"YES {n}", "at": at},
                ).raise_for_status()
            create_seconds = time.perf_counter() - started
            forward_seconds = advance(fake, session, 60)
        finally:
            fake.stop()
    assert receiver.count == args.messages, (receiver.count, args.messages)
    print("| measure | value |")
    print("| --- | ---: |")
    print(f"| create {args.messages:,} handset messages (one admin request each) | {create_seconds:.1f} s |")
    print(
        f"| advance: {args.messages:,} forwarded in {receiver.callbacks} pushes | {forward_seconds:.2f} s |"
    )
    print(
        f"| inbound messages forwarded per second (target ≥ 2,000) | {args.messages / forward_seconds:,.0f} |"
    )


if __name__ == "__main__":
    main()

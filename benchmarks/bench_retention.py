"""A soak: how the SQLite file grows under a steady send load, with retention (issue #36, item 8)
and without it, in the same command.

`serve` on a running clock sped up so that a day of the fake's time passes every 10 s of the wall
clock; one client sends 100 SMS a request (each with its delivery report) for ``--minutes`` of
the wall clock; the file (with its WAL) is measured every 10 s. Runs twice: ``retention_days``
0 (keeps everything, as before the setting) and 1 (a day: about 10 s of the wall clock here).

    .venv/bin/python benchmarks/bench_retention.py [--minutes 2]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import requests
from common import start_fake

SEND = "/sms/2/text/advanced"
SPEED = 8_640  # a day of the fake's clock every 10 s
SAMPLE_SECONDS = 10


def size_mb(db: Path) -> float:
    files = [db, db.with_name(db.name + "-wal")]
    return sum(f.stat().st_size for f in files if f.exists()) / 1_000_000


def soak(minutes: float, retention_days: float) -> tuple[list[float], int]:
    """The file's size at each sample (MB) and the messages sent."""
    with tempfile.TemporaryDirectory() as folder:
        db = Path(folder) / "soak.db"
        fake = start_fake(
            str(db),
            clock="real",
            speed=str(SPEED),
            retention_days=str(retention_days),
            flooding_filter="false",
        )  # the same 100 numbers every request: no flooding mechanism in the way
        sizes: list[float] = []
        sent = 0
        try:
            headers = {"Authorization": f"App {fake.api_key}"}
            body = {
                "messages": [{"destinations": [{"to": f"4179{n:07d}"} for n in range(100)], "text": "soak"}]
            }
            with requests.Session() as session:
                began = time.monotonic()
                next_sample = began + SAMPLE_SECONDS
                while time.monotonic() - began < minutes * 60:
                    session.post(
                        fake.base_url + SEND, json=body, headers=headers, timeout=60
                    ).raise_for_status()
                    sent += 100
                    if time.monotonic() >= next_sample:
                        sizes.append(size_mb(db))
                        next_sample += SAMPLE_SECONDS
            sizes.append(size_mb(db))
        finally:
            fake.stop()
        return sizes, sent


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--minutes", type=float, default=2.0)
    args = parser.parse_args()
    kept, kept_sent = soak(args.minutes, 0)
    pruned, pruned_sent = soak(args.minutes, 1)
    print(f"{args.minutes:g} min of the wall clock, a day of the fake's clock every 10 s")
    print("| retention_days | messages sent | file after (MB) | MB a minute, last half |")
    print("| --- | ---: | ---: | ---: |")
    for days, sizes, sent in ((0, kept, kept_sent), (1, pruned, pruned_sent)):
        half = sizes[len(sizes) // 2 :]
        per_minute = (half[-1] - half[0]) / max(1, len(half) - 1) * (60 / SAMPLE_SECONDS)
        print(f"| {days} | {sent:,} | {sizes[-1]:.1f} | {per_minute:.2f} |")
    print(f"| ratio (1 ÷ 0), file after | | {pruned[-1] / kept[-1]:.2f} | |")


if __name__ == "__main__":
    main()

"""The wait API (#38): how soon a waiting ``GET /__admin/messages?wait=`` is answered after the send
it waits for, on ``serve`` (SQLite, real clock).

    .venv/bin/python benchmarks/bench_wait.py [--sends 40] [--baseline CHECKOUT]

Each round: a request waits for messages to a new number; after a random pause (0-0.5 s, so that
the send falls anywhere between two of the waiting request's own looks) the number gets an SMS;
measured: from the send's answer to the waiting request's. Targets: ``serve`` with one worker and
with two (where a send may land on the other worker, whose wake this one does not hear on SQLite);
with ``--baseline`` the same on another checkout of the project (run with ``PYTHONPATH``), in the
same command, taking turns.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests
from common import Server, start_fake


def latency(server: Server, number: str, pause: float) -> float:
    got: dict[str, float] = {}

    def wait() -> None:
        query = {"to": number, "wait": "30"}
        answer = requests.get(server.base_url + "/__admin/messages", params=query, timeout=60)
        assert answer.json()["messages"], "the wait ended with nothing"
        got["at"] = time.perf_counter()

    waiting = threading.Thread(target=wait)
    waiting.start()
    time.sleep(pause)
    body = {"messages": [{"destinations": [{"to": number}], "text": "Your code is 4821"}]}
    headers = {"Authorization": f"App {server.api_key}"}
    requests.post(server.base_url + "/sms/2/text/advanced", json=body, headers=headers, timeout=30)
    sent = time.perf_counter()
    waiting.join()
    return max(0.0, got["at"] - sent)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sends", type=int, default=40)
    parser.add_argument("--baseline", help="a checkout of another commit of the project")
    args = parser.parse_args()
    versions = {"this checkout": None} | ({"baseline": args.baseline} if args.baseline else {})
    work = Path(tempfile.mkdtemp())
    servers: dict[str, Server] = {}
    for version, path in versions.items():
        for workers in (1, 2):
            if path:
                os.environ["PYTHONPATH"] = path
            else:
                os.environ.pop("PYTHONPATH", None)
            db = str(work / f"{len(servers)}.db")
            servers[f"{version}, {workers} worker(s)"] = start_fake(db, workers=str(workers), clock="real")
    os.environ.pop("PYTHONPATH", None)
    rng = random.Random(7)
    found: dict[str, list[float]] = {name: [] for name in servers}
    try:
        for i in range(args.sends):
            pause = rng.uniform(0.05, 0.5)
            for n, (name, server) in enumerate(servers.items()):
                found[name].append(latency(server, f"4179{n:02d}{i:05d}", pause))
    finally:
        for server in servers.values():
            server.stop()
    print("| serve | answered after the send, median | p90 | max |")
    print("| --- | ---: | ---: | ---: |")
    for name, values in found.items():
        ordered = sorted(values)
        p90 = ordered[int(0.9 * (len(ordered) - 1))]
        cells = [f"{v * 1000:.1f} ms" for v in (statistics.median(values), p90, ordered[-1])]
        print(f"| {name} | " + " | ".join(cells) + " |")
    sys.stdout.flush()


if __name__ == "__main__":
    main()

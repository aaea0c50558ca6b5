"""Delivery-report engine benchmark, against a real `mock-infobip serve` (manual clock, file database).

    .venv/bin/python benchmarks/bench_reports.py [--pushed 10000] [--messages 100000]

1. `--pushed` messages to one loopback receiver (the fake's server, in process), all with a report due
   60 s after sending; one `POST /__admin/clock/advance` carries them out: reports/s pushed (target
   ≥ 2,000). The receiver counts the results it got.
2. `--messages` messages with the default profile (random delays up to 4 days) and no callback URL,
   advanced through 4 days in one call: real seconds of the advance (target < 60) and the peak
   memory of the server process (VmHWM, target < 300 MB).
"""

from __future__ import annotations

import argparse
import json
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import requests
from common import Server, start_fake

from mock_infobip.serving.assembly import BackgroundServer
from mock_infobip.serving.server import Limits, listening_socket
from mock_infobip.serving.server import Server as HttpServer

BATCH = 1000


class CountingReceiver:
    def __init__(self) -> None:
        self.count = 0
        self.callbacks = 0
        self._lock = threading.Lock()
        limits = Limits(control_threads=8)
        self.server = BackgroundServer(HttpServer(self, [listening_socket("127.0.0.1", 0)], limits)).start()
        self.url = f"http://127.0.0.1:{self.server.port}/dlr"

    def __call__(self, environ: dict[str, Any], start_response: Any) -> list[bytes]:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        results = json.loads(environ["wsgi.input"].read(length))["results"]
        with self._lock:
            self.count += len(results)
            self.callbacks += 1
        start_response("200 OK", [("Content-Length", "0")])
        return [b""]


def send(server: Server, session: requests.Session, count: int, **message: Any) -> float:
    started = time.perf_counter()
    for first in range(0, count, BATCH):
        numbers = [{"to": f"4179{n:07d}"} for n in range(first, min(count, first + BATCH))]
        body = {
            "messages": [{"from": "Bench", "text": "Your code is 1234", "destinations": numbers, **message}]
        }
        session.post(
            server.base_url + "/sms/2/text/advanced",
            json=body,
            headers={"Authorization": f"App {server.api_key}"},
        ).raise_for_status()
    return time.perf_counter() - started


def advance(server: Server, session: requests.Session, seconds: float) -> float:
    started = time.perf_counter()
    session.post(
        server.base_url + "/__admin/clock/advance", json={"seconds": seconds}, timeout=3600
    ).raise_for_status()
    return time.perf_counter() - started


def peak_memory_mb(server: Server) -> float:
    for line in Path(f"/proc/{server.process.pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--pushed", type=int, default=10_000)
    parser.add_argument("--messages", type=int, default=100_000)
    args = parser.parse_args()
    session = requests.Session()
    with tempfile.TemporaryDirectory() as tmp:
        receiver = CountingReceiver()
        fake = start_fake(str(Path(tmp) / "push.db"), clock="manual", seed="1")
        try:
            rule = {"status": "DELIVERED_TO_HANDSET", "delaySeconds": 60}
            session.post(fake.base_url + "/__admin/outcomes", json=rule).raise_for_status()
            send_seconds = send(fake, session, args.pushed, notifyUrl=receiver.url)
            push_seconds = advance(fake, session, 60)
        finally:
            fake.stop()
        assert receiver.count == args.pushed, (receiver.count, args.pushed)

        big = start_fake(str(Path(tmp) / "big.db"), clock="manual", seed="1")
        try:
            bulk_send = send(big, session, args.messages)
            four_days = advance(big, session, 4 * 86400)
            memory = peak_memory_mb(big)
            logs = session.get(
                big.base_url + "/__admin/messages?limit=100000",
                headers={"Authorization": f"App {big.api_key}"},
            ).json()["messages"]
        finally:
            big.stop()
    pending = sum(1 for m in logs if m["status"].startswith("PENDING"))

    print("| measure | value |")
    print("| --- | ---: |")
    print(f"| send {args.pushed:,} messages (1,000 a request) | {send_seconds:.1f} s |")
    print(
        f"| advance: {args.pushed:,} reports pushed in {receiver.callbacks} callbacks "
        f"| {push_seconds:.2f} s |"
    )
    print(f"| reports pushed per second (target ≥ 2,000) | {args.pushed / push_seconds:,.0f} |")
    print(f"| send {args.messages:,} messages, default profile, no callback | {bulk_send:.1f} s |")
    print(f"| advance {args.messages:,} messages through 4 days (target < 60 s) | {four_days:.1f} s |")
    print(f"| peak memory of the server process (target < 300 MB) | {memory:.0f} MB |")
    print(f"| messages still pending after 4 days (countries without reports: none here) | {pending} |")


if __name__ == "__main__":
    main()

"""Receivers that hang next to a healthy one (issue #36, item 4).

100 receiver origins that accept connections and never answer, 10 pushes each (ten URLs an origin,
so ten callbacks), and one healthy receiver, all due at the same moment: how late the healthy
receiver's report arrives after ``POST /__admin/clock/advance``, and how long the advance takes,
against the same advance with no hanging receiver (the baseline, same run, same server settings).

    .venv/bin/python benchmarks/bench_hanging_receivers.py [--timeout 5] [--origins 100] [--pushes 10]
"""

from __future__ import annotations

import argparse
import socket
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import requests
from common import start_fake

SEND = "/sms/2/text/advanced"


class Healthy:
    """A receiver that answers 200 at once and notes when the first report arrived."""

    def __init__(self) -> None:
        arrived = self.arrived = threading.Event()

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length", 0)))
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()
                arrived.set()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/dlr"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def hanging_origins(count: int, backlog: int) -> list[socket.socket]:
    """Listening sockets that are never accepted from: the kernel completes each connection and
    nobody ever answers."""
    found = []
    for _ in range(count):
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        sock.listen(backlog)
        found.append(sock)
    return found


def run(origins: int, pushes: int, timeout: float) -> tuple[float, float]:
    """(seconds from the advance to the healthy report, seconds the advance took)."""
    with tempfile.TemporaryDirectory() as folder:
        fake = start_fake(
            str(Path(folder) / "fake.db"),
            clock="manual",
            callback_timeout=str(timeout),
            callback_max_retries="0",
            rate_limit_create="0",
        )
        healthy = Healthy()
        hanging = hanging_origins(origins, pushes * 2)
        try:
            headers = {"Authorization": f"App {fake.api_key}"}
            rule = {"status": "DELIVERED_TO_HANDSET", "delaySeconds": 1}
            requests.post(fake.base_url + "/__admin/outcomes", json=rule, timeout=30).raise_for_status()
            messages = [
                {
                    "destinations": [{"to": f"4179{n:07d}"}],
                    "text": "x",
                    "notifyUrl": f"http://127.0.0.1:{sock.getsockname()[1]}/dlr?n={i}",
                }
                for n, (sock, i) in enumerate((s, i) for s in hanging for i in range(pushes))
            ]
            messages.append({"destinations": [{"to": "41793026727"}], "text": "x", "notifyUrl": healthy.url})
            for start in range(0, len(messages), 500):
                body = {"messages": messages[start : start + 500]}
                requests.post(fake.base_url + SEND, json=body, headers=headers, timeout=60).raise_for_status()
            began = time.perf_counter()
            advanced: list[float] = []

            def advance() -> None:
                requests.post(fake.base_url + "/__admin/clock/advance", json={"seconds": 2}, timeout=600)
                advanced.append(time.perf_counter() - began)

            thread = threading.Thread(target=advance)
            thread.start()
            healthy.arrived.wait(600)
            report = time.perf_counter() - began
            thread.join()
            return report, advanced[0]
        finally:
            healthy.close()
            for sock in hanging:
                sock.close()
            fake.stop()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--timeout", type=float, default=5.0, help="callback_timeout (s)")
    parser.add_argument("--origins", type=int, default=100)
    parser.add_argument("--pushes", type=int, default=10)
    args = parser.parse_args()
    alone = run(0, args.pushes, args.timeout)
    crowded = run(args.origins, args.pushes, args.timeout)
    print(f"callback_timeout {args.timeout:g} s; {args.origins} hanging origins x {args.pushes} pushes")
    print("| | healthy report after the advance | the advance took |")
    print("| --- | ---: | ---: |")
    print(f"| healthy receiver alone | {alone[0] * 1000:.0f} ms | {alone[1] * 1000:.0f} ms |")
    print(f"| next to the hanging ones | {crowded[0] * 1000:.0f} ms | {crowded[1] * 1000:.0f} ms |")
    print(f"| ratio | {crowded[0] / alone[0]:.2f} | {crowded[1] / alone[1]:.2f} |")


if __name__ == "__main__":
    main()

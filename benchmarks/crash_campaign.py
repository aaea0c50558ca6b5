"""Crash campaign: `kill -9` a busy `mock-infobip serve` again and again; nothing acknowledged is lost
and nothing is pushed again after its recorded 2xx.

    .venv/bin/python benchmarks/crash_campaign.py [--kills 20] [--seed 1]

Each round starts `serve` on one database file (a running clock at 600× speed, so reports fall due
within a fraction of a second), runs three writers at once (list additions, SMS sends with a
callback URL, handset messages to a number that forwards them) against one loopback receiver, and
kills the process with SIGKILL after a random 0.3–1.5 s. Each writer records what the fake
acknowledged with a 2xx. After the last kill a final `serve` runs until every due push is done, and
the script checks: every acknowledged list member, message and inbound message is in the store
(lost = 0), and no report or inbound message has more than one recorded 2xx attempt
(duplicates = 0). Deliveries the receiver saw twice because the fake died after the receiver's 200
and before recording it are counted apart: that is the documented at-least-once.
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import subprocess
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

import requests
from bench_reports import CountingReceiver
from common import Server, start_fake

SHOP = "447491163443"


class Receiver(CountingReceiver):
    """Counts, and remembers how often each message id arrived."""

    def __init__(self) -> None:
        self.seen: Counter[str] = Counter()
        super().__init__()

    def __call__(self, environ, start_response):  # type: ignore[no-untyped-def]
        import json

        length = int(environ.get("CONTENT_LENGTH") or 0)
        results = json.loads(environ["wsgi.input"].read(length))["results"]
        with self._lock:
            self.seen.update(r["messageId"] for r in results)
        start_response("200 OK", [("Content-Length", "0")])
        return [b""]


def writers(
    server: Server, receiver: Receiver, acked: dict[str, set[str]], stop: threading.Event, rng: random.Random
):
    headers = {"Authorization": f"App {server.api_key}"}
    list_id = acked["list"]

    def lists() -> None:
        session = requests.Session()
        while not stop.is_set():
            ids = [f"p{rng.randrange(10**9)}@crash.test" for _ in range(20)]
            try:
                r = session.post(
                    f"{server.base_url}/saas/amplitude/1/lists/{next(iter(list_id))}/add",
                    json={"userIds": ids},
                    headers=headers,
                    timeout=5,
                )
            except requests.RequestException:
                return
            if r.status_code == 200:
                acked["members"].update(ids)

    def sms() -> None:
        session = requests.Session()
        while not stop.is_set():
            numbers = [{"to": f"4179{rng.randrange(10**7):07d}"} for _ in range(10)]
            body = {"messages": [{"destinations": numbers, "text": "x", "notifyUrl": receiver.url}]}
            try:
                r = session.post(
                    server.base_url + "/sms/2/text/advanced", json=body, headers=headers, timeout=5
                )
            except requests.RequestException:
                return
            if r.status_code == 200:
                acked["messages"].update(m["messageId"] for m in r.json()["messages"])

    def inbound() -> None:
        session = requests.Session()
        while not stop.is_set():
            body = {"from": f"4179{rng.randrange(10**7):07d}", "to": SHOP, "text": "YES"}
            try:
                r = session.post(server.base_url + "/__admin/inbound", json=body, timeout=5)
            except requests.RequestException:
                return
            if r.status_code == 201:
                acked["inbound"].add(r.json()["messageId"])

    return [threading.Thread(target=f, daemon=True) for f in (lists, sms, inbound)]


def children(pid: int) -> list[int]:
    found = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout.split()
    return [int(p) for p in found]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--kills", type=int, default=20)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--workers", default="1", help="serve's workers; with more than 1 each kill -9 hits all of them"
    )
    args = parser.parse_args()
    rng = random.Random(args.seed)
    receiver = Receiver()
    acked: dict[str, set[str]] = {"members": set(), "messages": set(), "inbound": set(), "list": set()}
    with tempfile.TemporaryDirectory() as tmp:
        db = str(Path(tmp) / "crash.db")
        settings = {"speed": "600", "rate_limit_add": "0", "workers": args.workers}
        first = start_fake(db, **settings)
        session = requests.Session()
        headers = {"Authorization": f"App {first.api_key}"}
        created = session.post(
            first.base_url + "/saas/amplitude/1/lists", json={"name": "crash"}, headers=headers
        )
        acked["list"].add(str(created.json()["listId"]))
        session.post(
            first.base_url + "/__admin/outcomes", json={"status": "DELIVERED_TO_HANDSET", "delaySeconds": 60}
        )
        session.post(first.base_url + "/__admin/numbers", json={"number": SHOP, "forwardUrl": receiver.url})
        server = first
        for _ in range(args.kills):
            stop = threading.Event()
            threads = writers(server, receiver, acked, stop, rng)
            for thread in threads:
                thread.start()
            time.sleep(rng.uniform(0.3, 1.5))
            for pid in [*children(server.process.pid), server.process.pid]:  # workers first
                os.kill(pid, signal.SIGKILL)
            server.process.wait()
            stop.set()
            for thread in threads:
                thread.join(10)
            server = start_fake(db, **settings)
        time.sleep(3)  # the final server pushes what fell due (60 s at 600× = 0.1 s) and retries
        stored_members = set(
            session.get(f"{server.base_url}/__admin/lists/{next(iter(acked['list']))}").json()["members"]
        )
        messages = {
            m["messageId"]
            for m in session.get(server.base_url + "/__admin/messages?limit=1000000").json()["messages"]
        }
        inbound = {
            m["messageId"]
            for m in session.get(server.base_url + "/__admin/inbound?limit=1000000").json()["messages"]
        }
        attempts = session.get(server.base_url + "/__admin/callbacks?limit=1000000").json()["callbacks"]
        server.stop()
    recorded = Counter(
        mid for a in attempts if a["status"] and 200 <= a["status"] < 300 for mid in a["messageIds"]
    )
    lost = (
        len(acked["members"] - stored_members)
        + len(acked["messages"] - messages)
        + len(acked["inbound"] - inbound)
    )
    duplicates = sum(1 for count in recorded.values() if count > 1)
    twice_seen = sum(1 for count in receiver.seen.values() if count > 1)
    print("| measure | value |")
    print("| --- | ---: |")
    print(f"| kill -9 (workers: {args.workers}) | {args.kills} |")
    counts = " / ".join(f"{len(acked[k]):,}" for k in ("members", "messages", "inbound"))
    print(f"| acknowledged list members / messages / inbound messages checked | {counts} |")
    print(f"| lost | **{lost}** |")
    print(f"| pushed again after a recorded 2xx | **{duplicates}** |")
    print(f"| pushes recorded 2xx | {sum(recorded.values()):,} |")
    print(
        f"| seen twice by the receiver (died between its 200 and the record: at least once) | {twice_seen} |"
    )
    assert lost == 0 and duplicates == 0


if __name__ == "__main__":
    main()

"""Several hosts, one fake: `serve` on PostgreSQL against `serve --workers 2` on SQLite, in one run.

    .venv/bin/python benchmarks/bench_hosts.py [--duration 10] [--rounds 3] [--messages 100000]
        [--db-url postgresql://…]

Without ``--db-url`` a throw-away PostgreSQL server is started from Debian's binaries (as the tests
do: ``tests/postgres.py``; ``bash .ci/install-postgres``). Rate limits off, real clock.

1. Create list (``wrk``, 16 connections) and send 100 SMS (one request of 100 destinations, 4
   connections), taking turns, ``--rounds`` rounds of ``--duration`` s, medians, against: SQLite
   ``serve --workers 2`` (the baseline); PostgreSQL, one host of 2 workers; PostgreSQL, one host of
   1 worker; PostgreSQL, two hosts of 1 worker (a ``wrk`` on each, half the connections each, as a
   load balancer would spread them: the sum of both). Each measurement on a fresh store.
2. ``--messages`` messages with the default profile (reports up to 4 days after sending) and a
   callback URL, sent 1,000 destinations a request over two hosts on PostgreSQL taking turns, on a
   running clock at ``--speed`` (default 17,280: 4 days in 20 s), so the scheduler's host pushes
   every report to one loopback receiver, which counts each message id, while the sends go on. The
   same on SQLite, one host of 2 workers: the baseline. Messages/s from the first send to the last
   report received; lost (no report) and pushed twice are counted.
3. Statements PostgreSQL runs (``pg_stat_statements``, the server started with it; BEGIN, COMMIT
   and locks count): per request (create list, add 1,000 ids, send 1,000 SMS; one host, manual
   clock, the least of 3), and per second on an idle host over ``--idle`` s.
"""

from __future__ import annotations

import argparse
import functools
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import requests
from bench_http import LOADS, Load, Result, wrk
from common import HERE, Server, ensure_tool, start_fake
from crash_campaign import Receiver

sys.path.insert(0, str(HERE.parent))  # tests/postgres.py: the throw-away server the tests use

LISTS = "/saas/amplitude/1/lists"
BATCH = 1000


def serve(db: str, workers: int, **settings: str) -> Server:
    """``serve`` with ``workers`` processes, rate limits off (the key ``bench``)."""
    return start_fake(db, workers=str(workers), rate_limit_create="0", **settings)


def empty(url: str) -> str:
    from tests.postgres import empty_database

    return empty_database(url)


def spread(binary: str, hosts: list[Server], load: Load, seconds: float, workdir: Path) -> Result:
    """``load`` over ``hosts`` at once, its connections split evenly (a wrk each): summed r/s."""
    share = Load(
        load.method,
        load.path,
        load.body,
        max(1, load.threads // len(hosts)),
        max(1, load.connections // len(hosts)),
    )
    found: list[Result] = []

    def run(i: int, host: Server) -> None:
        folder = workdir / f"wrk{i}"
        folder.mkdir(exist_ok=True)
        found.append(wrk(binary, host.base_url + load.path, host.api_key, share, seconds, folder))

    threads = [threading.Thread(target=run, args=(i, h)) for i, h in enumerate(hosts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return Result(sum(r.rps for r in found), statistics.median(r.p50_ms for r in found))


def throughput(args: argparse.Namespace, url: str, workdir: Path) -> None:
    """Each measurement on a fresh store (a new SQLite file; the PostgreSQL database emptied) and
    fresh processes, warmed up by 2 s of the same load: no round inherits the messages of another."""
    binary = ensure_tool("wrk")
    loads = {
        "create list": LOADS["create list"],
        "send 100 SMS": Load("POST", "/sms/2/text/advanced", LOADS["send 100 SMS"].body, 2, 4),
    }
    shapes = {  # target -> (engine, hosts, workers a host)
        "SQLite, 1 host × 2 workers": ("sqlite", 1, 2),
        "PostgreSQL, 1 host × 2 workers": ("postgresql", 1, 2),
        "PostgreSQL, 1 host × 1 worker": ("postgresql", 1, 1),
        "PostgreSQL, 2 hosts × 1 worker": ("postgresql", 2, 1),
    }
    results: dict[tuple[str, str], list[float]] = {}
    for round_ in range(args.rounds):
        for load_name, load in loads.items():
            for name, (engine, count, workers) in shapes.items():
                fresh = workdir / f"bench-{round_}-{load_name}.db".replace(" ", "-")
                db = str(fresh) if engine == "sqlite" else empty(url)
                hosts = [serve(db, workers) for _ in range(count)]  # hosts of one fake share its database
                try:
                    spread(binary, hosts, load, 2, workdir)
                    rps = spread(binary, hosts, load, args.duration, workdir).rps
                finally:
                    for host in hosts:
                        host.stop()
                results.setdefault((name, load_name), []).append(rps)
    base = "SQLite, 1 host × 2 workers"
    print("| target | create list | ÷ SQLite | send 100 SMS | ÷ SQLite |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for name in shapes:
        cells = []
        for load_name in loads:
            value = statistics.median(results[(name, load_name)])
            ratio = value / statistics.median(results[(base, load_name)])
            cells += [f"{value:,.0f} r/s", f"{ratio:.2f}"]
        print(f"| {name} | " + " | ".join(cells) + " |")


def four_days(hosts: list[Server], receiver: Receiver, messages: int) -> tuple[float, float, int, int]:
    """Send over ``hosts`` and wait for every report; (send s, total s, lost, pushed twice)."""
    session = requests.Session()
    started = time.perf_counter()
    sent: list[str] = []
    for turn, first in enumerate(range(0, messages, BATCH)):
        host = hosts[turn % len(hosts)]
        numbers = [{"to": f"4179{n:07d}"} for n in range(first, min(messages, first + BATCH))]
        body = {
            "messages": [{"text": "Your code is 1234", "destinations": numbers, "notifyUrl": receiver.url}]
        }
        answer = session.post(
            host.base_url + "/sms/2/text/advanced", json=body, headers={"Authorization": "App bench"}
        )
        answer.raise_for_status()
        sent += [m["messageId"] for m in answer.json()["messages"]]
    sending = time.perf_counter() - started
    wanted = set(sent)
    deadline = time.monotonic() + 1800
    while not set(receiver.seen) >= wanted and time.monotonic() < deadline:
        time.sleep(0.05)
    total = time.perf_counter() - started
    lost = len(wanted - set(receiver.seen))
    twice = sum(1 for count in receiver.seen.values() if count > 1)
    return sending, total, lost, twice


def reports(args: argparse.Namespace, url: str, workdir: Path) -> None:
    rows = []
    clock = {"clock": "real", "speed": str(args.speed), "seed": "1"}
    for name, make in (
        ("SQLite, 1 host × 2 workers", lambda: [serve(str(workdir / "days.db"), 2, **clock)]),
        ("PostgreSQL, 2 hosts × 1 worker", lambda: [serve(empty(url), 1, **clock), serve(url, 1, **clock)]),
    ):
        receiver = Receiver()
        hosts = make()
        try:
            sending, total, lost, twice = four_days(hosts, receiver, args.messages)
        finally:
            for host in hosts:
                host.stop()
            receiver.server.stop()
        rows.append((name, sending, total, lost, twice))
    base = rows[0][2]
    title = f"{args.messages:,} messages, reports over 4 days (speed {args.speed:,})"
    print(f"| {title} | send | send to last report | messages/s | ÷ SQLite | lost | pushed twice |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for name, sending, total, lost, twice in rows:
        print(
            f"| {name} | {sending:.1f} s | {total:.1f} s | {args.messages / total:,.0f} | {base / total:.2f} "
            f"| {lost} | {twice} |"
        )


STATS = "-c shared_preload_libraries=pg_stat_statements -c pg_stat_statements.track=all"
COUNT = (
    "SELECT coalesce(sum(calls), 0) FROM pg_stat_statements WHERE dbid = "
    "(SELECT oid FROM pg_database WHERE datname = current_database()) "
    "AND query NOT LIKE '%pg_stat_statements%'"
)


class Asked:
    """A connection that counts the statements the services ask of it (an executemany: one)."""

    def __init__(self, conn: Any, asked: list[str]) -> None:
        self._conn, self._asked = conn, asked

    def execute(self, sql: str, params: Any = None) -> Any:
        self._asked.append(sql)
        return self._conn.execute(sql, params)

    def executemany(self, sql: str, seq: Any) -> Any:
        self._asked.append(sql)
        return self._conn.executemany(sql, seq)


def asked_of(url: str, asks: dict[str, Callable[[str, Any], object]]) -> dict[str, int]:
    """Statements each request asks of the PostgreSQL store, counted in process (the fake on
    ``url``, manual clock): what the issue's "at most 50" counts."""
    from mock_infobip import fake

    found: dict[str, int] = {}
    with fake(db=empty(url), rate_limit_add="0", rate_limit_create="0") as infobip:
        store = infobip.runtime.store
        asked: list[str] = []
        write, read, execute = store.write, store.read, store.execute

        @contextmanager
        def counting_write(*locks: str) -> Iterator[Any]:
            asked.append("BEGIN")  # with the locks and COMMIT: one pipelined round trip
            with write(*locks) as conn:
                yield Asked(conn, asked)

        @contextmanager
        def counting_read() -> Iterator[Any]:
            with read() as conn:
                yield Asked(conn, asked)

        def counting_execute(sql: str, params: Any = None) -> Any:
            asked.append(sql)
            return execute(sql, params)

        store.write, store.read, store.execute = counting_write, counting_read, counting_execute
        session = requests.Session()
        session.headers.update(infobip.headers)
        for name, ask in asks.items():
            counts = []
            for _ in range(3):
                asked.clear()
                ask(infobip.base_url, session)
                counts.append(len(asked))
            found[name] = min(counts)
    return found


def statements(args: argparse.Namespace, url: str) -> None:
    import psycopg

    people = {"userIds": [f"person-{n}@example.com" for n in range(1000)]}
    numbers = [{"to": f"4179{n:07d}"} for n in range(1000)]

    def asks(listed: Callable[[str, Any], int]) -> dict[str, Callable[[str, Any], object]]:
        return {
            "create list": lambda base, session: session.post(base + LISTS, json={"name": "bench"}),
            "add 1,000 ids": lambda base, session: session.post(
                f"{base}{LISTS}/{listed(base, session)}/add", json=people
            ),
            "send 1,000 SMS": lambda base, session: session.post(
                base + "/sms/2/text/advanced", json={"messages": [{"destinations": numbers, "text": "x"}]}
            ),
        }

    made: dict[str, int] = {}

    def listed(base: str, session: Any) -> int:  # the list's id, made once (outside the count)
        return made.setdefault(base, session.post(base + LISTS, json={"name": "bench"}).json()["listId"])

    in_process = asked_of(url, asks(listed))
    host = serve(empty(url), 1, clock="manual", rate_limit_add="0")
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")

        def counted(action: Callable[[], object]) -> int:
            conn.execute("SELECT pg_stat_statements_reset()")
            action()
            return int(conn.execute(COUNT).fetchone()[0])

        try:
            session = requests.Session()
            session.headers["Authorization"] = "App bench"
            listed(host.base_url, session)
            executed = {
                name: min(counted(functools.partial(ask, host.base_url, session)) for _ in range(3))
                for name, ask in asks(listed).items()
            }
            time.sleep(5)  # the sends' work done: idle from here
            idle = counted(lambda: time.sleep(args.idle)) / args.idle
        finally:
            host.stop()
    print("| PostgreSQL | create list | add 1,000 ids | send 1,000 SMS | idle host, a second |")
    print("| --- | ---: | ---: | ---: | ---: |")
    print(
        "| statements asked (an executemany: one) | "
        + " | ".join(str(v) for v in in_process.values())
        + " | |"
    )
    print(
        "| statements executed (pg_stat_statements) | "
        + " | ".join(str(v) for v in executed.values())
        + f" | {idle:.1f} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--duration", type=float, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--speed", type=int, default=17_280, help="the clock's speed in part 2")
    parser.add_argument("--db-url", help="a PostgreSQL database to use (emptied first)")
    parser.add_argument("--idle", type=float, default=30, help="seconds the idle host is watched")
    parser.add_argument("--skip-throughput", action="store_true")
    parser.add_argument("--skip-reports", action="store_true")
    args = parser.parse_args()
    with ExitStack() as stack, tempfile.TemporaryDirectory() as tmp:
        url = args.db_url
        if url is None:
            from tests.postgres import postgres_server

            url = stack.enter_context(postgres_server(settings=STATS))
        statements(args, url)
        if not args.skip_throughput:
            throughput(args, url, Path(tmp))
        if not args.skip_reports:
            reports(args, url, Path(tmp))


if __name__ == "__main__":
    main()

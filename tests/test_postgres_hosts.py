"""Several hosts, one fake: two ``serve`` processes (ports and working folders of their own) on one
PostgreSQL database behave as one fake. One scheduler at a time, and another takes over when its
process is killed (``kill -9``), losing nothing; each report pushed once while both hosts advance
the clock; rate limits exact across hosts; one clock; an admin change on one host seen by the next
request on the other; a fault's latency released on both by a delete on one. And the crash campaign:
20 ``kill -9`` of either host (every other one the scheduler's) while writers use both, with no
acknowledged write lost and nothing pushed again after its recorded 2xx."""

from __future__ import annotations

import os
import random
import signal
import threading
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.postgres import empty_database
from tests.receivers import Receiver
from tests.servers import ServeProcess, serve, wait_until

pytestmark = pytest.mark.postgres

LISTS = "/saas/amplitude/1/lists"
SHOP = "447491163443"


class Hosts:
    """``serve`` processes on one database, each in a folder of its own on a port of its own."""

    def __init__(self, url: str, folder: Path, env: dict[str, str]) -> None:
        self.url = url
        self.folder = folder
        self.env = env
        self.args: list[tuple[str, ...]] = []
        self.running: list[ServeProcess] = []

    def start(self, *args: str) -> ServeProcess:
        index = len(self.running)
        self.args.append(args)
        self.running.append(self._serve(index, args))
        return self.running[index]

    def _serve(self, index: int, args: tuple[str, ...]) -> ServeProcess:
        home = self.folder / f"host{index}"
        home.mkdir(exist_ok=True)
        return serve("--db", self.url, *args, env=self.env, cwd=home)

    def kill(self, index: int) -> None:
        """``kill -9``, then the host started again (a port of its own, as a redeploy gets)."""
        process = self.running[index].process
        os.kill(process.pid, signal.SIGKILL)
        process.communicate(timeout=30)
        self.running[index] = self._serve(index, self.args[index])

    def scheduler(self, index: int) -> str | None:
        try:
            return str(self.running[index].get("/__admin/health").json()["scheduler"])
        except requests.RequestException:
            return None

    def leader(self) -> int:
        """The host that runs the scheduler (waiting for a takeover under way)."""
        found: list[int] = []

        def one_leads() -> bool:
            found[:] = [i for i in range(len(self.running)) if self.scheduler(i) == "leading"]
            return len(found) == 1

        assert wait_until(one_leads), found
        return found[0]

    def stop(self) -> None:
        for host in self.running:
            out = host.stop()
            assert "Traceback" not in out, out


@pytest.fixture
def hosts(postgres_url: str, tmp_path: Path) -> Iterator[Hosts]:
    env = {"MOCK_INFOBIP_WORKERS": "1", "MOCK_INFOBIP_RATE_LIMIT_ADD": "0"}
    found = Hosts(empty_database(postgres_url), tmp_path, env)
    try:
        yield found
    finally:
        found.stop()


def key(host: ServeProcess) -> dict[str, str]:
    return {"Authorization": f"App {host.api_key}"}


def send(host: ServeProcess, number: str, notify_url: str) -> requests.Response:
    body = {"messages": [{"destinations": [{"to": number}], "text": "Hi", "notifyUrl": notify_url}]}
    return requests.post(host.base_url + "/sms/2/text/advanced", json=body, headers=key(host), timeout=30)


def delivered_after(host: ServeProcess, seconds: int) -> None:
    rule = {"match": {"prefix": "41"}, "status": "DELIVERED_TO_HANDSET", "delaySeconds": seconds}
    assert requests.post(host.base_url + "/__admin/outcomes", json=rule, timeout=10).status_code == 201


def test_one_scheduler_at_a_time_and_another_takes_over_after_kill_9(hosts: Hosts) -> None:
    receiver = Receiver()
    try:
        a = hosts.start("--clock", "real")
        b = hosts.start("--clock", "real")
        assert a.api_key == b.api_key  # one database: one default account and key
        assert [hosts.scheduler(0), hosts.scheduler(1)] == ["leading", "standby"]
        assert b.get("/__admin/health").json()["database"] == "postgresql"
        delivered_after(b, 2)
        sent = send(b, "41793026727", receiver.url).json()["messages"][0]["messageId"]
        hosts.kill(0)  # the scheduler's host, before the report falls due
        assert hosts.leader() == 1
        assert wait_until(lambda: [r["messageId"] for r in receiver.results] == [sent])
        assert hosts.scheduler(0) == "standby"  # started again: it waits its turn
        hosts.kill(1)
        assert hosts.leader() == 0
        again = send(hosts.running[0], "41793026728", receiver.url).json()["messages"][0]["messageId"]
        assert wait_until(lambda: [r["messageId"] for r in receiver.results] == [sent, again])
    finally:
        receiver.close()


def test_each_report_is_pushed_once_while_both_hosts_advance_the_clock(hosts: Hosts) -> None:
    """The scheduler's host polls while both hosts carry out what an advance makes due: every push
    is claimed by one of them, so each report reaches the receiver once."""
    receiver = Receiver()
    try:
        both = [hosts.start("--clock", "manual"), hosts.start("--clock", "manual")]
        delivered_after(both[0], 30)
        numbers = [f"4179302{i:04d}" for i in range(120)]
        with ThreadPoolExecutor(8) as pool:
            answers = list(pool.map(lambda i: send(both[i % 2], numbers[i], receiver.url), range(120)))
        assert {a.status_code for a in answers} == {200}
        sent = {a.json()["messages"][0]["messageId"] for a in answers}

        def advance(i: int) -> int:  # each makes every report due (advances at once need not add up)
            return requests.post(
                both[i % 2].base_url + "/__admin/clock/advance", json={"seconds": 40}, timeout=30
            ).status_code

        with ThreadPoolExecutor(4) as pool:
            assert set(pool.map(advance, range(8))) == {200}
        assert wait_until(lambda: len(receiver.results) >= len(sent)), both[0].get("/__admin/callbacks").text
        callbacks = both[1].get("/__admin/callbacks?limit=100000").json()["callbacks"]
        recorded = Counter(m for c in callbacks if c["status"] == 200 for m in c["messageIds"])
        assert set(recorded) == sent and set(recorded.values()) == {1}
        received = Counter(r["messageId"] for r in receiver.results)
        assert set(received) == sent and set(received.values()) == {1}
    finally:
        receiver.close()


def test_rate_limits_are_exact_across_hosts(hosts: Hosts) -> None:
    both = [hosts.start(), hosts.start()]

    def create(i: int) -> int:
        with requests.Session() as session:
            return session.post(
                both[i % 2].base_url + LISTS, json={"name": f"l{i}"}, headers=key(both[0]), timeout=30
            ).status_code

    with ThreadPoolExecutor(16) as pool:
        statuses = list(pool.map(create, range(40)))
    assert statuses.count(200) == 1 and statuses.count(429) == 39  # one create per 2 s, whoever serves
    assert len(both[1].get("/__admin/lists").json()["lists"]) == 1


def test_one_clock_and_an_admin_change_is_seen_on_the_other_host(hosts: Hosts) -> None:
    a = hosts.start("--clock", "manual", "--start", "2026-01-01T00:00:00Z")
    b = hosts.start("--clock", "manual")
    assert a.get("/__admin/clock").json() == b.get("/__admin/clock").json()
    moved = requests.post(a.base_url + "/__admin/clock/advance", json={"seconds": 90}, timeout=10).json()
    assert moved["now"] == "2026-01-01T00:01:30.000+0000"
    assert b.get("/__admin/clock").json()["now"] == moved["now"]
    made = requests.post(
        a.base_url + "/__admin/accounts", json={"name": "ops", "apiKeys": ["k2"]}, timeout=10
    )
    assert made.status_code == 201
    created = requests.post(
        b.base_url + LISTS, json={"name": "x"}, headers={"Authorization": "App k2"}, timeout=10
    )
    assert created.status_code == 200
    fault = {"path": "/sms/1/logs", "status": 500, "times": 1}
    assert requests.post(b.base_url + "/__admin/faults", json=fault, timeout=10).status_code == 201
    assert requests.get(a.base_url + "/sms/1/logs", headers=key(a), timeout=10).status_code == 500
    assert requests.get(b.base_url + "/sms/1/logs", headers=key(a), timeout=10).status_code == 200


def test_deleting_faults_on_one_host_releases_requests_held_on_the_other(hosts: Hosts) -> None:
    a, b = hosts.start(), hosts.start()
    rule = {"path": "/sms/1/logs", "latencyMs": 60_000}
    assert requests.post(a.base_url + "/__admin/faults", json=rule, timeout=10).status_code == 201

    def held(i: int) -> int:
        with requests.Session() as session:  # far less than the latency: one still held fails the test
            return session.get(b.base_url + "/sms/1/logs", headers=key(a), timeout=30).status_code

    def applied() -> int:
        return int(a.get("/__admin/faults").json()["faults"][0]["applied"])

    with ThreadPoolExecutor(10) as pool:
        answers = pool.map(held, range(10))
        assert wait_until(lambda: applied() == 10)  # every one is held on host b
        assert requests.delete(a.base_url + "/__admin/faults", timeout=10).status_code == 200
        assert list(answers) == [200] * 10


def test_crash_campaign_20_kills_lose_nothing_and_push_nothing_again(hosts: Hosts) -> None:
    """Writers (list members, SMS with a callback URL, handset messages forwarded) use both hosts
    while one of them is killed 20 times, every other time the scheduler's. Reports fall due 0.1 s
    after a send (600x speed). Afterwards every acknowledged write is stored and every report and
    inbound message is pushed, none with two recorded 2xx (one the receiver saw twice, because a
    host died between the receiver's 200 and its record, is at-least-once: counted, allowed)."""
    rng = random.Random(26)
    receiver = Receiver()
    speed = ("--clock", "real", "--speed", "600")
    try:
        first = hosts.start(*speed)
        hosts.start(*speed)
        delivered_after(first, 60)
        number = {"number": SHOP, "forwardUrl": receiver.url}
        assert requests.post(first.base_url + "/__admin/numbers", json=number, timeout=10).status_code == 201
        list_id = requests.post(
            first.base_url + LISTS, json={"name": "crash"}, headers=key(first), timeout=10
        )
        add = f"{LISTS}/{list_id.json()['listId']}/add"
        acked: dict[str, set[str]] = {"members": set(), "messages": set(), "inbound": set()}
        lock = threading.Lock()
        stop = threading.Event()

        def write(kind: str, turn: int) -> None:
            host = hosts.running[turn % 2]
            try:
                if kind == "members":
                    ids = [f"p{turn}-{i}-{rng.random()}@crash.test" for i in range(10)]
                    r = requests.post(
                        host.base_url + add, json={"userIds": ids}, headers=key(first), timeout=10
                    )
                    done = ids if r.status_code == 200 else []
                elif kind == "messages":
                    r = send(host, f"4179{rng.randrange(10**7):07d}", receiver.url)
                    done = [m["messageId"] for m in r.json()["messages"]] if r.status_code == 200 else []
                else:
                    body = {"from": f"4179{rng.randrange(10**7):07d}", "to": SHOP, "text": "YES"}
                    r = requests.post(host.base_url + "/__admin/inbound", json=body, timeout=10)
                    done = [r.json()["messageId"]] if r.status_code == 201 else []
            except (requests.RequestException, ValueError):
                return  # the host died under the request: not acknowledged
            with lock:
                acked[kind].update(done)

        def writer(kind: str) -> None:
            turn = 0
            while not stop.is_set():
                write(kind, turn)
                turn += 1

        threads = [threading.Thread(target=writer, args=(k,), daemon=True) for k in acked]
        for thread in threads:
            thread.start()
        for kill in range(20):
            time.sleep(rng.uniform(0.2, 0.6))
            leader = hosts.leader()
            hosts.kill(leader if kill % 2 == 0 else 1 - leader)
        stop.set()
        for thread in threads:
            thread.join(30)
        survivor = hosts.running[hosts.leader()]
        members = set(survivor.get(f"/__admin/lists/{list_id.json()['listId']}").json()["members"])
        messages = {
            m["messageId"] for m in survivor.get("/__admin/messages?limit=1000000").json()["messages"]
        }
        inbound = {m["messageId"] for m in survivor.get("/__admin/inbound?limit=1000000").json()["messages"]}
        assert acked["members"] and acked["messages"] and acked["inbound"]
        assert acked["members"] <= members and acked["messages"] <= messages and acked["inbound"] <= inbound

        def recorded() -> Counter[str]:
            callbacks = survivor.get("/__admin/callbacks?limit=1000000").json()["callbacks"]
            return Counter(m for c in callbacks if c["status"] == 200 for m in c["messageIds"])

        pushed = acked["messages"] | acked["inbound"]
        assert wait_until(lambda: pushed <= set(recorded()), 60), len(pushed - set(recorded()))
        assert max(recorded().values()) == 1  # nothing pushed again after its recorded 2xx
        seen: dict[str, Any] = Counter(r["messageId"] for r in receiver.results)
        assert pushed <= set(seen)
    finally:
        receiver.close()


def test_serve_waits_for_a_postgresql_server_that_is_not_up_yet(tmp_path: Path) -> None:
    """compose starts the database and the fake together: serve waits for the server (db_wait)."""
    from tests.postgres import free_port, postgres_server

    port = free_port()
    url = f"postgresql://postgres@127.0.0.1:{port}/postgres"  # the database initdb makes
    started: list[ServeProcess] = []
    waiting = threading.Thread(target=lambda: started.append(serve("--db", url, cwd=tmp_path)))
    waiting.start()  # nothing listens on the port yet
    try:
        with postgres_server(port):
            waiting.join(timeout=60)
            assert started, "serve did not come up once the server did"
            (host,) = started
            assert "database: postgresql://postgres@127.0.0.1" in "".join(host.lines)
            assert "hosts: every host on this database serves one fake" in "".join(host.lines)  # #37
            assert host.post("/saas/amplitude/1/lists", {"name": "after the wait"}).status_code == 200
            host.stop()
    finally:
        waiting.join(timeout=60)

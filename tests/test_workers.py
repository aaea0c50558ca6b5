"""``serve --workers N``: N processes on one port sharing the database file, exact rate limits, one
scheduler (each report pushed once), one signal stops them all, and no orphan after ``kill -9``."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

from tests.receivers import Receiver
from tests.servers import serve, wait_until

LISTS = "/saas/amplitude/1/lists"


def children(pid: int) -> list[int]:
    found = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout.split()
    return [int(p) for p in found]


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    stat = Path(f"/proc/{pid}/stat")
    return stat.exists() and stat.read_text().split()[2] != "Z"


def test_two_workers_share_the_port_and_the_limits_stay_exact(tmp_path: Path) -> None:
    server = serve("--db", str(tmp_path / "w.db"), env={"MOCK_INFOBIP_WORKERS": "2"})
    try:
        assert "workers: 2 processes on one port, one runs the scheduler\n" in server.lines
        workers = children(server.process.pid)
        assert len(workers) == 2

        def create(i: int) -> int:
            with requests.Session() as session:  # a connection each: spread over both workers
                answer = session.post(
                    server.base_url + LISTS,
                    json={"name": f"l{i}"},
                    headers={"Authorization": f"App {server.api_key}"},
                    timeout=30,
                )
                return answer.status_code

        with ThreadPoolExecutor(16) as pool:
            statuses = list(pool.map(create, range(40)))
        assert sorted(set(statuses)) == [200, 429] and statuses.count(200) == 1  # one create per 2 s
        assert len(server.get("/__admin/lists").json()["lists"]) == 1
    finally:
        out = server.stop(signal.SIGTERM)
    assert server.process.returncode == 0 and "mock-infobip stopped" in out and "Traceback" not in out
    assert not any(alive(pid) for pid in workers)


def test_the_2fa_send_limit_is_exact_across_workers(tmp_path: Path) -> None:
    """sendPinPerPhoneNumberLimit 3/1d: 3 PINs out of 24 concurrent requests over two processes."""
    server = serve("--db", str(tmp_path / "w.db"), env={"MOCK_INFOBIP_WORKERS": "2"})
    try:
        headers = {"Authorization": f"App {server.api_key}"}
        made = requests.post(server.base_url + "/2fa/2/applications", json={"name": "A"}, headers=headers)
        app_id = made.json()["applicationId"]
        template = {"messageText": "{{pin}}", "pinType": "NUMERIC"}
        path = f"/2fa/2/applications/{app_id}/messages"
        message_id = requests.post(server.base_url + path, json=template, headers=headers).json()["messageId"]
        body = {"applicationId": app_id, "messageId": message_id, "to": "41793026727"}

        def send(_: int) -> int:
            with requests.Session() as session:  # a connection each: spread over both workers
                return session.post(
                    server.base_url + "/2fa/2/pin", json=body, headers=headers, timeout=30
                ).status_code

        with ThreadPoolExecutor(12) as pool:
            statuses = list(pool.map(send, range(24)))
        assert sorted(statuses) == [200] * 3 + [429] * 21
        assert len(server.get("/__admin/2fa/pins").json()["pins"]) == 3
    finally:
        server.stop(signal.SIGTERM)


def test_one_scheduler_pushes_each_report_once(tmp_path: Path) -> None:
    receiver = Receiver()
    server = serve(
        "--db", str(tmp_path / "w.db"), "--clock", "real", "--speed", "600", env={"MOCK_INFOBIP_WORKERS": "2"}
    )
    try:
        rule = {"match": {"prefix": "41"}, "status": "DELIVERED_TO_HANDSET", "delaySeconds": 60}
        assert requests.post(server.base_url + "/__admin/outcomes", json=rule, timeout=10).status_code == 201
        to = [f"4179302{i:04d}" for i in range(30)]

        def send(number: str) -> int:
            body = {"messages": [{"from": "Shop", "text": "Hi", "notifyUrl": receiver.url,
                                  "destinations": [{"to": number}]}]}  # fmt: skip
            with requests.Session() as session:
                return session.post(
                    server.base_url + "/sms/2/text/advanced",
                    json=body,
                    headers={"Authorization": f"App {server.api_key}"},
                    timeout=30,
                ).status_code

        with ThreadPoolExecutor(8) as pool:
            assert set(pool.map(send, to)) == {200}
        assert wait_until(lambda: len(receiver.results) >= len(to), 60)
        time.sleep(1)  # room for a duplicate to show up, were there one
        ids = [result["messageId"] for result in receiver.results]
        assert len(ids) == len(to) == len(set(ids))
    finally:
        server.stop()
        receiver.close()


def test_kill_9_of_the_parent_leaves_no_worker(tmp_path: Path) -> None:
    server = serve("--db", str(tmp_path / "w.db"), env={"MOCK_INFOBIP_WORKERS": "2"})
    workers = children(server.process.pid)
    assert len(workers) == 2
    server.stop(signal.SIGKILL)
    assert wait_until(lambda: not any(alive(pid) for pid in workers))


def test_a_worker_that_dies_is_started_again(tmp_path: Path) -> None:
    server = serve("--db", str(tmp_path / "w.db"), env={"MOCK_INFOBIP_WORKERS": "2"})
    try:
        first = children(server.process.pid)
        os.kill(first[1], signal.SIGKILL)
        assert wait_until(lambda: len(set(children(server.process.pid)) - set(first)) == 1)
        for _ in range(10):
            assert server.get("/__admin/health").status_code == 200
    finally:
        out = server.stop()
    assert "exited" in out and "again" in out


def test_an_in_memory_database_is_one_process() -> None:
    server = serve("--db", ":memory:", env={"MOCK_INFOBIP_WORKERS": "2"})
    try:
        assert children(server.process.pid) == []
    finally:
        server.stop()
    assert not any(line.startswith("workers:") for line in server.lines)


def test_deleting_faults_releases_requests_held_in_every_worker(tmp_path: Path) -> None:
    """50 requests held by a 60 s latency over both workers hold no thread: every other path
    answers meanwhile; DELETE /__admin/faults, answered by one worker, releases all (the other
    notices within its poll), not after the 60 s."""
    env = {"MOCK_INFOBIP_WORKERS": "2", "MOCK_INFOBIP_RATE_LIMIT_CREATE": "0"}
    server = serve("--db", str(tmp_path / "w.db"), env=env)
    key = {"Authorization": f"App {server.api_key}"}
    try:
        rule = {"path": LISTS, "latencyMs": 60_000}
        assert requests.post(server.base_url + "/__admin/faults", json=rule, timeout=10).status_code == 201

        def create(i: int) -> int:
            with requests.Session() as session:  # a connection each: spread over both workers
                return session.post(
                    server.base_url + LISTS,
                    json={"name": f"held {i}"},
                    headers=key if i % 2 else {"Authorization": "App wrong"},
                    timeout=30,  # far less than the latency: a request still held fails the test
                ).status_code

        def held() -> int:
            return int(server.get("/__admin/faults").json()["faults"][0]["applied"])

        with ThreadPoolExecutor(50) as pool:
            answers = pool.map(create, range(50))
            assert wait_until(lambda: held() == 50, 20)  # every one took the fault: held, none answered
            assert server.get("/__admin/requests").json()["requests"] == []
            for _ in range(10):  # any other path, on either worker, answers while they are held
                with requests.Session() as other:
                    assert other.get(server.base_url + "/__admin/health", timeout=10).status_code == 200
                    assert (
                        other.get(server.base_url + "/sms/1/logs", headers=key, timeout=10).status_code == 200
                    )
            assert requests.delete(server.base_url + "/__admin/faults", timeout=10).status_code == 200
            assert sorted(answers) == [200] * 25 + [401] * 25
    finally:
        server.stop()


AS_PID_1 = ("unshare", "--pid", "--fork", "--mount-proc", "--")  # a new PID namespace, as a container's


def test_serve_as_pid_1_with_workers_serves_restarts_reaps_and_stops_cleanly(tmp_path: Path) -> None:
    """In a container ``serve`` is PID 1, the workers' parent: not taken for a dead parent."""
    server = serve("--db", str(tmp_path / "w.db"), env={"MOCK_INFOBIP_WORKERS": "2"}, wrapper=AS_PID_1)
    (pid_1,) = children(server.process.pid)  # unshare's child: PID 1 in its namespace
    (nspid,) = [
        line for line in Path(f"/proc/{pid_1}/status").read_text().splitlines() if line.startswith("NSpid:")
    ]
    assert nspid.split()[-1] == "1"  # its pid in the namespace
    try:
        workers = children(pid_1)
        assert len(workers) == 2
        assert server.post(LISTS, {"name": "as PID 1"}).status_code == 200
        os.kill(workers[0], signal.SIGKILL)
        assert wait_until(lambda: len(set(children(pid_1)) - set(workers)) == 1)
        assert not alive(workers[0])  # reaped: no zombie left
        assert len(server.get("/__admin/lists").json()["lists"]) == 1
        now = children(pid_1)
    finally:
        os.kill(pid_1, signal.SIGTERM)  # unshare passes no signal on: to PID 1 itself, as podman stop
        out = server.stop(0)
    assert server.process.returncode == 0, out
    assert "mock-infobip stopped" in out and "Traceback" not in out
    assert "keep exiting" not in out and out.count("started again") == 1
    assert not any(alive(pid) for pid in now)

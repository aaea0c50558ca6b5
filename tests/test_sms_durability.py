"""Messages, due reports and retries survive kill -9 and a restart; nothing is pushed twice after a 2xx."""

from __future__ import annotations

import signal
import threading
import time

import requests

from tests.receivers import Receiver
from tests.servers import ServeProcess, serve

CH = "41793026727"


def start(db: str) -> ServeProcess:
    return serve("--db", db, "--api-key", "k", "--clock", "manual", "--start", "2026-11-22T10:00:00Z")


def advance(server: ServeProcess, seconds: float) -> None:
    response = requests.post(
        server.base_url + "/__admin/clock/advance", json={"seconds": seconds}, timeout=60
    )
    assert response.status_code == 200


def attempts(server: ServeProcess) -> list[tuple[int, int | None]]:
    callbacks = server.get("/__admin/callbacks").json()["callbacks"]
    return [(c["retry"], c["status"]) for c in callbacks]


def wait_for(condition, seconds: float = 20) -> None:
    """Poll until ``condition()``; a liveness bound for work done by the background worker."""
    done = threading.Event()
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:
        done.wait(0.02)
    assert condition()


def test_due_reports_and_retries_survive_kill_9(tmp_path):
    db = str(tmp_path / "fake.db")
    receiver = Receiver()
    try:
        server = start(db)
        server_rule = {"match": {"to": CH}, "status": "DELIVERED_TO_HANDSET", "delaySeconds": 60}
        assert (
            requests.post(server.base_url + "/__admin/outcomes", json=server_rule, timeout=10).status_code
            == 201
        )
        receiver.status = 500  # before sending: the worker pushes the rejection at once
        sent = server.post(
            "/sms/2/text/advanced",
            {"messages": [{"destinations": [{"to": CH}, {"to": "999"}], "notifyUrl": receiver.url}]},
        )
        assert sent.status_code == 200
        wait_for(lambda: attempts(server) == [(0, 500)])  # the rejection, pushed at once, refused
        server.stop(signal.SIGKILL)

        receiver.status = 200
        again = start(db)
        advance(again, 60)  # the delivered report falls due; the rejection's first retry too
        assert sorted(r["status"]["name"] for r in receiver.results) == [
            "DELIVERED_TO_HANDSET",
            "REJECTED_PREFIX_MISSING",
            "REJECTED_PREFIX_MISSING",
        ]
        assert sorted(attempts(again)) == [(0, 200), (0, 500), (1, 200)]
        again.stop(signal.SIGKILL)

        third = start(db)
        advance(third, 7 * 86400)
        assert len(receiver.results) == 3  # never pushed again after a 2xx
        messages = third.get("/__admin/messages").json()["messages"]
        assert sorted(m["status"] for m in messages) == ["DELIVERED_TO_HANDSET", "REJECTED_PREFIX_MISSING"]
        third.stop()
    finally:
        receiver.close()


def test_a_real_clock_pushes_in_the_background(tmp_path):
    receiver = Receiver()
    try:
        server = serve("--db", str(tmp_path / "fake.db"), "--api-key", "k", "--speed", "600")
        rule = {"status": "DELIVERED_TO_HANDSET", "delaySeconds": 60}  # 0.1 s of real time
        requests.post(server.base_url + "/__admin/outcomes", json=rule, timeout=10)
        server.post(
            "/sms/2/text/advanced", {"messages": [{"destinations": [{"to": CH}], "notifyUrl": receiver.url}]}
        )
        wait_for(lambda: bool(receiver.bodies))
        assert receiver.results[0]["status"]["name"] == "DELIVERED_TO_HANDSET"
        server.stop()
    finally:
        receiver.close()


def test_inbound_messages_and_their_retries_survive_kill_9(tmp_path):
    db = str(tmp_path / "fake.db")
    receiver = Receiver()
    try:
        server = start(db)
        number = {"number": "447491163443", "forwardUrl": receiver.url}
        assert requests.post(server.base_url + "/__admin/numbers", json=number, timeout=10).status_code == 201
        receiver.status = 503
        handset = {"from": CH, "to": "447491163443", "text": "YES"}
        assert (
            requests.post(server.base_url + "/__admin/inbound", json=handset, timeout=10).status_code == 201
        )
        wait_for(lambda: attempts(server) == [(0, 503)])
        server.stop(signal.SIGKILL)

        receiver.status = 200
        again = start(db)
        advance(again, 60)  # the first retry
        assert [r["text"] for r in receiver.results if "text" in r] == ["YES", "YES"]  # the refused one, then
        again.stop(signal.SIGKILL)

        third = start(db)
        advance(third, 86400)
        assert len(receiver.results) == 2  # never pushed again after its 2xx
        assert sorted(attempts(third)) == [(0, 503), (1, 200)]
        third.stop()
    finally:
        receiver.close()

"""The server's loop serves small Infobip requests itself when no fault is set; a fault set in the
instant between its look and the request moves that request to a thread with the fault it took."""

from __future__ import annotations

import threading
import time

import pytest
import requests

from mock_infobip.serving import lanes
from mock_infobip.testing import Server

LISTS = "/saas/amplitude/1/lists"


def test_a_fault_that_would_hold_the_loop_moves_its_request_to_a_thread():
    server = Server(rate_limit_create=0)
    with server as infobip:
        # as if the fault were set just after the loop looked: the loop begins every request
        server._server.task_dispatcher._faults_set = lambda: False
        fault = {"path": LISTS, "latencyMs": 30_000, "times": 1}
        assert requests.post(infobip.base_url + "/__admin/faults", json=fault, timeout=10).status_code in (
            200,
            201,
        )
        held: dict[str, requests.Response] = {}

        def send() -> None:
            held["answer"] = requests.post(
                infobip.base_url + LISTS, json={"name": "held"}, headers=infobip.headers, timeout=60
            )

        first = threading.Thread(target=send)
        first.start()
        for _ in range(500):  # until the fault has fired (the request is held)
            faults = requests.get(infobip.base_url + "/__admin/faults", timeout=10).json()["faults"]
            if faults[0]["applied"] == 1:
                break
            time.sleep(0.02)
        # the loop is free: another request is answered while the first one is held
        other = requests.post(
            infobip.base_url + LISTS, json={"name": "other"}, headers=infobip.headers, timeout=10
        )
        assert other.status_code == 200
        assert first.is_alive()
        requests.delete(infobip.base_url + "/__admin/faults", timeout=10)  # releases the held request
        first.join(timeout=30)
        assert held["answer"].status_code == 200
        # the fault fired once; each request is in the journal once
        journal = requests.get(
            infobip.base_url + "/__admin/requests", params={"path": LISTS}, timeout=10
        ).json()
        bodies = sorted(entry["requestBody"] for entry in journal["requests"])
        assert bodies == ['{"name": "held"}', '{"name": "other"}']


def test_a_stop_signal_while_the_loop_serves_ends_the_loop_after_the_answer(monkeypatch):
    monkeypatch.setattr(lanes._Loop, "serving", True)
    lanes.stop()  # not in the middle of a request: asked, for when it is answered
    assert lanes._Loop.stop_asked
    monkeypatch.setattr(lanes._Loop, "serving", False)
    monkeypatch.setattr(lanes._Loop, "stop_asked", False)
    with pytest.raises(SystemExit):
        lanes.stop()


def test_a_stop_asked_during_a_request_in_the_loop_answers_it_then_stops(monkeypatch):
    server = Server(rate_limit_create=0)
    with server as infobip:
        original = lanes.FaultChannel.service

        def service_then_ask_to_stop(channel: lanes.FaultChannel) -> None:
            lanes.stop()  # as SIGTERM arriving while the loop is in the app
            original(channel)

        monkeypatch.setattr(lanes.FaultChannel, "service", service_then_ask_to_stop)
        answer = requests.post(
            infobip.base_url + LISTS, json={"name": "last"}, headers=infobip.headers, timeout=10
        )
        assert answer.status_code == 200 and "listId" in answer.json()
        server._thread.join(timeout=10)  # the loop ended (SystemExit in the server's thread)
        assert not server._thread.is_alive()


def test_the_loop_is_woken_for_requests_served_on_threads_only():
    server = Server(rate_limit_create=0)
    with server as infobip:
        trigger = server._server.trigger
        pulled: list[int] = []
        pull = trigger.pull_trigger

        def counted(*args):
            pulled.append(threading.get_ident())
            return pull(*args)

        trigger.pull_trigger = counted
        url = infobip.base_url + LISTS
        with requests.Session() as session:
            for name in ("a", "b", "c"):
                assert session.post(url, json={"name": name}, headers=infobip.headers, timeout=10).ok
            assert pulled == []  # served by the loop itself: nothing to wake it for
            # with a fault set (for another path), Infobip requests are served on threads
            fault = {"path": "/sms/1/reports", "status": 500}
            assert (
                session.post(infobip.base_url + "/__admin/faults", json=fault, timeout=10).status_code == 201
            )
            before = len(pulled)
            assert session.post(url, json={"name": "d"}, headers=infobip.headers, timeout=10).ok
            assert len(pulled) > before
            assert threading.get_ident() not in pulled

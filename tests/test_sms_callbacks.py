"""Pushing reports: grouping, Infobip's retry cycle, bad receivers, the attempt log."""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Any

import pytest

from mock_infobip.delivery.scheduler import retry_delay_ms
from mock_infobip.http.app import create_app
from mock_infobip.runtime import Runtime
from tests.conftest import make_settings
from tests.sms_helpers import KEY, callback_bodies, rule, send_v2
from tests.support import ContractClient

BOTH_BACKENDS = True  # SQLite and PostgreSQL (tests/conftest.py)

CH = "41793026727"


def fake(**settings: object) -> tuple[Runtime, ContractClient]:
    runtime = Runtime(make_settings(**settings))
    app = create_app(runtime)
    app.test_client_class = ContractClient
    client = app.test_client()
    assert isinstance(client, ContractClient)
    return runtime, client


def test_retry_delays_are_1_plus_n_squared_minutes():
    assert [retry_delay_ms(n) // 60_000 for n in range(6)] == [1, 2, 5, 10, 17, 26]


def test_at_most_100_results_per_callback_per_url(client, runtime, receiver):
    rule(client, status="DELIVERED_TO_HANDSET", delaySeconds=10)
    numbers = [f"4179302{i:04d}" for i in range(250)]
    send_v2(client, *numbers, notifyUrl=receiver.url)
    runtime.advance(10)
    assert sorted(len(b["results"]) for b in callback_bodies(receiver, 2)) == [50, 100, 100]
    assert sorted(r["to"] for r in receiver.results) == sorted(numbers)


def test_reports_for_different_urls_go_to_their_url(client, runtime, receiver):
    from tests.receivers import Receiver

    other = Receiver()
    try:
        rule(client, status="DELIVERED_TO_HANDSET", delaySeconds=1)
        send_v2(client, CH, notifyUrl=receiver.url)
        send_v2(client, "41793026834", notifyUrl=other.url)
        runtime.advance(1)
        assert [r["to"] for r in receiver.results] == [CH]
        assert [r["to"] for r in other.results] == ["41793026834"]
    finally:
        other.close()


def test_failed_pushes_follow_the_retry_cycle_until_success(client, runtime, receiver):
    rule(client, status="DELIVERED_TO_HANDSET", delaySeconds=0)
    receiver.status = 500
    send_v2(client, CH, notifyUrl=receiver.url)
    runtime.advance(60 + 120 + 300 - 0.001)  # attempts at 0, 1, 3 minutes; the next at 8
    assert len(receiver.bodies) == 3
    receiver.status = 204
    runtime.advance(0.001)
    attempts = client.get("/__admin/callbacks").json["callbacks"]
    assert [(a["at"][11:19], a["retry"], a["status"]) for a in attempts] == [
        ("10:00:00", 0, 500),
        ("10:01:00", 1, 500),
        ("10:03:00", 2, 500),
        ("10:08:00", 3, 204),
    ]
    assert attempts[0]["nextRetryAt"] == "2026-11-22T10:01:00.000+0000"
    assert attempts[0]["messageIds"] == [receiver.results[0]["messageId"]]
    runtime.advance(86400)
    assert len(receiver.bodies) == 4  # never pushed again after a 2xx
    assert client.get("/sms/1/reports", headers=KEY).json["results"] == []


def test_exhausted_retries_keep_the_report_pullable(receiver):
    runtime, client = fake(callback_max_retries=2)
    rule(client, status="DELIVERED_TO_HANDSET", delaySeconds=0)
    receiver.status = 503
    send_v2(client, CH, notifyUrl=receiver.url)
    runtime.advance(86400)
    assert [a["retry"] for a in client.get("/__admin/callbacks").json["callbacks"]] == [0, 1, 2]
    (pulled,) = client.get("/sms/1/reports", headers=KEY).json["results"]
    assert pulled["status"]["name"] == "DELIVERED_TO_HANDSET"


@pytest.mark.parametrize(
    ("mode", "error"),
    [
        ("hang", "timeout after 0.3 s"),
        ("reset", "connection"),  # reset, or closed without an answer
        ("garbage", "not an HTTP answer"),
    ],
)
def test_bad_receivers_cost_their_timeout_and_are_retried(receiver, mode, error):
    runtime, client = fake(callback_timeout=0.3)
    receiver.mode, receiver.hang_seconds = mode, 2
    rule(client, status="DELIVERED_TO_HANDSET", delaySeconds=0)
    send_v2(client, CH, notifyUrl=receiver.url)
    runtime.advance(60)
    attempts = client.get("/__admin/callbacks").json["callbacks"]
    assert [(a["retry"], a["status"]) for a in attempts] == [(0, None), (1, None)]
    assert all(error in a["error"] for a in attempts), attempts


def test_a_refused_connection_is_retried(client, runtime):
    rule(client, status="DELIVERED_TO_HANDSET", delaySeconds=0)
    send_v2(client, CH, notifyUrl="http://127.0.0.1:9/nothing-listens")
    runtime.advance(60)
    attempts = client.get("/__admin/callbacks").json["callbacks"]
    assert [(a["retry"], a["status"]) for a in attempts] == [(0, None), (1, None)]
    assert attempts[0]["error"] == "connection refused"


def in_thread(call, seconds: float = 20) -> bool:
    """Run ``call``; whether it finished within ``seconds`` (a liveness bound, not a timing)."""
    thread = threading.Thread(target=call, daemon=True)
    thread.start()
    thread.join(seconds)
    return not thread.is_alive()


def test_a_blocked_receiver_does_not_block_the_api_or_other_callbacks(receiver):
    from tests.receivers import Receiver

    runtime, client = fake(callback_timeout=30, dispatch="background")
    runtime.start_worker()
    healthy = Receiver()
    try:
        receiver.mode = "block"  # holds its callback until released
        rule(client, status="DELIVERED_TO_HANDSET", delaySeconds=0)
        send_v2(client, CH, notifyUrl=receiver.url)
        assert in_thread(lambda: client.get("/sms/1/logs", headers=KEY))
        send_v2(client, "41793026834", notifyUrl=healthy.url)
        assert in_thread(lambda: [time.sleep(0.01) for _ in iter(lambda: bool(healthy.bodies), True)])
        assert healthy.results[0]["to"] == "41793026834"
        assert receiver.bodies and not receiver.release.is_set()  # the first one is still held
    finally:
        receiver.release.set()
        healthy.close()
        runtime.close()


def test_fifty_held_receivers_leave_a_healthy_one_served_at_once():
    """Each receiver origin has its own lane: 50 receivers holding their pushes (every one of them
    with more reports due than its lane runs at once) hold 50 lanes, and a healthy receiver's report
    is delivered while all of them still hold (events, no timing)."""
    from tests.receivers import Receiver

    runtime, client = fake(callback_timeout=30, dispatch="background", callback_concurrency=2)
    runtime.start_worker()
    held = [Receiver() for _ in range(50)]
    healthy = Receiver()
    try:
        rule(client, status="DELIVERED_TO_HANDSET", delaySeconds=0)
        for slow in held:
            slow.mode = "block"  # holds each push until released
            for n in range(3):  # more than its lane's 2 at a time: the third waits in its lane
                send_v2(client, f"4179302{n:04d}", notifyUrl=f"{slow.url}?n={n}")  # a push each
        assert in_thread(lambda: [time.sleep(0.01) for _ in iter(lambda: all(r.bodies for r in held), True)])
        send_v2(client, "41793026834", notifyUrl=healthy.url)
        assert in_thread(lambda: [time.sleep(0.01) for _ in iter(lambda: bool(healthy.bodies), True)])
        assert healthy.results[0]["to"] == "41793026834"
        assert not any(slow.release.is_set() for slow in held)  # every held push is still held
        assert all(len(slow.bodies) == 2 for slow in held)  # two at a time in each lane
    finally:
        for slow in held:
            slow.release.set()
            slow.close()
        healthy.close()
        runtime.close()


def test_advance_waits_for_callbacks_in_time_order(client, runtime, receiver):
    rule(client, match={"to": CH}, status="DELIVERED_TO_HANDSET", delaySeconds=20)
    rule(client, match={"to": "41793026834"}, status="DELIVERED_TO_HANDSET", delaySeconds=10)
    send_v2(client, CH, "41793026834", notifyUrl=receiver.url)
    seen: list[str] = []
    lock = threading.Lock()
    original = runtime.scheduler.transport.post

    async def post(url: str, body: bytes, timeout: float, content_type: str):  # the clock at each push
        with lock:
            seen.append(runtime.clock.now().strftime("%H:%M:%S"))
        return await original(url, body, timeout, content_type)

    runtime.scheduler.transport.post = post  # type: ignore[method-assign]
    assert (
        client.post("/__admin/clock/advance", json={"seconds": 30}).json["now"]
        == "2026-11-22T10:00:30.000+0000"
    )
    assert [r["to"] for r in receiver.results] == ["41793026834", CH]
    assert seen == ["10:00:10", "10:00:20"]


def test_admin_messages_show_the_status_history(client, runtime, receiver):
    rule(client, status="DELIVERED_TO_HANDSET", delaySeconds=30)
    send_v2(client, CH, notifyUrl=receiver.url, intermediateReport=True)
    runtime.advance(30)
    (message,) = client.get("/__admin/messages").json["messages"]
    assert [(h["at"][11:19], h["status"]) for h in message["history"]] == [
        ("10:00:00", "PENDING_ACCEPTED"),
        ("10:00:10", "PENDING_ENROUTE"),
        ("10:00:20", "DELIVERED_TO_OPERATOR"),
        ("10:00:30", "DELIVERED_TO_HANDSET"),
    ]
    assert message["callbackUrl"] == receiver.url
    assert client.get("/__admin/messages?status=DELIVERED").json["messages"] == [message]
    assert client.get("/__admin/messages?status=REJECTED").json["messages"] == []


@pytest.mark.parametrize(
    ("version", "root", "count"), [(2, "reportResponse", "smsCount"), (3, "DeliveryReports", "messageCount")]
)
def test_xml_callbacks_when_asked(client, runtime, receiver, version, root, count):
    from xml.etree import ElementTree

    rule(client, status="DELIVERED_TO_HANDSET", delaySeconds=1)
    if version == 2:
        send_v2(client, CH, notifyUrl=receiver.url, notifyContentType="application/xml", callbackData="x&y")
    else:
        from tests.sms_helpers import send_v3

        send_v3(
            client,
            CH,
            webhooks={
                "delivery": {"url": receiver.url},
                "contentType": "application/xml",
                "callbackData": "x&y",
            },
        )
    runtime.advance(1)
    assert receiver.content_types == ["application/xml"]
    (document,) = receiver.xml
    assert document.startswith('<?xml version="1.0" encoding="UTF-8"?>')
    tree = ElementTree.fromstring(document)
    assert tree.tag == root
    (result,) = tree.findall("./results/result")
    assert result.findtext("to") == CH
    assert result.findtext("callbackData") == "x&y"
    assert result.findtext(count) == "1"
    assert result.findtext("status/name") == "DELIVERED_TO_HANDSET"
    assert result.findtext("error/permanent") == "false"


def test_a_dripping_receiver_costs_one_attempt_not_a_thread():
    import socket

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    stop = threading.Event()

    def drip() -> None:  # answers one byte every 0.2 s, for ever
        connection, _ = listener.accept()
        with connection:
            for byte in b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n":
                if stop.wait(0.2):
                    return
                connection.send(bytes([byte]))

    threading.Thread(target=drip, daemon=True).start()
    runtime, client = fake(callback_timeout=0.5)
    try:
        rule(client, status="DELIVERED_TO_HANDSET", delaySeconds=0)
        url = f"http://127.0.0.1:{listener.getsockname()[1]}/dlr"
        assert in_thread(lambda: send_v2(client, CH, notifyUrl=url))
        (attempt,) = client.get("/__admin/callbacks").json["callbacks"]
        assert (attempt["status"], attempt["error"]) == (None, "timeout after 0.5 s")
    finally:
        stop.set()
        listener.close()
        runtime.close()


def deliver(scheduler: Any, batch: Any, at: int) -> None:
    """Run one claimed push to its end here, as its lane would (its database work inline)."""

    async def inline(function: Any, *args: Any) -> Any:
        return function(*args)

    asyncio.run(scheduler._deliver(batch, at, inline))


def test_a_push_whose_rows_were_delivered_meanwhile_is_never_posted(receiver):
    runtime, client = fake(dispatch="background")  # no worker started: nothing pushes by itself
    try:
        rule(client, status="REJECTED_NOT_ENOUGH_CREDITS")  # its report is due at once
        send_v2(client, CH, notifyUrl=receiver.url)
        scheduler = runtime.scheduler
        (stale,) = scheduler._claim(runtime.clock.now_ms())  # queued behind slow receivers, say
        with runtime.store.write() as conn:  # its lease ran out: claimed again and delivered
            conn.execute("UPDATE deliveries SET claimed_until = 0")
        runtime.scheduler.run_due()
        assert len(receiver.results) == 1
        deliver(scheduler, stale, runtime.clock.now_ms())  # the stale push finally runs
        assert len(receiver.results) == 1  # checked before its POST: nothing posted again
        assert [a["status"] for a in client.get("/__admin/callbacks").json["callbacks"]] == [200]
    finally:
        runtime.close()


def test_each_scheduler_claims_under_its_own_name(tmp_path):
    """Two processes (or hosts) sharing a database never make the same claim: each scheduler's
    claims carry its own random prefix, not only a pid (which repeats across hosts)."""
    path = str(tmp_path / "shared.db")
    first, second = Runtime(make_settings(db=path)), Runtime(make_settings(db=path))
    try:
        assert first.scheduler.instance != second.scheduler.instance
        assert len(first.scheduler.instance) == 12
    finally:
        first.close()
        second.close()


def test_a_scheduler_taking_over_gives_back_its_predecessors_claims_at_once(database, receiver):
    """Hosts on PostgreSQL (and here on a file too): the process that takes the scheduler over
    releases the pushes its predecessor had claimed, not when their leases end; the predecessor's
    stale push then posts nothing. Claims of another live process are left alone."""
    # no worker started: nothing pushes by itself
    first, second = (Runtime(make_settings(db=database, dispatch="background")) for _ in range(2))
    try:
        client = create_app(first).test_client()
        rule(client, status="REJECTED_NOT_ENOUGH_CREDITS")  # reports due at once
        send_v2(client, CH, notifyUrl=receiver.url)
        first.scheduler.take_over()  # the leader
        (claimed,) = first.scheduler._claim(first.clock.now_ms())  # then it dies before its POST
        send_v2(client, "41793026834", notifyUrl=receiver.url)
        (elsewhere,) = second.scheduler._claim(second.clock.now_ms())  # an advance on another host
        second.scheduler.take_over()
        with second.store.read() as conn:
            claims = [row[0] for row in conn.execute("SELECT claim FROM deliveries ORDER BY id")]
        assert claims == [None, elsewhere.claim]
        second.scheduler.run_due()
        assert [r["to"] for r in receiver.results] == [CH]
        deliver(first.scheduler, claimed, first.clock.now_ms())
        assert [r["to"] for r in receiver.results] == [CH]  # nothing posted again
    finally:
        first.close()
        second.close()

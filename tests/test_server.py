"""The fake's server (``mock_infobip.serving``): held requests hold nothing, deadlines are total,
``Expect: 100-continue``, faults on the real connection, and a busy port."""

from __future__ import annotations

import json
import re
import socket
import threading
from collections.abc import Callable, Iterator

import pytest
import requests

from mock_infobip.runtime import Runtime
from mock_infobip.serving.assembly import BackgroundServer, create_server
from mock_infobip.serving.server import listening_socket
from mock_infobip.system.net import PortInUse
from mock_infobip.system.wall import elapsed, pause
from tests.conftest import make_settings

LISTS = "/saas/amplitude/1/lists"
SEND = "/sms/2/text/advanced"


def wait_for(condition: Callable[[], bool], what: str, seconds: float = 30) -> None:
    """Until ``condition()`` holds (the test fails after ``seconds``: something never happened)."""
    deadline = elapsed() + seconds
    while not condition():
        assert elapsed() < deadline, f"never: {what}"
        pause(0.01)


@pytest.fixture
def served(tmp_path) -> Iterator[tuple[BackgroundServer, Runtime, str]]:
    settings = make_settings(
        db=str(tmp_path / "s.db"),
        rate_limit_create=0,
        header_timeout=1,
        api_keys=("k", "k2"),
        port=0,
        clock="real",
    )
    runtime = Runtime(settings)
    background = BackgroundServer(create_server(runtime)).start()
    try:
        yield background, runtime, f"http://127.0.0.1:{background.port}"
    finally:
        background.stop()
        runtime.close()


def raw(port: int) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", port), timeout=30)
    return sock


def read_answer(sock: socket.socket) -> bytes:
    """Bytes until the server closes the connection."""
    data = b""
    while chunk := sock.recv(65536):
        data += chunk
    return data


def held_count(background: BackgroundServer) -> int:
    return len(background.server.holds)


def test_fifty_held_requests_leave_every_other_path_answering(served):
    background, _, base = served
    requests.post(base + "/__admin/faults", json={"path": LISTS, "latencyMs": 60_000}, timeout=10)
    answers: list[int] = []

    def send(key: str) -> None:
        try:
            answer = requests.post(
                base + LISTS, json={"name": "held"}, headers={"Authorization": f"App {key}"}, timeout=90
            )
            answers.append(answer.status_code)
        except requests.RequestException:
            answers.append(0)

    held = [threading.Thread(target=send, args=("k" if i % 2 else "wrong",)) for i in range(50)]
    for thread in held:
        thread.start()
    wait_for(lambda: held_count(background) == 50, "50 requests held")
    # every other path answers while all 50 are held, on the loop and on the control lane alike
    assert requests.get(base + "/__admin/health", timeout=10).status_code == 200
    assert requests.get(base + "/__admin/faults", timeout=10).status_code == 200
    assert (
        requests.get(base + "/sms/1/logs", headers={"Authorization": "App k"}, timeout=10).status_code == 200
    )
    assert requests.get(base + "/", timeout=10).status_code == 200
    assert held_count(background) == 50 and answers == []
    # deleting the fault answers them all: valid key 200, wrong key 401
    assert requests.delete(base + "/__admin/faults", timeout=10).status_code == 200
    for thread in held:
        thread.join(timeout=30)
    assert sorted(answers) == [200] * 25 + [401] * 25


def test_a_held_request_whose_client_hung_up_is_dropped_at_once(served):
    background, runtime, base = served
    requests.post(base + "/__admin/faults", json={"path": LISTS, "latencyMs": 60_000}, timeout=10)
    body = b'{"name":"gone"}'
    sock = raw(background.port)
    sock.sendall(
        b"POST " + LISTS.encode() + b" HTTP/1.1\r\nHost: x\r\nAuthorization: App k\r\n"
        b"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body)
    )
    wait_for(lambda: held_count(background) == 1, "the request held")
    sock.close()
    wait_for(lambda: held_count(background) == 0, "the held request dropped")
    requests.delete(base + "/__admin/faults", timeout=10)
    # it was never served: no list
    assert runtime.lists.summaries() == []


def test_a_held_request_released_is_served_once(served):
    background, _, base = served
    fault = {"path": LISTS, "latencyMs": 30_000, "times": 1}
    requests.post(base + "/__admin/faults", json=fault, timeout=10)
    held: dict[str, requests.Response] = {}

    def send() -> None:
        held["answer"] = requests.post(
            base + LISTS, json={"name": "held"}, headers={"Authorization": "App k"}, timeout=60
        )

    first = threading.Thread(target=send)
    first.start()
    wait_for(lambda: held_count(background) == 1, "the request held")
    other = requests.post(
        base + LISTS, json={"name": "other"}, headers={"Authorization": "App k"}, timeout=10
    )
    assert other.status_code == 200 and first.is_alive()
    requests.delete(base + "/__admin/faults", timeout=10)
    first.join(timeout=30)
    assert held["answer"].status_code == 200
    journal = requests.get(base + "/__admin/requests", params={"path": LISTS}, timeout=10).json()
    assert sorted(entry["requestBody"] for entry in journal["requests"]) == [
        '{"name": "held"}',
        '{"name": "other"}',
    ]


def test_a_trickled_head_is_cut_at_a_total_deadline(served):
    background, _, _ = served  # header_timeout 1 s
    sock = raw(background.port)
    head = b"GET /__admin/health HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 200
    sent = 0
    closed = False
    sock.settimeout(0.1)
    for byte in head:  # a byte every 0.1 s: far inside any idle timeout, 20 s in all
        try:
            sock.sendall(bytes([byte]))
        except OSError:
            closed = True
            break
        sent += 1
        try:
            if sock.recv(1024) == b"":
                closed = True
                break
        except TimeoutError:
            continue
    sock.close()
    assert closed and sent < len(head)


def test_expect_100_continue(served):
    background, _, _ = served
    body = b'{"name":"expected"}'
    head = (
        b"POST " + LISTS.encode() + b" HTTP/1.1\r\nHost: x\r\nAuthorization: App k\r\nConnection: close\r\n"
        b"Content-Type: application/json\r\nExpect: 100-continue\r\n"
    )
    # a body awaited: 100 Continue first, then the answer once the body came
    sock = raw(background.port)
    sock.sendall(head + b"Content-Length: %d\r\n\r\n" % len(body))
    assert sock.recv(1024).startswith(b"HTTP/1.1 100 ")
    sock.sendall(body)
    answer = read_answer(sock)
    assert answer.startswith(b"HTTP/1.1 200 ") and b'"listId"' in answer
    # no body: the answer at once, no 100
    sock = raw(background.port)
    sock.sendall(head + b"Content-Length: 0\r\n\r\n")
    answer = read_answer(sock)
    assert answer.startswith(b"HTTP/1.1 400 ") and b"100 Continue" not in answer
    # a body too large to take: 413 without reading it, then closed
    sock = raw(background.port)
    sock.sendall(head + b"Content-Length: %d\r\n\r\n" % (64 * 1024 * 1024))
    answer = read_answer(sock)
    assert answer.startswith(b"HTTP/1.1 413 ") and b"100 Continue" not in answer


def test_drop_and_truncate_act_on_the_connection(served):
    background, _, base = served
    requests.post(base + "/__admin/faults", json={"path": LISTS, "drop": True, "times": 1}, timeout=10)
    with pytest.raises(requests.ConnectionError):
        requests.post(base + LISTS, json={"name": "a"}, headers={"Authorization": "App k"}, timeout=10)
    requests.post(base + "/__admin/faults", json={"path": LISTS, "truncate": True, "times": 1}, timeout=10)
    sock = raw(background.port)
    body = b'{"name":"cut"}'
    sock.sendall(
        b"POST " + LISTS.encode() + b" HTTP/1.1\r\nHost: x\r\nAuthorization: App k\r\n"
        b"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body)
    )
    answer = read_answer(sock)  # closed after half the body its Content-Length declares
    head, _, rest = answer.partition(b"\r\n\r\n")
    declared = int(
        next(line for line in head.split(b"\r\n") if line.lower().startswith(b"content-length")).split(b":")[
            1
        ]
    )
    assert 0 < len(rest) < declared


def test_a_request_that_is_not_http_gets_an_infobip_shaped_400(served):
    background, _, _ = served
    sock = raw(background.port)
    sock.sendall(b"NOT HTTP AT ALL\r\n\r\n")
    answer = read_answer(sock)
    assert answer.startswith(b"HTTP/1.1 400 ") and b'"requestError"' in answer


@pytest.mark.parametrize("pipelined", [1, 2])
def test_bytes_that_are_no_request_behind_valid_ones_get_a_400_after_their_answers(served, pipelined):
    """Issue #36, 1: valid requests and garbage in one packet: each valid one is answered, in order,
    then a 400 for what follows, and the connection closes (it got nothing at all)."""
    background, _, _ = served
    sock = raw(background.port)
    one = b"GET /__admin/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
    sock.sendall(one * pipelined + b"\x00\xff garbage\r\n\r\n")
    answer = read_answer(sock)  # until the server closes
    statuses = re.findall(rb"HTTP/1\.1 (\d{3}) ", answer)
    assert statuses == [b"200"] * pipelined + [b"400"]
    assert answer.rstrip().endswith(b"}") and b'"requestError"' in answer.rsplit(b"HTTP/1.1 400", 1)[1]


@pytest.mark.parametrize(
    ("target", "host", "status"),
    [
        ("http://attacker.example/__admin/messages", "127.0.0.1", b"403"),  # was routed by Host
        ("http://user:pw@attacker.example:80/__admin/messages", "127.0.0.1", b"403"),
        ("http://127.0.0.1/__admin/messages", "attacker.example", b"200"),  # the target's authority wins
    ],
)
def test_an_absolute_form_target_is_routed_by_its_own_authority(served, target, host, status):
    """Issue #36, 6: RFC 9112 §3.2.2, the Host header of an absolute-form request is ignored, and
    the allowed-hosts check applies to the target's authority."""
    background, _, _ = served
    sock = raw(background.port)
    sock.sendall(f"GET {target} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode())
    assert re.findall(rb"HTTP/1\.1 (\d{3}) ", read_answer(sock)) == [status]


def test_a_port_in_use_is_refused():
    taken = listening_socket("127.0.0.1", 0)
    try:
        with pytest.raises(PortInUse, match=f"port {taken.getsockname()[1]} is already in use"):
            listening_socket("127.0.0.1", taken.getsockname()[1])
    finally:
        taken.close()


def test_held_requests_with_bodies_over_64_kib_hold_no_thread(served):
    """Issue #36, 3: eight 100 KiB sends held by a fault's latency made another 100 KiB request wait
    for a thread (58 s in the probe). Held on the loop, they leave every thread free."""
    background, _, base = served
    requests.post(
        base + "/__admin/faults", json={"path": SEND, "latencyMs": 60_000, "apiKey": "k"}, timeout=10
    )
    padded = json.dumps({"messages": [{"destinations": [{"to": "41793026727"}], "text": "x"}]}).encode()
    padded += b" " * (100 * 1024)  # JSON may end in whitespace: a body over the loop's 64 KiB
    answers: list[int] = []

    def send(key: str) -> None:
        headers = {"Authorization": f"App {key}", "Content-Type": "application/json"}
        try:
            answers.append(requests.post(base + SEND, data=padded, headers=headers, timeout=90).status_code)
        except requests.RequestException:
            answers.append(0)

    held = [threading.Thread(target=send, args=("k",)) for _ in range(8)]
    for thread in held:
        thread.start()
    wait_for(lambda: held_count(background) == 8, "8 large requests held on the loop")
    other = {"Authorization": "App k2", "Content-Type": "application/json"}
    assert requests.post(base + SEND, data=padded, headers=other, timeout=30).status_code == 200
    assert answers == []
    assert requests.delete(base + "/__admin/faults", timeout=10).status_code == 200
    for thread in held:
        thread.join(timeout=30)
    assert answers == [200] * 8


def test_pipelined_requests_are_answered_in_order(served):
    background, _, _ = served
    sock = raw(background.port)
    one = b"GET /__admin/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
    sock.sendall(one + one + b"GET /__admin/health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
    answer = read_answer(sock)
    assert answer.count(b"HTTP/1.1 200 ") == 3


def test_an_answer_leaves_after_its_journal_entry_is_written(served):
    """The loop writes the journal's entries of a turn in one transaction (before their answers, by
    construction: a race this test cannot force): every answered request is in the journal, each
    once, sequential or pipelined."""
    background, _, base = served
    with requests.Session() as api, requests.Session() as admin:
        for count in range(1, 21):
            answer = api.post(base + LISTS, json={"name": f"n{count}"}, headers={"Authorization": "App k"})
            assert answer.status_code == 200
            journal = admin.get(base + "/__admin/requests", params={"path": LISTS}, timeout=10).json()
            assert len(journal["requests"]) == count
    # pipelined: one turn of the loop, one transaction, every answer after it
    sock = raw(background.port)
    body = b'{"name":"piped"}'
    one = (
        b"POST " + LISTS.encode() + b" HTTP/1.1\r\nHost: x\r\nAuthorization: App k\r\n"
        b"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body)
    )
    sock.sendall(one * 4 + one.replace(b"Host: x\r\n", b"Host: x\r\nConnection: close\r\n"))
    assert read_answer(sock).count(b"HTTP/1.1 200 ") == 5
    journal = requests.get(base + "/__admin/requests", params={"path": LISTS}, timeout=10).json()
    assert len(journal["requests"]) == 25


def test_a_stop_signal_after_the_loop_ended_only_marks_the_stop():
    """The parent of ``--workers`` repeats SIGTERM until its workers exit; one that arrives while a
    worker closes its store (its loop already ended) must not raise inside that close."""
    import asyncio

    from mock_infobip.serving.assembly import Stopper

    stopper = Stopper()

    async def main() -> None:
        asyncio.get_running_loop().call_later(0.01, stopper.ask)
        await stopper.wait()

    asyncio.run(main())
    stopper.ask()  # the loop is closed: nothing to wake, nothing raised
    assert stopper.asked

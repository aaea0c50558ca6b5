"""Issue #36, 2: the connection limit holds in a burst. With the usual ``ulimit -n 1024`` and one
worker, 1,500 connections opened at once left the server unable to answer a health check (and an
earlier run logged 614,000 ``accept`` tracebacks): the eviction picked connections already closing,
and accepting past the descriptor limit failed again and again."""

from __future__ import annotations

import contextlib
import socket

import requests

from tests.servers import serve

BURST = 1_500
WRAPPER = ("sh", "-c", 'ulimit -n 1024 && exec "$@"', "sh")  # the usual limit of open files


def _open(port: int) -> socket.socket | None:
    sock = socket.socket()
    sock.settimeout(10)
    try:
        sock.connect(("127.0.0.1", port))
    except OSError:  # turned away (closed at once, or the backlog full): allowed when full
        sock.close()
        return None
    return sock


def test_a_burst_past_the_descriptor_limit_leaves_the_health_check_answering(tmp_path):
    fake = serve("--db", str(tmp_path / "fake.db"), wrapper=WRAPPER)
    port = int(fake.base_url.rsplit(":", 1)[1])
    held: list[socket.socket] = []
    try:
        for _ in range(BURST):
            sock = _open(port)
            if sock is not None:
                held.append(sock)
        assert fake.get("/__admin/health").status_code == 200  # through the burst
        for sock in held[:200]:  # a few of them ask something: answered or closed, never hung
            with contextlib.suppress(OSError):
                sock.sendall(b"GET /__admin/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        assert fake.get("/__admin/health").status_code == 200
        for sock in held:
            sock.close()
        held.clear()
        assert requests.get(fake.base_url + "/__admin/health", timeout=30).status_code == 200  # after
    finally:
        for sock in held:
            sock.close()
        output = fake.stop()  # never left running, whatever failed
    assert "Traceback" not in output
    assert output.count("server full") <= 1  # said once a minute, not once a connection


def test_the_capacity_keeps_a_reserve_under_the_descriptor_limit(monkeypatch):
    from mock_infobip.serving import server as serving
    from mock_infobip.serving.server import FD_RESERVE, Limits, Server, listening_socket

    sock = listening_socket("127.0.0.1", 0)
    try:
        monkeypatch.setattr(serving, "descriptor_limit", lambda: 1024)
        assert Server(lambda *a: [], [sock], Limits(connection_limit=1000)).capacity == 1024 - FD_RESERVE
        assert Server(lambda *a: [], [sock], Limits(connection_limit=500)).capacity == 500
        monkeypatch.setattr(serving, "descriptor_limit", lambda: None)  # no limit known (Windows)
        assert Server(lambda *a: [], [sock], Limits(connection_limit=1000)).capacity == 1000
    finally:
        sock.close()


def test_when_every_connection_is_busy_a_new_one_is_closed_at_once_and_said_once(tmp_path, caplog):
    """Three connections each hold a request (a fault's latency): a fourth and fifth are closed at
    once, with no answer, and the log says so once."""
    from mock_infobip.runtime import Runtime
    from mock_infobip.serving.assembly import BackgroundServer, create_server
    from tests.conftest import make_settings
    from tests.test_server import LISTS, held_count, raw, read_answer, wait_for

    runtime = Runtime(
        make_settings(
            db=str(tmp_path / "s.db"),
            api_keys=("k",),
            port=0,
            clock="real",
            connection_limit=3,
            rate_limit_create=0,
        )
    )
    background = BackgroundServer(create_server(runtime)).start()

    held: list[socket.socket] = []
    try:
        runtime.faults.add({"path": LISTS, "latencyMs": 60_000})
        body = b'{"name":"held"}'
        request = (
            b"POST " + LISTS.encode() + b" HTTP/1.1\r\nHost: x\r\nAuthorization: App k\r\n"
            b"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body)
        )
        for _ in range(3):
            held.append(raw(background.port))
            held[-1].sendall(request)
        wait_for(lambda: held_count(background) == 3, "3 requests held")
        for _ in range(2):
            turned_away = raw(background.port)
            with contextlib.suppress(OSError):  # closed at once: the request may not even go out
                turned_away.sendall(b"GET /__admin/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            try:
                answer = read_answer(turned_away)
            except ConnectionResetError:  # closed with the request unread
                answer = b""
            assert answer == b""  # nothing answered
            turned_away.close()
        assert sum("server full" in r.getMessage() for r in caplog.records) == 1
        runtime.faults.delete()
        for sock in held:
            assert read_answer_head(sock).startswith(b"HTTP/1.1 200")
    finally:
        for sock in held:
            sock.close()
        background.stop()
        runtime.close()


def read_answer_head(sock: socket.socket) -> bytes:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            break
        data += chunk
    return data

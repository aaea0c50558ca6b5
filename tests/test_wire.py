"""The in-memory HTTP/1.1 of the in-process fake: a request split anywhere, in any framing, is read
as the same request, and nothing is read before it is complete."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mock_infobip.inprocess.wire import split_request
from mock_infobip.serving.assembly import BackgroundServer
from tests.servers import wsgi_server


def echo(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    start_response("200 OK", [("Content-Type", "application/json")])
    return [json.dumps([environ["PATH_INFO"], environ["QUERY_STRING"]]).encode()]


@pytest.fixture(scope="module")
def echo_server() -> Iterator[BackgroundServer]:
    with wsgi_server(echo) as server:
        yield server


def framed(body: bytes, chunks: list[int]) -> bytes:
    """``body`` with Transfer-Encoding: chunked, cut at ``chunks`` (sizes)."""
    out, at = b"", 0
    for size in [*chunks, len(body)]:
        part = body[at : at + size]
        if part:
            out += f"{len(part):x}\r\n".encode() + part + b"\r\n"
        at += len(part)
    return out + b"0\r\n\r\n"


@given(
    body=st.binary(max_size=300),
    chunked=st.booleans(),
    chunks=st.lists(st.integers(1, 50), max_size=8),
    cut=st.integers(0, 10_000),
    tail=st.binary(max_size=20),
)
def test_a_request_is_read_whole_or_not_at_all(
    body: bytes, chunked: bool, chunks: list[int], cut: int, tail: bytes
) -> None:
    head = b"POST /sms/2/text/advanced?x=1 HTTP/1.1\r\nHost: api.infobip.com\r\nX-A: 1\r\n"
    if chunked:
        raw = head + b"Transfer-Encoding: chunked\r\n\r\n" + framed(body, chunks)
    else:
        raw = head + f"Content-Length: {len(body)}\r\n\r\n".encode() + body
    cut = cut % len(raw)
    assert split_request(raw[:cut]) is None  # incomplete: nothing yet
    found = split_request(raw + tail)  # complete, with the start of the next request behind it
    assert found is not None
    request, used = found
    assert used == len(raw)
    assert (request.method, request.target, request.body) == ("POST", "/sms/2/text/advanced?x=1", body)
    assert ("Content-Length", str(len(body))) in request.headers or not chunked
    assert ("X-A", "1") in request.headers


@given(
    path=st.lists(
        st.one_of(
            # raw bytes of a request line: printable ASCII (clients escape others, the server refuses them)
            st.binary(min_size=1, max_size=3).filter(
                lambda b: all(32 < c < 127 for c in b) and not set(b) & set(b"?#")
            ),
            st.integers(0, 255).map(lambda n: f"%{n:02X}".encode()),
        ),
        max_size=12,
    ),
    query=st.text("ab=&%2F", max_size=8),
)
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_the_path_and_query_are_what_the_server_gives_the_app(
    echo_server: BackgroundServer, path: list[bytes], query: str
) -> None:
    """Percent-escapes and raw bytes alike: the in-process environ is the server's, for the same bytes."""
    from mock_infobip.inprocess.wire import Request, environ

    raw = b"/" + b"".join(path)
    target = raw.decode("latin-1") + (f"?{query}" if query else "")
    env = environ(Request("GET", target, [], b""), "https", "api.infobip.com", 443)
    with socket.create_connection(("127.0.0.1", echo_server.port), timeout=10) as sock:
        sock.sendall(
            b"GET " + target.encode("latin-1") + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
        )
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    served = json.loads(answer.partition(b"\r\n\r\n")[2])
    assert [env["PATH_INFO"], env["QUERY_STRING"]] == served

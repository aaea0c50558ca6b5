"""The loop's plain reading of a request (``mock_infobip.serving.plainhttp``) gives what waitress's parser
gives, or leaves the request to it; an answer's head and body leave in one write, the bytes
waitress writes in two."""

from __future__ import annotations

import socket
from io import BytesIO
from types import SimpleNamespace
from typing import Any

import requests
from hypothesis import given, settings
from hypothesis import strategies as st
from waitress.adjustments import Adjustments
from waitress.parser import HTTPRequestParser
from waitress.task import WSGITask

from mock_infobip.serving.lanes import FaultTask
from mock_infobip.serving.plainhttp import read_plain
from mock_infobip.testing import Server

ADJ = Adjustments(ident="mock-infobip", max_request_body_size=4096, max_request_header_size=400)
FIELDS = (
    "command",
    "version",
    "request_uri",
    "path",
    "query",
    "fragment",
    "proxy_scheme",
    "proxy_netloc",
    "url_scheme",
    "headers",
    "expect_continue",
    "connection_close",
    "content_length",
    "chunked",
    "completed",
    "headers_finished",
    "empty",
    "error",
)

# each part of a request: what a plain request may have (or what the reader must refuse while it
# looks plain: an Expect), then what it may not
METHODS = (["GET", "POST", "DELETE", "PATCH", "PUT"], ["get", "M-SEARCH", "", "GET\t", "P0ST"])
TARGETS = (
    [
        "/saas/amplitude/1/lists",
        "/saas/amplitude/1/lists/7/add",
        "/sms/1/reports?limit=5&bulkId=b%201",
        "/sms/1/reports?a=1?b=2",
        "/a:b;c=d@e/",
        "/",
        "/?",
        "/x?%zz",
    ],
    [
        "/a%20b",
        "/a%2fb",
        "//double",
        "/a#fragment",
        "/q?x#f",
        "http://host/x",
        "*",
        "/\u00e9",
        "/a?\u00e9",
        "/a b",
    ],
)
VERSIONS = (["HTTP/1.1"], ["HTTP/1.0", "HTTP/2.0", "", "http/1.1", "HTTP/1.1 "])
NAMES = (
    ["Host", "Content-Type", "Authorization", "Connection", "Accept", "X-Request-Id", "user-agent", "Expect"],
    ["X-Under_Score", "Transfer-Encoding", "Bad Name", "", "X-\u00e9", " Host", "Host "],
)
VALUES = (
    [
        "api.infobip.com",
        "application/json",
        "App key",
        "keep-alive",
        "close",
        "Close",
        "",
        " padded\t",
        "a  b",
        "*/*",
        "chunked",
        "100-continue",
    ],
    ["a\tb", "\x7f", "caf\u00e9", "x" * 500, "a\rb", "identity"],
)
LENGTHS = (["exact", "none"], ["short", "long", "+3", " 3", "03", "9999", "twice"])
FLAWS = ["method", "target", "version", "name", "value", "duplicate", "length", "lead", "extra", "omit"]


@st.composite
def raw_requests(draw: st.DrawFn) -> bytes:
    """A plain request with none, one or two flaws (a part from the second list of its kind)."""
    flaws = draw(st.lists(st.sampled_from(FLAWS), max_size=2))

    def part(kind: str, choices: tuple[list[str], list[str]]) -> str:
        return draw(st.sampled_from(choices[1] if kind in flaws else choices[0]))

    method, target, version = part("method", METHODS), part("target", TARGETS), part("version", VERSIONS)
    first = " ".join(p for p in (method, target, version) if p or "omit" not in flaws)
    body = draw(st.binary(max_size=20))
    headers = [(part("", NAMES), part("", VALUES)) for _ in range(draw(st.integers(0, 3)))]
    if "name" in flaws or "value" in flaws:
        headers.append((part("name", NAMES), part("value", VALUES)))
    if "duplicate" in flaws and headers:
        headers.append(headers[0])
    length = part("length", LENGTHS)
    declared = {"exact": len(body), "short": max(len(body) - 1, 0), "long": len(body) + 1}.get(length)
    if declared is not None:
        headers.append(("Content-Length", str(declared)))
    elif length == "twice":
        headers += [("Content-Length", str(len(body)))] * 2
    elif length != "none":
        headers.append(("Content-Length", length.replace("3", str(len(body)))))
    else:
        body = b""
    headers = draw(st.permutations(headers))
    lead = "\r\n" if "lead" in flaws else ""
    head = lead + first + "".join(f"\r\n{name}:{value}" for name, value in headers) + "\r\n\r\n"
    extra = b"GET / HTTP/1.1\r\n\r\n" if "extra" in flaws else b""
    return head.encode("utf-8") + body + extra


def waitress_reads(raw: bytes) -> tuple[HTTPRequestParser, int]:
    """The request waitress's channel reads first from ``raw`` (its ``received`` loop), and the
    bytes that took."""
    parser = HTTPRequestParser(ADJ)
    consumed = 0
    while not parser.completed and consumed < len(raw):
        consumed += parser.received(raw[consumed:])
    return parser, consumed


def environ_of(request: HTTPRequestParser) -> dict[str, Any]:
    server = SimpleNamespace(effective_port=8080, server_name="localhost", adj=ADJ)
    channel = SimpleNamespace(addr=("127.0.0.1", 5555), server=server, check_client_disconnected=None)
    environ: dict[str, Any] = WSGITask(channel, request).get_environment()
    environ["wsgi.input"] = environ["wsgi.input"].read()
    return environ


@settings(max_examples=1500, deadline=None)
@given(raw_requests())
def test_a_plain_request_is_read_as_waitress_reads_it_and_anything_else_is_left_to_it(raw: bytes) -> None:
    plain = read_plain(raw, ADJ)
    if plain is None:
        return  # waitress's parser reads it, as it always did
    theirs, consumed = waitress_reads(raw)
    assert consumed == len(raw)  # one request, whole, nothing after it
    assert theirs.error is None and theirs.completed
    assert {field: getattr(plain, field) for field in FIELDS} == {
        field: getattr(theirs, field) for field in FIELDS
    }
    assert environ_of(plain) == environ_of(theirs)


def test_what_the_fakes_clients_send_is_read_plain() -> None:
    """The hot paths take the plain reading (wrk's, requests', httpx's, urllib's requests)."""
    body = b'{"name":"abc"}'
    for head in (
        "POST /saas/amplitude/1/lists HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nContent-Type: application/json\r\n"
        "Authorization: App bench\r\nContent-Length: 14",
        "POST /saas/amplitude/1/lists HTTP/1.1\r\nHost: localhost\r\nUser-Agent: python-requests/2.32\r\n"
        "Accept-Encoding: gzip, deflate\r\nAccept: */*\r\nConnection: keep-alive\r\n"
        "Authorization: App k\r\nContent-Length: 14\r\nContent-Type: application/json",
        "POST /saas/amplitude/1/lists HTTP/1.1\r\nHost: localhost\r\nAccept: */*\r\n"
        "Accept-Encoding: gzip, deflate\r\nConnection: keep-alive\r\nUser-Agent: python-httpx/0.28\r\n"
        "Authorization: App k\r\nContent-Length: 14\r\nContent-Type: application/json",
    ):
        plain = read_plain(head.encode() + b"\r\n\r\n" + body, ADJ)
        assert plain is not None and plain.get_body_stream().read() == body
    pull = read_plain(b"GET /sms/1/reports?limit=5 HTTP/1.1\r\nHost: h\r\nAuthorization: App k\r\n\r\n", ADJ)
    assert pull is not None and (pull.path, pull.query, pull.content_length) == (
        "/sms/1/reports",
        "limit=5",
        0,
    )


class Recorder:
    """A channel that keeps what a task writes."""

    def __init__(self) -> None:
        self.writes: list[bytes] = []
        self.server = SimpleNamespace(adj=ADJ)

    def write_soon(self, data: bytes) -> int:
        self.writes.append(bytes(data))
        return len(data)


def _run(task_class: type, status: str, headers: list[tuple[str, str]], chunks: list[bytes], method: str):
    channel = Recorder()
    request = HTTPRequestParser(ADJ)
    request.received(f"{method} / HTTP/1.1\r\nHost: h\r\n\r\n".encode())
    task = task_class(channel, request)
    task.start_time = 1_800_000_000
    task.complete = True
    task.status = status
    task.response_headers = list(headers)
    for key, value in headers:
        if key.lower() == "content-length":
            task.content_length = int(value)
    for chunk in chunks:
        task.write(chunk)
    task.finish()
    return channel.writes, task.close_on_finish


@settings(max_examples=300, deadline=None)
@given(
    status=st.sampled_from(["200 OK", "201 CREATED", "204 NO CONTENT", "304 NOT MODIFIED", "429 TOO MANY"]),
    body=st.binary(max_size=30),
    declared=st.sampled_from(["exact", "shorter", "longer", "none"]),
    split=st.booleans(),
    method=st.sampled_from(["GET", "POST", "HEAD"]),
)
def test_an_answer_leaves_in_one_write_with_the_bytes_waitress_writes(
    status: str, body: bytes, declared: str, split: bool, method: str
) -> None:
    headers = [("Content-Type", "application/json"), ("Retry-After", "2")]
    length = {"exact": len(body), "shorter": len(body) // 2, "longer": len(body) + 3}.get(declared)
    if length is not None:
        headers.append(("Content-Length", str(length)))
    chunks = [body[:3], body[3:]] if split else [body]
    ours, ours_close = _run(FaultTask, status, headers, chunks, method)
    theirs, theirs_close = _run(WSGITask, status, headers, chunks, method)
    assert b"".join(ours) == b"".join(theirs)
    assert ours_close == theirs_close
    if theirs[1:] and declared == "exact" and not split and status.startswith(("200", "201", "429")):
        assert len(ours) == 1  # head and body in one write where waitress made two


def test_a_server_answers_plain_pipelined_and_split_requests_alike() -> None:
    """Over a socket: a plain request, two requests in one packet and one request in two packets
    are each answered once, in order (the last two read by waitress's parser)."""
    server = Server(rate_limit_create=0)
    with server as infobip:
        host, port = infobip.base_url.removeprefix("http://").split(":")
        key = infobip.headers["Authorization"]

        def create(name: str) -> bytes:
            body = f'{{"name":"{name}"}}'.encode()
            return (
                f"POST /saas/amplitude/1/lists HTTP/1.1\r\nHost: {host}\r\nAuthorization: {key}\r\n"
                f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
            ).encode() + body

        with socket.create_connection((host, int(port)), timeout=10) as sock:
            reader = sock.makefile("rb")

            def answer() -> tuple[int, bytes]:
                status = int(reader.readline().split()[1])
                length = 0
                while (line := reader.readline()) != b"\r\n":
                    name, _, value = line.decode().partition(":")
                    if name.lower() == "content-length":
                        length = int(value)
                return status, reader.read(length)

            sock.sendall(create("one"))
            first = answer()
            sock.sendall(create("two") + create("three"))
            second, third = answer(), answer()
            whole = create("four")
            sock.sendall(whole[:20])
            sock.sendall(whole[20:])
            fourth = answer()
        ids = [first, second, third, fourth]
        assert [status for status, _ in ids] == [200] * 4
        assert len({body for _, body in ids}) == 4
        names = requests.get(infobip.base_url + "/__admin/lists", timeout=10).json()["lists"]
        assert sorted(entry["name"] for entry in names) == ["four", "one", "three", "two"]


def test_the_plain_body_stream_reads_like_waitresss() -> None:
    raw = b"POST /x HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello"
    plain = read_plain(raw, ADJ)
    assert plain is not None
    theirs, _ = waitress_reads(raw)
    for stream in (plain.get_body_stream(), theirs.get_body_stream()):
        assert stream.read(2) == b"he" and stream.read() == b"llo" and stream.read() == b""
    assert isinstance(plain.get_body_stream(), BytesIO)

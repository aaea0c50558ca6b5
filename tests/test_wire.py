"""The in-memory HTTP/1.1 of the in-process fake: a request split anywhere, in any framing, is read
as the same request, and nothing is read before it is complete."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from mock_infobip.inprocess.wire import split_request


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
            st.binary(min_size=1, max_size=3).filter(lambda b: not set(b) & set(b"?# \r\n")),
            st.integers(0, 255).map(lambda n: f"%{n:02X}".encode()),
        ),
        max_size=12,
    ),
    query=st.text("ab=&%2F", max_size=8),
)
def test_the_path_and_query_are_what_waitress_gives_the_app(path: list[bytes], query: str) -> None:
    """Percent-escapes and raw bytes alike: the in-process environ is the server's."""
    from waitress.parser import unquote_bytes_to_wsgi

    from mock_infobip.inprocess.wire import Request, environ

    raw = b"/" + b"".join(path)
    target = raw.decode("latin-1") + (f"?{query}" if query else "")
    env = environ(Request("GET", target, [], b""), "https", "api.infobip.com", 443)
    assert env["PATH_INFO"] == unquote_bytes_to_wsgi(raw)
    assert env["QUERY_STRING"] == query

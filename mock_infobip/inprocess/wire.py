"""HTTP/1.1 in memory: the bytes a client sends are parsed into a WSGI call of the fake, and the
fake's answer goes back as the bytes a server would send. Every client then parses a real HTTP
answer with its own parser, so a dropped connection, a truncated body or a slow answer raise that
client's own errors — the same ones it raises over a socket.

:class:`MemorySocket` is what ``http.client`` based clients (``requests``/urllib3,
``urllib.request``, the callback transport) get instead of a socket; the httpx and aiohttp adapters
feed the same bytes to their own stream objects.
"""

from __future__ import annotations

import io
import socket
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from mock_infobip.http.signals import CLIENT_GONE, LATENCY_DONE, NO_WAIT, PRESET_FAULT, Hold
from mock_infobip.http.wsgi import IN_PROCESS, build_environ, call_app
from mock_infobip.system import wall

WsgiApp = Callable[..., Iterable[bytes]]

NO_BODY_STATUSES = {204, 304}


@dataclass(frozen=True)
class Request:
    method: str
    target: str
    headers: list[tuple[str, str]]
    body: bytes


@dataclass(frozen=True)
class Wired:
    """The bytes a server would write for one request, and whether it closes the connection after."""

    data: bytes  # the bytes on the wire (empty: the connection was dropped)
    close: bool  # the server closes the connection after them


def split_request(buffer: bytes) -> tuple[Request, int] | None:
    """The first complete request in ``buffer`` and the bytes it took, or None while incomplete."""
    end = buffer.find(b"\r\n\r\n")
    if end < 0:
        return None
    lines = buffer[:end].decode("latin-1").split("\r\n")
    method, target = [*lines[0].split(" ", 2), "", ""][:2]
    headers = []
    length, coding = "0", ""
    for line in lines[1:]:
        if line:
            name, _, value = line.partition(":")
            name, value = name.strip(), value.strip()
            headers.append((name, value))
            lowered = name.lower()
            if lowered == "content-length":
                length = value
            elif lowered == "transfer-encoding":
                coding = value
    start = end + 4
    if "chunked" in coding.lower():
        decoded = _dechunk(buffer, start)
        if decoded is None:
            return None
        body, consumed = decoded
        headers = [(k, v) for k, v in headers if k.lower() != "transfer-encoding"]
        headers.append(("Content-Length", str(len(body))))
        return Request(method, target, headers, body), consumed
    size = int(length or 0)
    if len(buffer) < start + size:
        return None
    return Request(method, target, headers, buffer[start : start + size]), start + size


def _dechunk(buffer: bytes, at: int) -> tuple[bytes, int] | None:
    parts: list[bytes] = []
    while True:
        line_end = buffer.find(b"\r\n", at)
        if line_end < 0:
            return None
        size = int(buffer[at:line_end].split(b";")[0] or b"0", 16)
        at = line_end + 2
        if size == 0:
            trailer_end = buffer.find(b"\r\n", at)
            return (b"".join(parts), trailer_end + 2) if trailer_end >= 0 else None
        if len(buffer) < at + size + 2:
            return None
        parts.append(buffer[at : at + size])
        at += size + 2


def environ(request: Request, scheme: str, host: str, port: int) -> dict[str, Any]:
    """The WSGI environ a server on ``scheme://host:port`` would build for ``request``."""
    env = build_environ(
        request.method, request.target, request.headers, request.body, scheme=scheme, host=host, port=port
    )
    env[IN_PROCESS] = True
    return env


def respond(
    app: WsgiApp, request: Request, scheme: str, host: str, port: int, extra: Mapping[str, Any] | None = None
) -> Wired:
    """Call ``app`` as a server would and give back the bytes it would send (``extra``: added to
    the environ)."""
    env = environ(request, scheme, host, port)
    if extra:
        env.update(extra)
    outcome = call_app(app, env)
    if outcome.hold is not None:
        raise outcome.hold  # waited out by the caller (respond_within, respond_unless_gone)
    if outcome.drop or outcome.headers is None:
        return Wired(b"", close=True)
    status, headers, content = outcome.status, outcome.headers, outcome.body
    code = int(status.split(" ", 1)[0])
    if request.method == "HEAD" or code in NO_BODY_STATUSES:
        content = b""
    declared = next((v for k, v in headers if k.lower() == "content-length"), None)
    if declared is None and request.method != "HEAD" and code not in NO_BODY_STATUSES:
        headers = [*headers, ("Content-Length", str(len(content)))]
    truncated = declared is not None and request.method != "HEAD" and int(declared) > len(content)
    wanted_close = any(k.lower() == "connection" and v.lower() == "close" for k, v in request.headers)
    head = f"HTTP/1.1 {status}\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers) + "\r\n"
    return Wired(head.encode("latin-1") + content, close=truncated or wanted_close)


def respond_within(
    app: WsgiApp, request: Request, scheme: str, host: str, port: int, timeout: float | None
) -> Wired:
    """:func:`respond`, but a client that stops waiting after ``timeout`` seconds gets
    ``socket.timeout``, as over a socket.

    The request is served in the caller's thread, where it may not wait (``NO_WAIT``): a fault's
    latency comes back as ``Hold`` (before anything is answered or changed) and is waited out
    here for at most what is left of ``timeout``; a client that stopped waiting first is gone, and
    its request is dropped (journaled with status 0), as the server drops a held request whose
    client hung up. An answer that came later than ``timeout`` all the same is lost, as the client
    would have stopped reading."""
    if timeout is None:
        return respond(app, request, scheme, host, port)
    started = wall.elapsed()
    try:
        reply = respond(app, request, scheme, host, port, {NO_WAIT: True})
    except Hold as held:
        if not held.wait_out(max(0.0, timeout - (wall.elapsed() - started))):
            respond(app, request, scheme, host, port, {PRESET_FAULT: held.fault, CLIENT_GONE: True})
            raise TimeoutError("timed out") from None
        reply = respond(app, request, scheme, host, port, {PRESET_FAULT: held.fault, LATENCY_DONE: True})
    if wall.elapsed() - started > timeout:
        raise TimeoutError("timed out")
    return reply


GONE_POLL = 0.05  # seconds between looks at whether a held request's client is gone


def respond_unless_gone(
    app: WsgiApp, request: Request, scheme: str, host: str, port: int, gone: threading.Event
) -> Wired:
    """:func:`respond` on a thread whose client may stop waiting (sets ``gone``): a fault's
    latency is waited out here, and a request whose client is gone first is dropped (journaled with
    status 0), as the server drops a held request whose client hung up."""
    try:
        return respond(app, request, scheme, host, port, {NO_WAIT: True})
    except Hold as held:
        while not held.wait_out(GONE_POLL):
            if gone.is_set():
                respond(app, request, scheme, host, port, {PRESET_FAULT: held.fault, CLIENT_GONE: True})
                return Wired(b"", close=True)
        return respond(app, request, scheme, host, port, {PRESET_FAULT: held.fault, LATENCY_DONE: True})


class MemorySocket:
    """Enough of a socket for ``http.client``: what is sent is a request for the fake; ``makefile``
    hands back the fake's answer. Keep-alive works; after a dropped or truncated answer the socket
    is closed, as the server's would be."""

    def __init__(self, app: WsgiApp, scheme: str, host: str, port: int) -> None:
        self._app, self._origin = app, (scheme, host, port)
        self._sent = b""
        self._timeout: float | None = None
        self.closed = False

    def settimeout(self, timeout: float | None) -> None:
        self._timeout = timeout

    def gettimeout(self) -> float | None:
        return self._timeout

    def setsockopt(self, *args: Any) -> None:
        return None

    def sendall(self, data: bytes | bytearray | memoryview) -> None:
        if self.closed:
            raise BrokenPipeError(32, "Broken pipe")
        self._sent += bytes(data)

    def send(self, data: bytes | bytearray | memoryview) -> int:
        self.sendall(data)
        return len(data)

    def makefile(self, mode: str = "rb", *args: Any, **kwargs: Any) -> io.BytesIO:
        if self.closed:
            return io.BytesIO(b"")
        found = split_request(self._sent)
        if found is None:
            return io.BytesIO(b"")
        request, used = found
        self._sent = self._sent[used:]
        reply = respond_within(self._app, request, *self._origin, self._timeout)
        self.closed = reply.close
        return io.BytesIO(reply.data)

    def shutdown(self, how: int = socket.SHUT_RDWR) -> None:
        self.closed = True

    def close(self) -> None:
        self.closed = True

    def fileno(self) -> int:
        return -1

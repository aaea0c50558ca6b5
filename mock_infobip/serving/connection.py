"""One HTTP/1.1 connection of the server: an asyncio protocol whose requests httptools parses.

A request is read whole (its head within ``header_timeout`` of its first byte, its body within
``body_timeout`` of its head: total deadlines, not idle ones, so a client that trickles bytes is
cut), then served by the app on a lane the server chooses (:meth:`Server.lane`): on the event
loop itself, or on a thread. Requests pipelined behind it wait their turn; answers leave in order.
What the app raises instead of answering is carried out here:

- ``Hold``: the fault's latency is waited out on the loop, holding no thread; a client that hangs
  up meanwhile is dropped at once (the app journals it, ``CLIENT_GONE``); deleting faults ends the
  wait (:class:`mock_infobip.serving.server.Holds`);
- ``DropConnection``: the connection is closed without a byte;
- an answer shorter than its Content-Length (the ``truncate`` fault): written, then closed;
- ``Again``: the request is served again later, waiting on the loop meanwhile;
- ``Stream``: an answer that goes on (the dashboard's events), its head and first chunk written at
  once, then what the app gives every few seconds, waiting on the loop between two; it ends (and
  the connection closes) when the app says so, the client hangs up or the server stops.

A body declared larger than the app takes is not read: the app answers (413) from the declared
length, and the connection is closed after the answer. ``Expect: 100-continue`` is answered with
``100 Continue`` when the body is awaited, not when the answer needs none of it.
"""

from __future__ import annotations

import asyncio
from collections import deque
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import httptools

from mock_infobip.http.signals import (
    AGAIN,
    CLIENT_GONE,
    JOURNAL_LATER,
    LATENCY_DONE,
    NO_WAIT,
    PRESET_FAULT,
    STREAM,
    Hold,
    Stream,
)
from mock_infobip.http.wsgi import Outcome, build_environ, call_app
from mock_infobip.serving.streaming import StreamedAnswer

if TYPE_CHECKING:
    from mock_infobip.serving.server import Server

MAX_HEAD = 64 * 1024  # bytes of a request's line and headers
MAX_QUEUED = 16  # whole requests pipelined behind the one served, before reading pauses
NO_BODY = frozenset({204, 304})
CONTINUE = b"HTTP/1.1 100 Continue\r\n\r\n"
REFUSALS = {400: "Bad Request", 413: "Payload Too Large", 431: "Request Header Fields Too Large"}


@dataclass
class Arriving:
    """A request as it is read."""

    began: float
    target: bytes = b""
    headers: list[tuple[str, str]] = field(default_factory=list)
    head_size: int = 0
    head_done: float | None = None  # when its head was whole
    method: str = ""
    keep_alive: bool = True
    declared: int | None = None  # its Content-Length
    body: list[bytes] = field(default_factory=list)
    size: int = 0
    unread: bool = False  # its body is too large: left unread, the connection closes after it
    expects_continue: bool = False


class Connection(asyncio.Protocol):
    def __init__(self, server: Server) -> None:
        self.server = server
        self.loop = server.loop
        self.limits = server.limits
        self.transport: asyncio.Transport | None = None
        self.parser = httptools.HttpRequestParser(self)
        self.remote: tuple[str, int] = ("", 0)
        self.closed = False
        self.reading: Arriving | None = None  # the request being read
        self.queue: deque[Arriving] = deque()  # whole requests waiting their turn
        self.serving: Arriving | None = None  # the request being served (app, hold or answer)
        self.holding: asyncio.Future[None] | None = None
        self.streaming: StreamedAnswer | None = None  # an answer that goes on (signals.Stream)
        self.idle_since = server.loop.time()
        self.timer: asyncio.TimerHandle | None = None
        self.paused = False
        self.refused: int | None = None  # bytes that are no request came behind whole requests

    # --- asyncio's callbacks ---------------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        peer = transport.get_extra_info("peername")
        if isinstance(peer, tuple) and len(peer) >= 2:
            self.remote = (str(peer[0]), int(peer[1]))
        self.server.opened(self)
        self._arm()

    def data_received(self, data: bytes) -> None:
        if self.closed or self.refused is not None:
            return
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserUpgrade:
            pass  # an offer to upgrade (h2c, websocket) is declined: answered as HTTP/1.1
        except httptools.HttpParserError as exc:  # a callback's exception is its context
            refused = exc.__context__
            self._refuse(refused.status if isinstance(refused, _Refused) else 400)
            self._next()  # the whole requests read before it are answered first
            return
        if len(self.queue) >= MAX_QUEUED and self.transport is not None and not self.paused:
            self.transport.pause_reading()
            self.paused = True
        self._next()

    def eof_received(self) -> bool:
        if self.holding is not None or self.streaming is not None:  # the client hung up: dropped now
            self.close()
            return False
        if self.serving is not None or self.queue:
            self.reading = None  # answered, then closed
            return True
        self.close()
        return False

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self._cancel_timer()
        if self.holding is not None and not self.holding.done():
            self.holding.cancel()
        self.server.closed(self)

    # --- httptools's callbacks -------------------------------------------------------------------

    def on_message_begin(self) -> None:
        self.reading = Arriving(self.loop.time())
        self._arm()

    def on_url(self, url: bytes) -> None:
        reading = self._current()
        reading.target += url
        self._grow(reading, len(url))

    def on_header(self, name: bytes, value: bytes) -> None:
        reading = self._current()
        reading.headers.append((name.decode("latin-1"), value.decode("latin-1")))
        self._grow(reading, len(name) + len(value) + 4)

    def on_headers_complete(self) -> None:
        reading = self._current()
        reading.head_done = self.loop.time()
        reading.method = self.parser.get_method().decode("latin-1")
        reading.keep_alive = self.parser.should_keep_alive()
        for name, value in reading.headers:
            lowered = name.lower()
            if lowered == "content-length" and value.isdigit():
                reading.declared = int(value)
            elif lowered == "expect" and value.lower() == "100-continue":
                reading.expects_continue = True
        if reading.declared is not None and reading.declared > self.limits.max_body:
            reading.unread = True  # the app refuses it from its declared length
            self.queue.append(reading)
        elif reading.expects_continue and self._body_awaited(reading):
            self._continue(reading)
        self._arm()

    def on_body(self, body: bytes) -> None:
        reading = self._current()
        if reading.unread:
            return
        reading.body.append(body)
        reading.size += len(body)
        if reading.size > self.limits.max_body:  # chunked, beyond what the app takes
            reading.unread = True
            reading.declared = reading.size
            reading.body = []
            self.queue.append(reading)

    def on_message_complete(self) -> None:
        reading = self._current()
        self.reading = None
        if not reading.unread:
            self.queue.append(reading)
        self._arm()

    def _current(self) -> Arriving:
        if self.reading is None:  # bytes after a request whose body was left unread
            self.reading = Arriving(self.loop.time(), unread=True)
        return self.reading

    def _grow(self, reading: Arriving, size: int) -> None:
        reading.head_size += size
        if reading.head_size > MAX_HEAD:
            raise _Refused(431)

    @staticmethod
    def _body_awaited(reading: Arriving) -> bool:
        chunked = any(
            name.lower() == "transfer-encoding" and "chunked" in value.lower()
            for name, value in reading.headers
        )
        return chunked or bool(reading.declared)

    def _continue(self, reading: Arriving) -> None:
        """``100 Continue``, once the answers before this request have left."""
        if self.serving is None and not self.queue and self.transport is not None:
            reading.expects_continue = False
            self.transport.write(CONTINUE)

    def _refuse(self, status: int) -> None:
        """A request that is not HTTP/1.1 (or too large a head): answered by the server, then
        closed. Behind whole requests read before it (in the same packet), it is answered after
        theirs, in order, as any HTTP/1.1 server does; nothing after it is read."""
        if self.transport is None:
            return
        self.reading = None
        if self.serving is not None or self.queue:
            self.refused = status
            self.transport.pause_reading()
            self.paused = True
            return
        self._write_refusal(status)

    def _write_refusal(self, status: int) -> None:
        if self.transport is None or self.closed:
            return
        headers, body = self.server.refusal(status)
        head = [
            f"HTTP/1.1 {status} {REFUSALS.get(status, 'Bad Request')}",
            *(f"{k}: {v}" for k, v in headers),
        ]
        head += [f"Content-Length: {len(body)}", "Connection: close", "", ""]
        self.transport.write("\r\n".join(head).encode("latin-1") + body)
        self.close()

    # --- serving ---------------------------------------------------------------------------------

    def _next(self) -> None:
        """Serve the next whole request, if none is being served (or answer the refusal behind them)."""
        if self.serving is not None or self.closed:
            return
        if not self.queue:
            if self.refused is not None:
                self._write_refusal(self.refused)
            return
        request = self.serving = self.queue.popleft()
        resume = self.refused is None and len(self.queue) < MAX_QUEUED
        if self.paused and resume and self.transport is not None:
            self.paused = False
            self.transport.resume_reading()
        server = self.server
        environ = build_environ(
            request.method,
            request.target.decode("latin-1"),
            request.headers,
            b"".join(request.body),
            scheme="http",
            host=server.host,
            port=server.port,
            remote=self.remote,
            content_length=request.declared if request.unread else None,
            multiprocess=server.shared,
        )
        request.body = []
        self._arm()
        self._run(environ)

    def _run(self, environ: dict[str, Any]) -> None:
        environ[AGAIN] = True  # a request that waits is served again later, holding no thread
        environ[STREAM] = True  # and an answer that goes on is sent as it comes
        lane = self.server.lane(environ)
        if lane is None:  # on the loop: the app never waits there (NO_WAIT)
            environ[NO_WAIT] = True
            environ[JOURNAL_LATER] = later = self.server.journal_flush is not None
            outcome = call_app(self.server.app, environ)
            if later:  # its entry is written before any answer of this turn of the loop leaves
                self.server.schedule_journal()
            self._answer(environ, outcome)
            return
        # a fault's latency is waited out on the loop there too: a held request holds no thread
        environ[NO_WAIT] = True
        future = self.loop.run_in_executor(lane, self._call_on_thread, environ)
        future.add_done_callback(lambda done: self._answered_on_thread(environ, done))

    def _call_on_thread(self, environ: dict[str, Any]) -> Outcome | None:
        if self.closed:  # the client hung up while the request waited for a thread
            return None
        return call_app(self.server.app, environ)

    def _answered_on_thread(self, environ: dict[str, Any], done: asyncio.Future[Outcome | None]) -> None:
        if done.cancelled():
            self.close()
            return
        error = done.exception()
        if error is not None:  # the app's own errors are answered by the app; this is the server's
            self.server.log_error(error)
            self.close()
            return
        outcome = done.result()
        if outcome is not None:
            self._answer(environ, outcome)

    def _answer(self, environ: dict[str, Any], outcome: Outcome) -> None:
        request = self.serving
        if self.closed or self.transport is None or request is None:
            return
        if outcome.hold is not None:
            self._hold(environ, outcome.hold)
            return
        if outcome.again is not None:
            self._again(environ, outcome.again)
            return
        if outcome.stream is not None:
            self._stream(environ, outcome.stream)
            return
        if outcome.drop or outcome.headers is None:
            self.close()
            return
        headers = outcome.headers
        body = outcome.body
        declared: int | None = None
        for name, value in headers:
            if name.lower() == "content-length":
                declared = int(value)
        lines = [f"HTTP/1.1 {outcome.status}"]
        lines += [f"{name}: {value}" for name, value in headers]
        lines += [f"{name}: {value}" for name, value in self.server.extra_headers(headers)]
        if request.method == "HEAD" or outcome.status[:3] in ("204", "304"):
            body = b""
            declared = None
        elif declared is None:
            lines.append(f"Content-Length: {len(body)}")
        close = not request.keep_alive or request.unread or self.server.stopping
        if close:
            lines.append("Connection: close")
        lines += ["", ""]
        data = "\r\n".join(lines).encode("latin-1") + body
        close = close or (declared is not None and declared > len(body))  # truncated: closed after
        if environ.get(JOURNAL_LATER):  # after the journal's entries of this turn are written
            self.server.send_after_journal(self, data, close)
        else:
            self.send(data, close)
        if request.method not in ("GET", "HEAD"):  # it may have sent or received a message
            self.server.wake()

    def send(self, data: bytes, close: bool) -> None:
        """Write an answer; then close, or go on to the next request."""
        if self.closed or self.transport is None:
            return
        self.transport.write(data)
        if close:
            self.close()
            return
        self.serving = None
        self.idle_since = self.loop.time()
        self._arm()
        reading = self.reading
        if reading is not None and reading.expects_continue and reading.head_done is not None:
            self._continue(reading)
        self._next()

    def _hold(self, environ: dict[str, Any], hold: Hold) -> None:
        waiting = self.holding = self.server.holds.wait(hold.fault.latency_ms / 1000)
        environ[PRESET_FAULT] = hold.fault
        environ["wsgi.input"].seek(0)

        def resume(done: asyncio.Future[None]) -> None:
            self.holding = None
            if done.cancelled() or self.closed:  # the client hung up: journaled, not served
                environ[CLIENT_GONE] = True
                call_app(self.server.app, environ)
                if environ.get(JOURNAL_LATER):
                    self.server.schedule_journal()
                return
            environ[LATENCY_DONE] = True
            environ.pop(NO_WAIT, None)
            self._run(environ)

        waiting.add_done_callback(resume)

    def _again(self, environ: dict[str, Any], seconds: float) -> None:
        """Serve the request again in ``seconds``, waiting on the loop (a client that hangs up
        meanwhile ends it: nothing was changed)."""
        waiting: asyncio.Future[None] = self.loop.create_future()
        self.holding = waiting
        timer = self.loop.call_later(seconds, _settle, waiting)
        self.server.served_again_later(waiting)  # or sooner: Server.wake
        environ["wsgi.input"].seek(0)

        def resume(done: asyncio.Future[None]) -> None:
            self.holding = None
            timer.cancel()
            if done.cancelled() or self.closed:
                return
            self._run(environ)

        waiting.add_done_callback(resume)

    def _stream(self, environ: dict[str, Any], stream: Stream) -> None:
        assert self.transport is not None
        self.streaming = StreamedAnswer(self, self.transport, environ, stream)
        self.streaming.begin()

    def end_stream(self) -> None:
        """The stream's last chunk, then the connection closed (its browser comes back later)."""
        if self.streaming is not None:
            self.streaming.end()

    # --- deadlines and closing -------------------------------------------------------------------

    def _deadline(self) -> float | None:
        """When this connection is cut unless it moves on: a request being read must be whole in
        time; an idle one is closed; one being served has no deadline."""
        reading, limits = self.reading, self.limits
        if reading is not None and not reading.unread:
            if reading.head_done is None:
                return reading.began + limits.header_timeout
            return reading.head_done + limits.body_timeout
        if self.serving is None and not self.queue:
            return self.idle_since + limits.idle_timeout
        return None

    def _arm(self) -> None:
        deadline = self._deadline()
        if self.timer is not None:
            if deadline is not None and self.timer.when() == deadline:
                return
            self.timer.cancel()
            self.timer = None
        if deadline is not None and not self.closed:
            self.timer = self.loop.call_at(deadline, self._expired)

    def _cancel_timer(self) -> None:
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None

    def _expired(self) -> None:
        self.timer = None
        deadline = self._deadline()
        if deadline is not None and deadline <= self.loop.time():
            self.close()  # idle too long, or a request not read whole in time
        else:
            self._arm()

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        self._cancel_timer()
        if self.transport is not None:
            self.transport.close()

    def idle(self) -> bool:
        """Serving nothing (waiting for a request, or reading one): may be closed to make room."""
        return self.serving is None and not self.queue


def _settle(waiting: asyncio.Future[None]) -> None:
    if not waiting.done():
        waiting.set_result(None)


class _Refused(Exception):
    """Raised from a parser callback: the request is refused with ``status``."""

    def __init__(self, status: int) -> None:
        super().__init__(status)
        self.status = status

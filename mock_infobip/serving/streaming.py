"""An answer that goes on (``signals.Stream``: the dashboard's events) on one connection: its head
and first chunk written at once, then what the app gives every ``stream.every`` seconds, asked on
the request's lane (a thread, or the loop itself) and waited for on the loop between two, holding
no thread. It ends (with the last chunk, then the connection closed) when the app gives None, or
the server stops; a client that hangs up ends it at once (the connection's ``eof_received``)."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from mock_infobip.http.signals import Stream

if TYPE_CHECKING:
    from mock_infobip.serving.connection import Connection

LAST_CHUNK = b"0\r\n\r\n"


class StreamedAnswer:
    def __init__(
        self, connection: Connection, transport: asyncio.Transport, environ: dict[str, Any], stream: Stream
    ) -> None:
        self._connection = connection
        self._transport = transport
        self._environ = environ
        self._stream = stream
        self._server = connection.server
        self._loop = connection.loop

    def begin(self) -> None:
        stream = self._stream
        lines = ["HTTP/1.1 200 OK", *(f"{name}: {value}" for name, value in stream.headers)]
        lines += [f"{name}: {value}" for name, value in self._server.extra_headers(stream.headers)]
        lines += ["Transfer-Encoding: chunked", "", ""]
        self._transport.write("\r\n".join(lines).encode("latin-1") + _chunk(stream.first))
        self._later()

    def end(self) -> None:
        if not self._connection.closed:
            self._transport.write(LAST_CHUNK)
        self._connection.close()

    def _later(self) -> None:
        waiting: asyncio.Future[None] = self._loop.create_future()
        self._connection.holding = waiting  # a stop closes it at once, as a held request
        timer = self._loop.call_later(self._stream.every, _settle, waiting)
        waiting.add_done_callback(lambda done: self._look(done, timer))

    def _look(self, done: asyncio.Future[None], timer: asyncio.TimerHandle) -> None:
        self._connection.holding = None
        timer.cancel()
        if done.cancelled() or self._connection.closed:
            return
        if self._server.stopping:
            self.end()
            return
        lane = self._server.lane(self._environ)
        if lane is None:
            self._given(_more(self._stream))
            return
        future = self._loop.run_in_executor(lane, _more, self._stream)
        future.add_done_callback(lambda given: self._given(None if given.cancelled() else given.result()))

    def _given(self, given: bytes | BaseException | None) -> None:
        if self._connection.closed:
            return
        if isinstance(given, BaseException):  # the app failed: the stream ends, the error is logged
            self._server.log_error(given)
            given = None
        if given is None:
            self.end()
            return
        if given:
            self._transport.write(_chunk(given))
        self._later()


def _chunk(data: bytes) -> bytes:
    return b"%x\r\n%s\r\n" % (len(data), data) if data else b""


def _more(stream: Stream) -> bytes | BaseException | None:
    """What a stream gives next, or the exception it raised (logged on the loop)."""
    try:
        return stream.more()
    except Exception as exc:
        return exc


def _settle(waiting: asyncio.Future[None]) -> None:
    if not waiting.done():
        waiting.set_result(None)

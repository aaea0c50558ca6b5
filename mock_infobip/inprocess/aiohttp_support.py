"""aiohttp in process: a connector whose connections to the fake's origins are aiohttp's own
response protocol (``aiohttp.client_proto.ResponseHandler``) on a memory transport. aiohttp parses
the fake's bytes itself: a dropped answer is its ``ServerDisconnectedError``, a truncated one its
``ClientPayloadError``, a latency past ``sock_read``/``total`` its timeout errors.

It plugs in at ``BaseConnector.connect(req, traces, timeout)``, the documented coroutine that hands
a session its ``Connection``, and uses no private name of aiohttp. :func:`connector` is for
``aiohttp.ClientSession(connector=...)``; while a fake is active, every ``TCPConnector`` opens the
fake's origins this way (its ``connect`` is wrapped), so a session created anywhere in the code under
test is served. A memory connection serves one request and is not pooled (the protocol is marked
``force_close``), so a connection is never reused after its fake is gone.
"""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import aiohttp
from aiohttp.client_proto import ResponseHandler
from aiohttp.connector import Connection

from mock_infobip.inprocess.router import ROUTER, Route
from mock_infobip.inprocess.wire import Wired, respond_unless_gone, split_request


class MemoryTransport(asyncio.Transport):
    """What the protocol writes is a request for the fake; its answer is fed back to the protocol
    (the app runs in the loop's executor, so latency faults do not block the loop)."""

    def __init__(self, loop: asyncio.AbstractEventLoop, protocol: asyncio.Protocol, route: Route) -> None:
        super().__init__()
        self._loop, self._protocol, self._route = loop, protocol, route
        self._sent = b""
        self._busy = False
        self._closing = False
        self._gone = threading.Event()  # the client closed this connection

    def write(self, data: bytes | bytearray | memoryview) -> None:
        self._sent += bytes(data)
        self._dispatch()

    def writelines(self, list_of_data: Any) -> None:
        for data in list_of_data:
            self._sent += bytes(data)
        self._dispatch()

    def _dispatch(self) -> None:
        if self._busy or self._closing:
            return
        found = split_request(self._sent)
        if found is None:
            return
        request, used = found
        self._sent = self._sent[used:]
        self._busy = True
        route = self._route
        answer = self._loop.run_in_executor(
            None, respond_unless_gone, route.app, request, route.scheme, route.host, route.port, self._gone
        )
        answer.add_done_callback(self._answered)

    def _answered(self, answer: asyncio.Future[Wired]) -> None:
        self._busy = False
        if self._closing:
            return
        if answer.exception() is not None:
            self._lose(answer.exception())
            return
        reply = answer.result()
        if reply.data:
            self._protocol.data_received(reply.data)
        if reply.close:
            self._lose(None)
        else:
            self._dispatch()

    def _lose(self, exc: BaseException | None) -> None:
        if not self._closing:
            self._closing = True
            self._protocol.connection_lost(exc if isinstance(exc, Exception) else None)

    def is_closing(self) -> bool:
        return self._closing

    def close(self) -> None:
        self._gone.set()
        if not self._closing:
            self._closing = True
            self._loop.call_soon(self._protocol.connection_lost, None)

    def abort(self) -> None:
        self.close()

    def can_write_eof(self) -> bool:
        return False

    def get_write_buffer_size(self) -> int:
        return 0

    def set_write_buffer_limits(self, high: int | None = None, low: int | None = None) -> None:
        return None

    def is_reading(self) -> bool:
        return not self._closing

    def pause_reading(self) -> None:
        return None

    def resume_reading(self) -> None:
        return None

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return default


_ORIGINAL = aiohttp.TCPConnector.connect


async def _connect(self: aiohttp.BaseConnector, req: Any, traces: Any, timeout: Any) -> Connection:
    url = req.url
    route = ROUTER.serving(url.scheme, url.host or "", url.port)
    if route is None:
        return await _ORIGINAL(self, req, traces, timeout)
    loop = asyncio.get_running_loop()
    protocol = ResponseHandler(loop=loop)
    protocol.force_close()
    protocol.connection_made(MemoryTransport(loop, protocol, route))
    return Connection(self, req.connection_key, protocol, loop)


class InProcessConnector(aiohttp.TCPConnector):
    """``aiohttp.ClientSession(connector=InProcessConnector())``: the fake's origins in process."""

    async def connect(self, req: Any, traces: Any, timeout: Any) -> Connection:
        return await _connect(self, req, traces, timeout)


def connector(**kwargs: Any) -> aiohttp.TCPConnector:
    return InProcessConnector(**kwargs)


def install() -> None:
    aiohttp.TCPConnector.connect = _connect  # type: ignore[method-assign]


def uninstall() -> None:
    aiohttp.TCPConnector.connect = _ORIGINAL  # type: ignore[method-assign]

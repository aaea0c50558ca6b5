"""httpx in process: a transport (httpx's extension point) whose connections are httpcore HTTP/1.1
connections over a memory stream, so httpx parses the fake's bytes itself and raises its own
errors (``RemoteProtocolError`` for a dropped or truncated answer, ``ReadTimeout`` when a latency
outlasts the read timeout).

:func:`transport` / :func:`async_transport` are for ``httpx.Client(mounts={...})``; while a fake is
active, every ``httpx.HTTPTransport`` / ``AsyncHTTPTransport`` hands the fake's origins to them
(their ``handle_request`` is wrapped), so a client built anywhere in the code under test is served.
The connections are not httpcore's pools, which ``respx`` patches: respx and the fake coexist.
"""

from __future__ import annotations

import threading
from typing import Any

import anyio
import httpcore
import httpx

from mock_infobip.inprocess.router import ROUTER, Route
from mock_infobip.inprocess.wire import Reply, respond_unless_gone, respond_within, split_request


class _Exchange:
    """The memory stream's state, shared by the sync and async streams."""

    def __init__(self, route: Route) -> None:
        self.route = route
        self.sent = b""
        self.pending = b""
        self.closed = False

    def request(self) -> Any:
        found = split_request(self.sent)
        if found is None or self.closed:
            return None
        request, used = found
        self.sent = self.sent[used:]
        return request

    def answered(self, reply: Reply) -> None:
        self.pending += reply.data
        self.closed = reply.close

    def take(self, max_bytes: int) -> bytes:
        data, self.pending = self.pending[:max_bytes], self.pending[max_bytes:]
        return data


class MemoryStream(httpcore.NetworkStream):
    def __init__(self, route: Route) -> None:
        self._x = _Exchange(route)

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._x.sent += buffer

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        x = self._x
        if not x.pending:
            request = x.request()
            if request is not None:
                try:
                    x.answered(respond_within(x.route.app, request, *_origin(x.route), timeout))
                except TimeoutError as exc:
                    raise httpcore.ReadTimeout(str(exc)) from exc
        return x.take(max_bytes)

    def close(self) -> None:
        self._x.closed = True

    def start_tls(self, *args: Any, **kwargs: Any) -> httpcore.NetworkStream:
        return self

    def get_extra_info(self, info: str) -> Any:
        return None


class AsyncMemoryStream(httpcore.AsyncNetworkStream):
    def __init__(self, route: Route) -> None:
        self._x = _Exchange(route)

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._x.sent += buffer

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        x = self._x
        if not x.pending:
            request = x.request()
            if request is not None:
                gone = threading.Event()
                try:
                    with anyio.fail_after(timeout):
                        reply = await anyio.to_thread.run_sync(
                            respond_unless_gone,
                            x.route.app,
                            request,
                            *_origin(x.route),
                            gone,
                            abandon_on_cancel=True,
                        )
                except TimeoutError as exc:
                    gone.set()
                    raise httpcore.ReadTimeout("timed out") from exc
                except BaseException:  # cancelled: the client stopped waiting
                    gone.set()
                    raise
                x.answered(reply)
        return x.take(max_bytes)

    async def aclose(self) -> None:
        self._x.closed = True

    async def start_tls(self, *args: Any, **kwargs: Any) -> httpcore.AsyncNetworkStream:
        return self

    def get_extra_info(self, info: str) -> Any:
        return None


def _origin(route: Route) -> tuple[str, str, int]:
    return route.scheme, route.host, route.port


def _route(request: httpcore.Request) -> Route:
    url = request.url
    route = ROUTER.route(url.scheme.decode(), url.host.decode(), url.port)
    if route is None:
        raise httpcore.ConnectError(f"mock-infobip no longer serves {url.host.decode()}")
    return route


class _Connections:
    """Stands where httpx's transport keeps its pool: one HTTP/1.1 connection a request."""

    def handle_request(self, request: httpcore.Request) -> httpcore.Response:
        route = _route(request)
        return httpcore.HTTP11Connection(request.url.origin, MemoryStream(route)).handle_request(request)

    async def handle_async_request(self, request: httpcore.Request) -> httpcore.Response:
        route = _route(request)
        connection = httpcore.AsyncHTTP11Connection(request.url.origin, AsyncMemoryStream(route))
        return await connection.handle_async_request(request)

    def close(self) -> None:
        return None

    async def aclose(self) -> None:
        return None

    def __enter__(self) -> _Connections:  # a mounted transport enters and exits its pool
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    async def __aenter__(self) -> _Connections:
        return self

    async def __aexit__(self, *exc: object) -> None:
        return None


_ORIGINAL_SYNC = httpx.HTTPTransport.handle_request
_ORIGINAL_ASYNC = httpx.AsyncHTTPTransport.handle_async_request


class InProcessTransport(httpx.HTTPTransport):
    """An httpx transport serving the fake's origins (``httpx.Client(mounts={url: transport()})``)."""

    def __init__(self) -> None:
        super().__init__()
        self._pool = _Connections()  # type: ignore[assignment]

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        return _ORIGINAL_SYNC(self, request)


class AsyncInProcessTransport(httpx.AsyncHTTPTransport):
    def __init__(self) -> None:
        super().__init__()
        self._pool = _Connections()  # type: ignore[assignment]

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        return await _ORIGINAL_ASYNC(self, request)


def transport() -> httpx.HTTPTransport:
    return InProcessTransport()


def async_transport() -> httpx.AsyncHTTPTransport:
    return AsyncInProcessTransport()


_SYNC = InProcessTransport()
_ASYNC = AsyncInProcessTransport()


def _routed(request: httpx.Request) -> bool:
    url = request.url
    return ROUTER.serving(url.scheme, url.host, url.port) is not None


def _handle(self: httpx.HTTPTransport, request: httpx.Request) -> httpx.Response:
    return _SYNC.handle_request(request) if _routed(request) else _ORIGINAL_SYNC(self, request)


async def _handle_async(self: httpx.AsyncHTTPTransport, request: httpx.Request) -> httpx.Response:
    if _routed(request):
        return await _ASYNC.handle_async_request(request)
    return await _ORIGINAL_ASYNC(self, request)


def install() -> None:
    httpx.HTTPTransport.handle_request = _handle  # type: ignore[method-assign]
    httpx.AsyncHTTPTransport.handle_async_request = _handle_async  # type: ignore[method-assign]


def uninstall() -> None:
    httpx.HTTPTransport.handle_request = _ORIGINAL_SYNC  # type: ignore[method-assign]
    httpx.AsyncHTTPTransport.handle_async_request = _ORIGINAL_ASYNC  # type: ignore[method-assign]

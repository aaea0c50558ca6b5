"""httpx in process: a transport (httpx's extension point) whose connections are httpcore HTTP/1.1
connections over a memory stream, so httpx parses the fake's bytes itself and raises its own
errors (``RemoteProtocolError`` for a dropped or truncated answer, ``ReadTimeout`` when a latency
outlasts the read timeout).

:func:`transport` / :func:`async_transport` are for ``httpx.Client(mounts={...})``; while a fake is
active, every ``httpx.HTTPTransport`` / ``AsyncHTTPTransport`` hands the fake's origins to them
(their ``handle_request`` is wrapped), so a client built anywhere in the code under test is served.
The connections are not httpcore's pools, which ``respx`` patches: respx and the fake coexist.
The transports are httpx's public ``BaseTransport``s, built as ``httpx.HTTPTransport`` builds its
own on httpcore (its request, its response, its errors mapped to httpx's).
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import AsyncIterator, Iterator
from typing import Any

import anyio
import httpcore
import httpx

from mock_infobip.inprocess.router import ROUTER, Route
from mock_infobip.inprocess.wire import Wired, respond_unless_gone, respond_within, split_request


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

    def answered(self, reply: Wired) -> None:
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


# httpcore's errors as httpx raises them (most specific first), with the request they were for
_ERRORS: tuple[tuple[type[Exception], type[httpx.TransportError]], ...] = (
    (httpcore.ConnectTimeout, httpx.ConnectTimeout),
    (httpcore.ReadTimeout, httpx.ReadTimeout),
    (httpcore.WriteTimeout, httpx.WriteTimeout),
    (httpcore.PoolTimeout, httpx.PoolTimeout),
    (httpcore.ConnectError, httpx.ConnectError),
    (httpcore.ReadError, httpx.ReadError),
    (httpcore.WriteError, httpx.WriteError),
    (httpcore.RemoteProtocolError, httpx.RemoteProtocolError),
    (httpcore.LocalProtocolError, httpx.LocalProtocolError),
    (httpcore.UnsupportedProtocol, httpx.UnsupportedProtocol),
    (httpcore.ProxyError, httpx.ProxyError),
    (httpcore.TimeoutException, httpx.TimeoutException),
    (httpcore.NetworkError, httpx.NetworkError),
    (httpcore.ProtocolError, httpx.ProtocolError),
)


@contextlib.contextmanager
def _as_httpx(request: httpx.Request) -> Iterator[None]:
    try:
        yield
    except Exception as exc:
        for source, target in _ERRORS:
            if isinstance(exc, source):
                raise target(str(exc), request=request) from exc
        raise


def _core_request(request: httpx.Request) -> httpcore.Request:
    url = request.url
    return httpcore.Request(
        method=request.method,
        url=httpcore.URL(scheme=url.raw_scheme, host=url.raw_host, port=url.port, target=url.raw_path),
        headers=request.headers.raw,
        content=request.stream,  # httpx's streams are httpcore's iterables
        extensions=request.extensions,
    )


class _Body(httpx.SyncByteStream):
    def __init__(self, stream: Any, request: httpx.Request) -> None:
        self._stream, self._request = stream, request

    def __iter__(self) -> Iterator[bytes]:
        with _as_httpx(self._request):
            yield from self._stream

    def close(self) -> None:
        self._stream.close()


class _AsyncBody(httpx.AsyncByteStream):
    def __init__(self, stream: Any, request: httpx.Request) -> None:
        self._stream, self._request = stream, request

    async def __aiter__(self) -> AsyncIterator[bytes]:
        with _as_httpx(self._request):
            async for part in self._stream:
                yield part

    async def aclose(self) -> None:
        await self._stream.aclose()


class InProcessTransport(httpx.BaseTransport):
    """An httpx transport serving the fake's origins (``httpx.Client(mounts={url: transport()})``):
    one httpcore HTTP/1.1 connection a request, over a memory stream."""

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        core = _core_request(request)
        with _as_httpx(request):
            connection = httpcore.HTTP11Connection(core.url.origin, MemoryStream(_route(core)))
            answer = connection.handle_request(core)
        return httpx.Response(
            answer.status,
            headers=answer.headers,
            stream=_Body(answer.stream, request),
            extensions=answer.extensions,
        )


class AsyncInProcessTransport(httpx.AsyncBaseTransport):
    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        core = _core_request(request)
        with _as_httpx(request):
            connection = httpcore.AsyncHTTP11Connection(core.url.origin, AsyncMemoryStream(_route(core)))
            answer = await connection.handle_async_request(core)
        return httpx.Response(
            answer.status,
            headers=answer.headers,
            stream=_AsyncBody(answer.stream, request),
            extensions=answer.extensions,
        )


_ORIGINAL_SYNC = httpx.HTTPTransport.handle_request
_ORIGINAL_ASYNC = httpx.AsyncHTTPTransport.handle_async_request


def transport() -> httpx.BaseTransport:
    return InProcessTransport()


def async_transport() -> httpx.AsyncBaseTransport:
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

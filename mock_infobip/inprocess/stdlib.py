"""``http.client``, ``urllib.request`` and urllib3 (so ``requests``) in process.

- ``http.client``: :class:`MemoryHTTPConnection` connects to a :class:`~.wire.MemorySocket`.
- ``urllib.request``: :class:`InProcessHandler` (for ``build_opener``) and, while a fake is active,
  every HTTP(S) handler's ``do_open`` — the one method through which urllib's handlers open
  connections — uses that connection for the fake's origins.
- ``requests`` does not read the environment's proxy settings for the fake's origins (nothing goes
  through a proxy in process).
- urllib3 and ``requests``: the connection classes of urllib3's pools (``ConnectionCls``, urllib3's
  documented point for custom connections) are swapped for subclasses that connect to a memory
  socket for the fake's origins. Everything above the connection — urllib3's ``Retry``, timeouts,
  pooling, ``requests``' adapters and hooks — runs as over a socket.
"""

from __future__ import annotations

import http.client
import urllib.request
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import requests
from urllib3 import connection as urllib3_connection
from urllib3 import connectionpool

from mock_infobip.inprocess.router import ROUTER, Route
from mock_infobip.inprocess.wire import MemorySocket


def _seconds(timeout: object) -> float | None:
    return float(timeout) if isinstance(timeout, int | float) else None


def memory_socket(route: Route, timeout: object) -> MemorySocket:
    sock = MemorySocket(route.app, route.scheme, route.host, route.port)
    sock.settimeout(_seconds(timeout))
    return sock


class MemoryHTTPConnection(http.client.HTTPConnection):
    """An ``http.client`` connection to a fake's origin, with no socket."""

    def __init__(self, host: str, port: int | None = None, *args: Any, route: Route, **kwargs: Any) -> None:
        kwargs.pop("context", None)
        super().__init__(host, port, *args, **kwargs)
        self._route = route

    def connect(self) -> None:
        self.sock = memory_socket(self._route, self.timeout)


class MemoryHTTPSConnection(MemoryHTTPConnection):
    default_port = 443


def memory_connection(route: Route) -> Callable[..., http.client.HTTPConnection]:
    cls = MemoryHTTPSConnection if route.scheme == "https" else MemoryHTTPConnection

    def make(host: str, port: int | None = None, **kwargs: Any) -> http.client.HTTPConnection:
        return cls(host, port, route=route, **kwargs)

    return make


# --- urllib.request -------------------------------------------------------------------------------

_ORIGINAL_DO_OPEN = urllib.request.AbstractHTTPHandler.do_open


def _do_open(handler: urllib.request.AbstractHTTPHandler, http_class: Any, req: Any, **kwargs: Any) -> Any:
    url = urlsplit(req.full_url)  # the origin asked for, whether or not a proxy stands before it
    route = ROUTER.serving(url.scheme, url.hostname or "", url.port)
    if route is not None:
        return _ORIGINAL_DO_OPEN(handler, memory_connection(route), req)
    return _ORIGINAL_DO_OPEN(handler, http_class, req, **kwargs)


class InProcessHandler(urllib.request.HTTPSHandler, urllib.request.HTTPHandler):
    """For ``urllib.request.build_opener(InProcessHandler())``: the fake's origins in process."""

    def http_open(self, req: Any) -> Any:
        return _do_open(self, http.client.HTTPConnection, req)

    def https_open(self, req: Any) -> Any:
        return _do_open(self, http.client.HTTPSConnection, req)


# --- urllib3 (requests) ---------------------------------------------------------------------------


class _Routed:
    """Mixed into urllib3's connection classes: the fake's origins get a memory socket."""

    scheme = "http"
    host: str
    port: int
    timeout: Any
    sock: Any
    tunnel_to: tuple[str, int | None] | None = None  # the origin behind a proxy (CONNECT)

    def set_tunnel(self, host: str, port: int | None = None, *args: Any, **kwargs: Any) -> None:
        self.tunnel_to = (host, port)
        super().set_tunnel(host, port, *args, **kwargs)  # type: ignore[misc]

    def connect(self) -> None:
        host, port = self.tunnel_to or (self.host, self.port)
        route = ROUTER.serving(self.scheme, host, port or (443 if self.scheme == "https" else 80))
        if route is None:
            super().connect()  # type: ignore[misc]
            return
        self.sock = memory_socket(route, self.timeout)
        state: Any = self
        state.is_verified = True  # nothing to verify: the answer never left the process
        state.proxy_is_verified = None

    @property
    def is_connected(self) -> bool:
        if isinstance(self.sock, MemorySocket):
            return not self.sock.closed
        return bool(super().is_connected)  # type: ignore[misc]


class RoutedHTTPConnection(_Routed, urllib3_connection.HTTPConnection):
    scheme = "http"


class RoutedHTTPSConnection(_Routed, urllib3_connection.HTTPSConnection):
    scheme = "https"


# --- requests: no proxy lookup for the fake's origins --------------------------------------------

_ORIGINAL_MERGE = requests.Session.merge_environment_settings


def _merge(session: requests.Session, url: Any, proxies: Any, stream: Any, verify: Any, cert: Any) -> Any:
    """``Session.merge_environment_settings`` reads every proxy variable of the environment on each
    call (a fifth of an in-process call's time with a large environment). A call to the fake's
    origin never goes through a proxy in process, so for those the environment is not read."""
    if not url or ROUTER.find(str(url)) is None:
        return _ORIGINAL_MERGE(session, url, proxies, stream, verify, cert)
    return {
        "proxies": proxies or {},
        "stream": session.stream if stream is None else stream,
        "verify": session.verify if verify is None else verify,
        "cert": session.cert if cert is None else cert,
    }


_POOLS: Any = (connectionpool.HTTPConnectionPool, connectionpool.HTTPSConnectionPool)
_ORIGINAL_CLASSES = tuple(pool.ConnectionCls for pool in _POOLS)
_HANDLER: Any = urllib.request.AbstractHTTPHandler
_SESSION: Any = requests.Session


def install() -> None:
    for pool, routed in zip(_POOLS, (RoutedHTTPConnection, RoutedHTTPSConnection), strict=True):
        pool.ConnectionCls = routed
    _HANDLER.do_open = _do_open
    _SESSION.merge_environment_settings = _merge


def uninstall() -> None:
    for pool, original in zip(_POOLS, _ORIGINAL_CLASSES, strict=True):
        pool.ConnectionCls = original
    _HANDLER.do_open = _ORIGINAL_DO_OPEN
    _SESSION.merge_environment_settings = _ORIGINAL_MERGE


__all__ = ["InProcessHandler", "MemoryHTTPConnection", "install", "memory_connection", "uninstall"]

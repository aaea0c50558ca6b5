"""The fake served in this process, to every common Python HTTP client, with no socket.

Each client keeps its own machinery (connection pools, retries, timeouts, parsing) and is handed the
fake's answer as the bytes a server would send (:mod:`.wire`):

========================  =====================================================================
client                    where the fake plugs in
========================  =====================================================================
``requests`` / urllib3    urllib3's pool ``ConnectionCls`` (:mod:`.stdlib`)
``urllib.request``        the HTTP handlers' ``do_open``; ``InProcessHandler`` for openers
``http.client``           ``MemoryHTTPConnection`` (the in-process callback transport uses it)
``httpx``                 a transport (``HTTPTransport``/``AsyncHTTPTransport``) (:mod:`.httpx_support`)
``aiohttp``               a connector (``TCPConnector``) (:mod:`.aiohttp_support`)
========================  =====================================================================

The adapters are installed while :data:`ROUTER` has a route or a guard (a fake is active) and
removed after; httpx and aiohttp only when they are installed.
"""

from __future__ import annotations

import functools
import importlib.util
import threading
from types import ModuleType

from mock_infobip.inprocess.router import ROUTER, RealInfobipBlocked, Route, is_infobip_host

_LOCK = threading.Lock()


@functools.cache
def _adapters() -> list[ModuleType]:  # looked up once, not at every fixture's activation
    from mock_infobip.inprocess import stdlib

    found: list[ModuleType] = [stdlib]
    if importlib.util.find_spec("httpx") is not None:
        from mock_infobip.inprocess import httpx_support

        found.append(httpx_support)
    if importlib.util.find_spec("aiohttp") is not None:
        from mock_infobip.inprocess import aiohttp_support

        found.append(aiohttp_support)
    return found


def _switch(active: bool) -> None:
    with _LOCK:
        for adapter in _adapters():
            adapter.install() if active else adapter.uninstall()


ROUTER.on_change = _switch

__all__ = ["ROUTER", "RealInfobipBlocked", "Route", "is_infobip_host"]

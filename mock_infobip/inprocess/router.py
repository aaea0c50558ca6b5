"""Which origins the fake serves in this process, and the guard that keeps test traffic away from the
real Infobip.

Routes are origins (scheme, host, port): an HTTP client opens a connection to an origin, and the
client adapters (:mod:`mock_infobip.inprocess.clients`) ask :data:`ROUTER` at that moment whether the
fake serves it. The most recently added route for an origin wins.

The guard: while a fake is active (and has not been given ``allow_real_infobip=True``), a
connection to ``api.infobip.com`` or any ``*.api.infobip.com`` that no route serves raises
:class:`RealInfobipBlocked`, and the test that made it fails even if the code under test swallowed
the error, unless the error reached the test's own code (``pytest.raises(RealInfobipBlocked)``
around the call: see :meth:`RealInfobipBlocked.reached`). Other hosts are not touched.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from types import CodeType
from typing import Any
from urllib.parse import urlsplit

WsgiApp = Callable[..., Iterable[bytes]]
INFOBIP_BASE_URL = "https://api.infobip.com"  # what the fake serves in process by default
INFOBIP_DOMAIN = urlsplit(INFOBIP_BASE_URL).hostname or ""
DEFAULT_PORTS = {"http": 80, "https": 443}


class RealInfobipBlocked(AssertionError):
    """The code under test tried to reach the real Infobip while the fake was active. An
    AssertionError, so HTTP clients' retry loops (which catch connection errors) let it through."""

    def reached(self, code: CodeType) -> bool:
        """Whether this error reached a frame running ``code`` (the test function: caught there with
        ``pytest.raises`` or ``except``, or failing the test) rather than being swallowed by the code
        under test on its way: a traceback holds every frame the error passed through, from the one
        that caught it."""
        tb = self.__traceback__
        while tb is not None:
            if tb.tb_frame.f_code is code:
                return True
            tb = tb.tb_next
        return False


def origin(url: str) -> tuple[str, str, int]:
    parts = urlsplit(url)
    scheme = (parts.scheme or "http").lower()
    return scheme, (parts.hostname or "").lower(), parts.port or DEFAULT_PORTS.get(scheme, 80)


def is_infobip_host(host: str) -> bool:
    host = host.lower().rstrip(".")
    return host == INFOBIP_DOMAIN or host.endswith("." + INFOBIP_DOMAIN)


@dataclass(frozen=True, eq=False)
class Route:
    scheme: str
    host: str
    port: int
    app: WsgiApp


class Router:
    def __init__(self) -> None:
        self._routes: list[Route] = []
        self._guards: list[object] = []  # one token per active fake that guards Infobip's hosts
        self._lock = threading.Lock()
        self.blocked: list[RealInfobipBlocked] = []  # what the guard stopped since the last check
        self.on_change: Callable[[bool], None] = lambda active: None  # installs/removes the adapters

    @property
    def active(self) -> bool:
        return bool(self._routes or self._guards)

    def _changed(self, was: bool) -> None:
        if was != self.active:
            self.on_change(self.active)

    def add(self, base_url: str, app: WsgiApp) -> Route:
        route = Route(*origin(base_url), app)
        with self._lock:
            was = self.active
            self._routes.insert(0, route)
        self._changed(was)
        return route

    def remove(self, route: Any) -> None:
        with self._lock:
            was = self.active
            if route in self._routes:
                self._routes.remove(route)
            if route in self._guards:
                self._guards.remove(route)
        self._changed(was)

    def guard(self) -> object:
        """Start guarding Infobip's hosts; :meth:`remove` the token to stop."""
        token = object()
        with self._lock:
            was = self.active
            self._guards.append(token)
        self._changed(was)
        return token

    def route(self, scheme: str, host: str, port: int | None) -> Route | None:
        scheme, host = scheme.lower(), host.lower().strip("[]")
        port = port or DEFAULT_PORTS.get(scheme, 80)
        with self._lock:
            for route in self._routes:
                if (route.scheme, route.host, route.port) == (scheme, host, port):
                    return route
        return None

    def serving(self, scheme: str, host: str, port: int | None) -> Route | None:
        """What a client adapter asks before it connects: the route serving this origin, or None
        for a real connection (refused with :class:`RealInfobipBlocked` for Infobip's hosts)."""
        found = self.route(scheme, host, port)
        if found is None:
            self.check_leak(host, port)
        return found

    def find(self, url: str) -> WsgiApp | None:
        """The app serving ``url``'s origin, if any."""
        found = self.route(*origin(url))
        return found.app if found is not None else None

    def check_leak(self, host: str, port: int | None = None) -> None:
        """Called before a real connection is opened: refuse one to the real Infobip."""
        if self._guards and is_infobip_host(host):
            where = f"{host}:{port}" if port else host
            message = (
                f"mock-infobip: the code under test tried to reach the real Infobip ({where}), which the "
                "fake does not serve. Serve that base URL with the fake (fake('https://...'), or the "
                "infobip_base_urls ini option) or allow it with allow_real_infobip=True."
            )
            error = RealInfobipBlocked(message)
            self.blocked.append(error)
            raise error


ROUTER = Router()

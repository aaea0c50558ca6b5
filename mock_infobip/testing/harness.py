"""The two ways a test runs the fake: :func:`fake` in this process (no sockets) and :func:`server`
on a free loopback port; each a context manager and a decorator that give a :class:`Handle`."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from mock_infobip.core.settings import Settings
from mock_infobip.http.app import create_app
from mock_infobip.inprocess.router import INFOBIP_BASE_URL
from mock_infobip.runtime import Runtime
from mock_infobip.testing.handle import Handle
from mock_infobip.testing.receivers import RoutedTransport

if TYPE_CHECKING:
    from mock_infobip.serving.assembly import BackgroundServer

DEFAULTS: dict[str, Any] = {"db": ":memory:", "clock": "manual", "dispatch": "inline", "seed": 0}
F = TypeVar("F", bound=Callable[..., Any])


def _settings(overrides: Mapping[str, Any]) -> Settings:
    return Settings().replace(**{**DEFAULTS, **overrides})


def _injecting(func: F, context: Callable[[], Any]) -> F:
    """``func`` run inside ``context()``; a parameter named ``infobip`` gets the handle."""
    wants = "infobip" in inspect.signature(func).parameters

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with context() as handle:
            if wants:
                kwargs["infobip"] = handle
            return func(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


class Fake:
    """Context manager and decorator: the fake in this process, with no sockets."""

    def __init__(
        self,
        base_urls: tuple[str, ...] = (INFOBIP_BASE_URL,),
        allow_real_infobip: bool = False,
        **settings: Any,
    ) -> None:
        self.base_urls = base_urls or (INFOBIP_BASE_URL,)
        self.allow_real_infobip = allow_real_infobip
        self.settings = _settings(settings)
        self.handle: Handle | None = None

    def __enter__(self) -> Handle:
        runtime = Runtime(self.settings, transport=RoutedTransport())
        app = create_app(runtime)
        base = self.base_urls[0].rstrip("/")
        self.handle = Handle(runtime, base, app, self.base_urls, self.allow_real_infobip)
        self.handle.activate()
        return self.handle

    def __exit__(self, *exc: object) -> None:
        if self.handle is not None:
            self.handle.close()
        self.handle = None

    def __call__(self, func: F) -> F:
        return _injecting(
            func, lambda: Fake(self.base_urls, self.allow_real_infobip, **_overrides(self.settings))
        )


class Server:
    """Context manager and decorator: the fake's server on a free loopback port."""

    def __init__(self, allow_real_infobip: bool = False, **settings: Any) -> None:
        self.allow_real_infobip = allow_real_infobip
        self.settings = _settings({"host": "127.0.0.1", "port": 0, **settings})
        self.handle: Handle | None = None
        self._server: BackgroundServer | None = None

    def __enter__(self) -> Handle:
        from mock_infobip.serving.assembly import BackgroundServer, base_url, create_server

        runtime = Runtime(self.settings, transport=RoutedTransport())
        runtime.start_worker()
        self._server = BackgroundServer(create_server(runtime)).start()
        url = base_url(self.settings.host, self._server.port)
        self.handle = Handle(runtime, url, allow_real_infobip=self.allow_real_infobip)
        self.handle.activate()
        return self.handle

    def __exit__(self, *exc: object) -> None:
        if self._server is not None:
            self._server.stop()
        self._server = None
        if self.handle is not None:
            self.handle.close()
        self.handle = None

    def __call__(self, func: F) -> F:
        return _injecting(func, lambda: Server(self.allow_real_infobip, **_overrides(self.settings)))


def _overrides(settings: Settings) -> dict[str, Any]:
    defaults = Settings()
    return {
        name: getattr(settings, name)
        for name in settings.__dataclass_fields__
        if getattr(settings, name) != getattr(defaults, name)
    }


def fake(*base_urls: str, **settings: Any) -> Fake:
    """The fake in process: ``with fake() as infobip:`` or ``@fake()`` (a parameter named
    ``infobip`` receives the handle). Extra base URLs are served too; settings as for ``serve``."""
    return Fake(tuple(base_urls) or (INFOBIP_BASE_URL,), **settings)


def server(**settings: Any) -> Server:
    """The fake on a real loopback server in a background thread (``with server() as infobip:``)."""
    return Server(**settings)

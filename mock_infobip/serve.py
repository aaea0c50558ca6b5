"""Running the fake on waitress, the production WSGI server."""

from __future__ import annotations

import ipaddress
import signal
import sys
from types import FrameType
from typing import TextIO

import waitress
from waitress.server import BaseWSGIServer, MultiSocketServer

from mock_infobip.app import create_app
from mock_infobip.runtime import Runtime
from mock_infobip.settings import Settings, SettingsError


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_exposure(settings: Settings) -> None:
    if not is_loopback(settings.host) and not settings.admin_token:
        raise SettingsError(
            f"host {settings.host!r} is not loopback: give --admin-token to protect the admin API"
        )


def create_server(runtime: Runtime) -> BaseWSGIServer | MultiSocketServer:
    settings = runtime.settings
    server: BaseWSGIServer | MultiSocketServer = waitress.create_server(  # type: ignore[attr-defined]
        create_app(runtime),
        host=settings.host,
        port=settings.port,
        threads=settings.threads,
        ident="mock-infobip",
        clear_untrusted_proxy_headers=True,
    )
    return server


def base_url(host: str, port: int) -> str:
    shown = f"[{host}]" if ":" in host and not host.startswith("[") else host
    return f"http://{shown}:{port}"


def _stop(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(0)


def run(settings: Settings, out: TextIO = sys.stdout) -> None:
    """Serve until Ctrl-C or SIGTERM; everything acknowledged is in the store by then."""
    check_exposure(settings)
    runtime = Runtime(settings)
    try:
        server = create_server(runtime)
        port = getattr(server, "effective_port", settings.port)
        print(f"mock-infobip {runtime.version} listening on {base_url(settings.host, port)}", file=out)
        print(f"API key: {runtime.api_key}", file=out)
        print(f"clock: {runtime.clock.mode}, database: {settings.db}", file=out, flush=True)
        runtime.start_worker()
        previous = signal.signal(signal.SIGTERM, _stop)
        try:
            server.run()
        finally:
            signal.signal(signal.SIGTERM, previous)
            server.close()
    finally:
        runtime.close()
    print("mock-infobip stopped", file=out, flush=True)

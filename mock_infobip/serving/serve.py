"""Running the fake on waitress, the production WSGI server."""

from __future__ import annotations

import ipaddress
import logging
import signal
import socket
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any, TextIO

import waitress
from waitress import wasyncore
from waitress.server import BaseWSGIServer, MultiSocketServer

from mock_infobip.core.clock import wire_time
from mock_infobip.core.settings import Settings, SettingsError
from mock_infobip.http.accesslog import AccessLog
from mock_infobip.http.app import create_app
from mock_infobip.runtime import Runtime
from mock_infobip.serving import lanes
from mock_infobip.serving.lanes import FaultChannel, LaneDispatcher


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


def quiet_queue_warnings() -> None:
    """waitress logs "Task queue depth is N" for every request that waits for a thread: under load,
    a line a request on stderr, burying the lines that matter. For a fake that is noise (the access
    log and the dashboard say what was served); errors are still logged."""
    logging.getLogger("waitress.queue").setLevel(logging.ERROR)


def create_server(runtime: Runtime, sock: socket.socket | None = None) -> BaseWSGIServer | MultiSocketServer:
    """The waitress server of ``runtime``: on ``settings.host``/``port``, or on ``sock`` (a
    listening socket of one of several workers)."""
    settings = runtime.settings
    quiet_queue_warnings()
    app: Any = create_app(runtime)
    if settings.access_log != "off":
        app = AccessLog(app, settings.access_log, runtime.clock.wall_ms)
    where: dict[str, Any] = (
        {"sockets": [sock]} if sock is not None else {"host": settings.host, "port": settings.port}
    )
    dispatcher = LaneDispatcher(settings.threads, settings.control_threads, runtime.faults.any_set)
    server: BaseWSGIServer | MultiSocketServer = waitress.create_server(  # type: ignore[attr-defined]
        app,
        **where,
        threads=settings.threads,
        connection_limit=settings.connection_limit,
        channel_timeout=settings.channel_timeout,
        cleanup_interval=settings.cleanup_interval,
        ident="mock-infobip",
        clear_untrusted_proxy_headers=True,
        _dispatcher=dispatcher,
    )
    listeners: list[object] = (
        [server] if isinstance(server, BaseWSGIServer) else list((server.map or {}).values())
    )
    for listener in listeners:
        if isinstance(listener, BaseWSGIServer):
            listener.channel_class = FaultChannel
            lanes.spare_the_trigger(listener)
    return server


def stop_threaded(server: BaseWSGIServer) -> None:
    """Stop a server whose loop runs in another thread: first its worker threads finish their
    tasks, then its connections are closed from inside the loop (waitress's trigger), which ends it."""
    server.task_dispatcher.shutdown()
    connections = server._map  # type: ignore[attr-defined]  # waitress keeps its socket map here
    server.trigger.pull_trigger(lambda: wasyncore.close_all(connections))  # type: ignore[attr-defined]


def base_url(host: str, port: int) -> str:
    shown = f"[{host}]" if ":" in host and not host.startswith("[") else host
    return f"http://{shown}:{port}"


def banner(runtime: Runtime, url: str, workers: int = 1) -> str:
    """What ``serve`` prints when it listens (the first two lines are read by scripts and tests)."""
    clock = runtime.clock
    now = wire_time(clock.now_ms())
    moving = (
        "stopped (advance it through the admin API)" if clock.mode == "manual" else f"speed {clock.speed:g}"
    )
    lines = [
        f"mock-infobip {runtime.version} listening on {url}",
        f"API key: {runtime.api_key}",
        f"clock: {clock.mode}, {moving}, now {now}",
        f"database: {runtime.settings.db}",
        *([f"workers: {workers} processes on one port, one runs the scheduler"] if workers > 1 else []),
        f"dashboard: {url}/   admin API: {url}/__admin   OpenAPI: {url}/openapi.json",
        "try:",
        f"  curl -s -X POST -H 'Authorization: App {runtime.api_key}' -H 'Content-Type: application/json' \\",
        f'       -d \'{{"name":"[Amplitude] Churn risk: 8812"}}\' {url}/saas/amplitude/1/lists',
    ]
    return "\n".join(lines)


def _stop(signum: int, frame: FrameType | None) -> None:
    lanes.stop()  # SystemExit now, or once the request the loop is serving is answered


@contextmanager
def stop_signals() -> Iterator[None]:
    """SIGINT (Ctrl-C) and SIGTERM end the process cleanly, whatever it inherited (a shell starts
    ``serve &`` with SIGINT ignored). Entered before the banner says the server is listening."""
    previous = {sig: signal.signal(sig, _stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def run_until_stopped(server: BaseWSGIServer | MultiSocketServer) -> None:
    """Serve in this thread until a stop signal (see :func:`stop_signals`), then close the server."""
    with stop_signals():
        try:
            server.run()
        finally:
            server.close()


def run(settings: Settings, out: TextIO = sys.stdout) -> None:
    """Serve until Ctrl-C or SIGTERM; everything acknowledged is in the store by then."""
    from mock_infobip.serving.workers import run_workers, worker_count

    check_exposure(settings)
    with stop_signals():
        try:
            count = worker_count(settings)
            if count > 1:
                run_workers(settings, count, out)
            else:
                _serve(settings, out)
        except SystemExit as stop:  # a stop signal outside waitress's loop (which takes it itself):
            if stop.code not in (0, None):  # e.g. between the banner and the loop's start
                raise
    print("mock-infobip stopped", file=out, flush=True)


def _serve(settings: Settings, out: TextIO) -> None:
    runtime = Runtime(settings)
    try:
        server = create_server(runtime)
        runtime.start_worker()
        port = getattr(server, "effective_port", settings.port)
        url = base_url(settings.host, port)
        print(banner(runtime, url), file=out, flush=True)
        run_until_stopped(server)
    finally:
        runtime.close()

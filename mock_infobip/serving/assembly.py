"""The fake's server assembled: its app, socket and limits; how it stops on a signal; the banner;
and the server on a thread of its own (``mock_infobip.server()``, the tests)."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any

from mock_infobip.core.clock import wire_time
from mock_infobip.core.settings import Settings
from mock_infobip.http.accesslog import AccessLog
from mock_infobip.http.app import create_app
from mock_infobip.runtime import Runtime
from mock_infobip.serving.server import Limits, Server, listening_socket
from mock_infobip.storage import locator


def limits(settings: Settings) -> Limits:
    return Limits(
        header_timeout=settings.header_timeout,
        body_timeout=settings.read_timeout,
        idle_timeout=settings.read_timeout,
        max_body=settings.max_body_bytes,
        connection_limit=settings.connection_limit,
        threads=settings.threads,
        control_threads=settings.control_threads,
    )


def create_server(runtime: Runtime, sock: socket.socket | None = None, shared: bool = False) -> Server:
    """The server of ``runtime``: on ``settings.host``/``port``, or on ``sock`` (``shared`` with
    the other workers of ``serve --workers``)."""
    settings = runtime.settings
    app: Any = create_app(runtime)
    if settings.access_log != "off":
        app = AccessLog(app, settings.access_log, runtime.clock.wall_ms)
    sock = sock if sock is not None else listening_socket(settings.host, settings.port)
    server = Server(
        app,
        [sock],
        limits(settings),
        faults=runtime.faults,
        journal_flush=lambda: _flush_journal(runtime),
        shared=shared,
    )
    # what other processes and hosts sent is heard on PostgreSQL (new work: a send's status
    # events, an inbound message's push): requests waiting for a message look at once
    runtime.store.subscribe(server.wake_from_thread)
    return server


def _flush_journal(runtime: Runtime) -> None:
    """The end of a turn of the loop: its journal's entries written (a failure is the fake's own
    error: the answers leave all the same, and the pytest plugin fails the test that caused it)."""
    runtime.store.end_turn()  # the turn's requests shared the configuration version they read
    try:
        runtime.journal.flush()
    except Exception as exc:
        runtime.errors.append(exc)
        raise


def base_url(host: str, port: int) -> str:
    shown = f"[{host}]" if ":" in host and not host.startswith("[") else host
    return f"http://{shown}:{port}"


def upgraded(before: int | None, now: int) -> str:
    """What the banner says of the schema: nothing, unless an older database was upgraded."""
    return "" if before is None or before == now else f" (upgraded from schema version {before} to {now})"


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
        f"database: {locator.shown(runtime.settings.db)}{upgraded(*runtime.store.upgraded)}",
        *([admin_token_line(runtime)] if runtime.settings.admin_token else []),
        *workers_lines(runtime, workers),
        f"dashboard: {url}/   admin API: {url}/__admin   OpenAPI: {url}/openapi.json",
        "try:",
        f"  curl -s -X POST -H 'Authorization: App {runtime.api_key}' -H 'Content-Type: application/json' \\",
        f'       -d \'{{"name":"[Amplitude] Churn risk: 8812"}}\' {url}/saas/amplitude/1/lists',
    ]
    return "\n".join(lines)


def workers_lines(runtime: Runtime, workers: int) -> list[str]:
    """Who runs the scheduler: one worker of this host, or one process of all the hosts that
    share the PostgreSQL database (each host's banner says the same)."""
    if runtime.store.shared_by_hosts:
        on_port = f"{workers} processes on one port; " if workers > 1 else ""
        shared = "every host on this database serves one fake, the scheduler runs on one at a time"
        return [f"hosts: {on_port}{shared}"]
    return [f"workers: {workers} processes on one port, one runs the scheduler"] if workers > 1 else []


def admin_token_line(runtime: Runtime) -> str:
    """The admin token is never printed: where it comes from, and how to read a generated one."""
    if runtime.admin_token_generated:
        return (
            "admin token: generated for this database (not on loopback and none given); "
            "`mock-infobip admin-token` prints it"
        )
    return "admin token: as given (the admin API and dashboard actions need it)"


class Stopper:
    """SIGINT (Ctrl-C) and SIGTERM end the process cleanly, whether they come before the server's
    loop runs or while it does (the requests being served are answered first)."""

    def __init__(self) -> None:
        self.asked = False
        self._wake: Callable[[], None] | None = None

    def ask(self, signum: int = 0, frame: FrameType | None = None) -> None:
        self.asked = True
        if self._wake is not None:
            self._wake()

    def wake_with(self, wake: Callable[[], None]) -> None:
        """Call ``wake`` when asked (now, if asked already)."""
        self._wake = wake
        if self.asked:
            wake()

    async def wait(self) -> None:
        loop = asyncio.get_running_loop()
        stopped = asyncio.Event()

        def wake() -> None:
            with contextlib.suppress(RuntimeError):  # the loop closed meanwhile: it is stopping anyway
                loop.call_soon_threadsafe(stopped.set)

        self.wake_with(wake)
        try:
            await stopped.wait()
        finally:
            self._wake = None  # a signal after the loop's end (while closing) only marks the stop

    @contextmanager
    def installed(self) -> Iterator[None]:
        """Entered before the banner says the server is listening (a shell starts ``serve &`` with
        SIGINT ignored: the handlers are set whatever was inherited)."""
        previous = {sig: signal.signal(sig, self.ask) for sig in (signal.SIGTERM, signal.SIGINT)}
        try:
            yield
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)


def serve_until_stopped(server: Server, stopper: Stopper) -> None:
    """Serve in this thread until ``stopper`` is asked (see :class:`Stopper`)."""
    if not stopper.asked:
        asyncio.run(server.serve(stopper.wait()))


class BackgroundServer:
    """A server's loop on a thread of its own (``mock_infobip.server()``, the tests): started
    listening when :meth:`start` returns, stopped (its requests answered) when :meth:`stop` does."""

    def __init__(self, server: Server) -> None:
        self.server = server
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._failed: list[BaseException] = []

    @property
    def port(self) -> int:
        return self.server.port

    def start(self) -> BackgroundServer:
        ready = threading.Event()
        self._thread = threading.Thread(
            target=self._run, args=(ready,), name="mock-infobip-server", daemon=True
        )
        self._thread.start()
        ready.wait()
        if self._failed:
            raise self._failed[0]
        return self

    def _run(self, ready: threading.Event) -> None:
        async def main() -> None:
            self._loop = asyncio.get_running_loop()
            self._stop = asyncio.Event()
            await self.server.serve(self._stop.wait(), ready.set)

        try:
            asyncio.run(main())
        except BaseException as exc:  # handed to start() if it failed to start
            self._failed.append(exc)
            ready.set()

    def stop(self) -> None:
        if self._loop is not None and self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        if self._thread is not None:
            self._thread.join(timeout=30)

    def __enter__(self) -> BackgroundServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

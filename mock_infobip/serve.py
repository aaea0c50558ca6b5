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
from waitress.channel import HTTPChannel
from waitress.server import BaseWSGIServer, MultiSocketServer
from waitress.task import Task, ThreadedTaskDispatcher, WSGITask

from mock_infobip.accesslog import AccessLog
from mock_infobip.app import create_app
from mock_infobip.clock import elapsed, wire_time
from mock_infobip.runtime import Runtime
from mock_infobip.settings import Settings, SettingsError
from mock_infobip.web import DropConnection, infobip_path


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


class FaultTask(WSGITask):
    """Serves a request; a ``drop`` fault closes the connection without writing a byte."""

    def service(self) -> None:
        try:
            super().service()
        except DropConnection:
            self.close_on_finish = True


class FaultChannel(HTTPChannel):
    task_class = FaultTask


class StickyDispatcher(ThreadedTaskDispatcher):
    """Worker threads that take turns only when they must: a thread that finishes a task takes the
    next one itself, and an idle thread takes a task only while every busy thread has been busy
    for ``STUCK_AFTER`` seconds (held by a fault's latency, or a long request). Waking a thread a
    request, as waitress's own dispatcher does, costs this app more than the request: its threads
    then interleave at every SQLite call (benchmarks/README.md). The other threads stand by, so a
    held request never holds the others."""

    STUCK_AFTER = 0.02

    def __init__(self) -> None:
        super().__init__()
        self.started: dict[int, float] = {}  # busy threads: when their task started

    def _fresh(self, now: float) -> list[float]:
        return [at for at in self.started.values() if now - at < self.STUCK_AFTER]

    def handler_thread(self, thread_no: int) -> None:
        while True:
            with self.lock:
                while True:
                    if self.stop_count > 0:
                        self.active_count -= 1
                        self.stop_count -= 1
                        self.threads.discard(thread_no)
                        self.thread_exit_cv.notify()
                        return
                    now = elapsed()
                    fresh = self._fresh(now)
                    if self.queue and not fresh:
                        break
                    self.active_count -= 1
                    # tasks wait on a busy thread: stand by to take one if it stays busy
                    self.queue_cv.wait(min(fresh) + self.STUCK_AFTER - now if self.queue else None)
                    self.active_count += 1
                task = self.queue.popleft()
                self.started[thread_no] = now
                if self.queue:
                    self.queue_cv.notify()  # another thread stands by for the rest
            try:
                task.service()
            except BaseException:
                self.logger.exception("Exception when servicing %r", task)
            finally:
                with self.lock:
                    del self.started[thread_no]

    def add_task(self, task: Task) -> None:
        with self.lock:
            self.queue.append(task)
            if len(self.queue) == 1 or not self._fresh(elapsed()):
                self.queue_cv.notify()


class LaneDispatcher(StickyDispatcher):
    """Two lanes of worker threads: the Infobip API in the main one; the admin API, health, the
    dashboard and OpenAPI in a lane of their own, so requests held by a fault's latency (or any
    slow Infobip request) never keep the controls from answering."""

    def __init__(self, threads: int, control_threads: int) -> None:
        super().__init__()
        self.set_thread_count(threads)
        self.control = ThreadedTaskDispatcher()
        self.control.set_thread_count(control_threads)

    def add_task(self, task: Task) -> None:
        path = str(getattr(getattr(task, "request", None), "path", "") or "")
        if path and not infobip_path(path):
            self.control.add_task(task)
        else:
            super().add_task(task)

    def shutdown(self, cancel_pending: bool = True, timeout: int = 5) -> bool:
        self.control.shutdown(cancel_pending, timeout)
        done: bool = super().shutdown(cancel_pending, timeout)
        return done


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
    server: BaseWSGIServer | MultiSocketServer = waitress.create_server(  # type: ignore[attr-defined]
        app,
        **where,
        threads=settings.threads,
        connection_limit=settings.connection_limit,
        channel_timeout=settings.channel_timeout,
        cleanup_interval=settings.cleanup_interval,
        ident="mock-infobip",
        clear_untrusted_proxy_headers=True,
        _dispatcher=LaneDispatcher(settings.threads, settings.control_threads),
    )
    listeners: list[object] = (
        [server] if isinstance(server, BaseWSGIServer) else list((server.map or {}).values())
    )
    for listener in listeners:
        if isinstance(listener, BaseWSGIServer):
            listener.channel_class = FaultChannel
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
    raise SystemExit(0)


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
    from mock_infobip.workers import run_workers, worker_count

    check_exposure(settings)
    with stop_signals():
        count = worker_count(settings)
        if count > 1:
            run_workers(settings, count, out)
        else:
            _serve(settings, out)
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

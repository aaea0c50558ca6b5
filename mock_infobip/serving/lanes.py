"""How a request reaches the app under waitress: served by the loop itself, or by a thread of one of
two lanes.

- **The loop** (waitress's main thread, which reads and writes every connection) serves a request of
  the Infobip API itself when no fault is set and its body is small: no hand-over to a thread, so
  none of the context switches that cost this app more than its own work (README,
  Performance). A fault set meanwhile that would hold the request (latency, hold) moves
  it, with the fault it took, to the Infobip lane: the loop never waits.
- **The Infobip lane**: threads that take turns only when they must (:class:`StickyDispatcher`).
- **The control lane**: the admin API, health, the dashboard and OpenAPI on threads of their own, so
  requests held by a fault (or any slow Infobip request) never keep the controls from answering.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from waitress.channel import HTTPChannel
from waitress.task import Task, ThreadedTaskDispatcher, WSGITask

from mock_infobip.core.clock import elapsed
from mock_infobip.http.web import NO_WAIT, PRESET_FAULT, DropConnection, ServeOnThread, infobip_path
from mock_infobip.serving.plainhttp import read_plain

# What the loop serves itself: a body up to this size (a create list, an add of ~1,000 ids, a send
# of a few hundred messages), and only while the connection has little output waiting.
LOOP_MAX_BODY = 64 * 1024
LOOP_MAX_PENDING_OUTPUT = 1024 * 1024


class _Loop:
    """Whether the loop is inside the app (and its thread), and a stop asked for meanwhile (see
    :func:`stop`)."""

    serving = False
    thread: int | None = None
    stop_asked = False


def spare_the_trigger(listener: Any) -> None:
    """waitress wakes its loop after each request (a byte down a pipe, read back by the loop on its
    next turn) so that the loop looks at the connection again; a request the loop served itself
    needs no waking, as the loop looks at every connection after it anyway. Requests served on
    threads still wake it."""
    pull = listener.pull_trigger

    def pull_trigger() -> None:
        if not (_Loop.serving and _Loop.thread == threading.get_ident()):
            pull()

    listener.pull_trigger = pull_trigger


def stop() -> None:
    """End the loop (SIGINT/SIGTERM): at once, or after the request it is serving, which is then
    answered, as a thread's request is when the server stops."""
    if _Loop.serving:
        _Loop.stop_asked = True
    else:
        raise SystemExit(0)


class FaultTask(WSGITask):
    """Serves a request; a ``drop`` fault closes the connection without writing a byte."""

    def get_environment(self) -> dict[str, Any]:
        environ: dict[str, Any] = super().get_environment()
        environ[NO_WAIT] = getattr(self.channel, "serving_in_loop", False)
        fault = getattr(self.request, "mock_infobip_fault", None)
        if fault is not None:  # taken when the loop began to serve it
            environ[PRESET_FAULT] = fault
        return environ

    def service(self) -> None:
        try:
            super().service()
        except DropConnection:
            self.close_on_finish = True

    def write(self, data: bytes) -> None:
        """waitress's ``write``, but the head and a body that follows it at once leave in one write
        (waitress writes each on its own: two sends, two segments, where one does)."""
        if self.wrote_header or not data or not self.complete:
            super().write(data)
            return
        head = self.build_response_header()
        self.wrote_header = True
        length = self.content_length
        if self.has_body and not self.chunked_response and length is not None and len(data) <= length:
            self.content_bytes_written += len(data)
            self.channel.write_soon(head + data)
            return
        self.channel.write_soon(head)
        super().write(data)  # the body as waitress writes it after its head


class FaultChannel(HTTPChannel):
    task_class = FaultTask
    loop_thread: int | None = None  # set while the loop reads this connection or serves it
    serve_in_loop = False  # the dispatcher gave the loop the next request
    serving_in_loop = False

    def received(self, data: bytes) -> bool:
        """waitress's ``received``; a plain request that ``data`` is whole is read by
        :func:`mock_infobip.serving.plainhttp.read_plain` instead of waitress's parser, and queued as
        waitress queues a request it has read."""
        plain = read_plain(data, self.adj) if self.request is None and not self.requests else None
        if plain is None:
            return bool(super().received(data))
        with self.requests_lock:  # type: ignore[attr-defined]  # waitress's, not in its stubs
            if self.will_close or self.close_when_flushed:
                return False
            self.requests.append(plain)  # type: ignore[attr-defined]  # a list at run time
            self.server.add_task(self)  # type: ignore[arg-type]  # waitress queues channels as tasks
        return True

    def handle_read(self) -> None:
        self.loop_thread = threading.get_ident()
        try:
            super().handle_read()
            while self.serve_in_loop:
                self.serve_in_loop = False
                self._serve_in_loop()
        finally:
            self.loop_thread = None

    def _serve_in_loop(self) -> None:
        self.serving_in_loop = _Loop.serving = True
        _Loop.thread = threading.get_ident()
        try:
            self.service()
        except ServeOnThread as moved:
            # nothing was answered or changed but the fault's own count: served again on a thread,
            # with the fault it took (the request is still the first of the connection's queue)
            self.requests[0].mock_infobip_fault = moved.fault  # type: ignore[attr-defined]
            self.loop_thread = None
            self.server.add_task(self)  # type: ignore[arg-type]  # waitress queues channels as tasks
        finally:
            self.serving_in_loop = _Loop.serving = False
        if _Loop.stop_asked:
            _Loop.stop_asked = False
            if self.total_outbufs_len:
                self.handle_write()  # the answer leaves before the server closes its connections
            raise SystemExit(0)


class StickyDispatcher(ThreadedTaskDispatcher):
    """Worker threads that take turns only when they must: a thread that finishes a task takes the
    next one itself, and an idle thread takes a task only while every busy thread has been busy
    for ``STUCK_AFTER`` seconds (held by a fault's latency, or a long request). Waking a thread a
    request, as waitress's own dispatcher does, costs this app more than the request: its threads
    then interleave at every SQLite call (README, Performance). The other threads stand by, so
    a held request never holds the others."""

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
    """The loop, the Infobip lane and the control lane (see the module's docstring).
    ``faults_set``: whether any fault is set (then every Infobip request goes to a thread)."""

    def __init__(self, threads: int, control_threads: int, faults_set: Callable[[], bool]) -> None:
        super().__init__()
        self.set_thread_count(threads)
        self.control = ThreadedTaskDispatcher()
        self.control.set_thread_count(control_threads)
        self._faults_set = faults_set

    def add_task(self, task: Task) -> None:
        # ``task`` is a connection; the request to serve is the first of its queue
        queued = getattr(task, "requests", None)
        request = queued[0] if queued else getattr(task, "request", None)
        path = str(getattr(request, "path", "") or "")
        if path and not infobip_path(path):
            self.control.add_task(task)
        elif (
            request is not None
            and getattr(task, "loop_thread", None) == threading.get_ident()
            and request.content_length <= LOOP_MAX_BODY
            and getattr(task, "total_outbufs_len", 0) < LOOP_MAX_PENDING_OUTPUT
            and not self._faults_set()
        ):
            task.serve_in_loop = True  # type: ignore[attr-defined]
        else:
            super().add_task(task)

    def shutdown(self, cancel_pending: bool = True, timeout: int = 5) -> bool:
        self.control.shutdown(cancel_pending, timeout)
        done: bool = super().shutdown(cancel_pending, timeout)
        return done

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

from mock_infobip.clock import elapsed
from mock_infobip.web import NO_WAIT, PRESET_FAULT, DropConnection, ServeOnThread, infobip_path

# What the loop serves itself: a body up to this size (a create list, an add of ~1,000 ids, a send
# of a few hundred messages), and only while the connection has little output waiting.
LOOP_MAX_BODY = 64 * 1024
LOOP_MAX_PENDING_OUTPUT = 1024 * 1024


class _Loop:
    """Whether the loop is inside the app, and a stop asked for meanwhile (see :func:`stop`)."""

    serving = False
    stop_asked = False


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


class FaultChannel(HTTPChannel):
    task_class = FaultTask
    loop_thread: int | None = None  # set while the loop reads this connection or serves it
    serve_in_loop = False  # the dispatcher gave the loop the next request
    serving_in_loop = False

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

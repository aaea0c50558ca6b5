"""``serve --workers N``: N processes serving one port, sharing the database file (Unix: fork).

Pre-fork on one listening socket, as gunicorn does:

- the parent opens the database once (schema, default account and key, the banner), binds the
  port (a port already in use, by anything, another ``serve`` included, is one error before
  anything starts), then forks the workers, which inherit its socket; each accepts one connection
  at a time when it is free, so connections spread over the workers that have time for them. The
  parent keeps the socket, so a restarted worker takes up its queue and no connection is refused
  meanwhile;
- each worker opens its own connection to the file and serves; every write is a SQLite
  transaction, so rate limits, fault ``times`` and the journal stay exact across workers;
- worker 0 runs the one background scheduler (reports, callbacks, inbound forwards), polling the
  database as it does not hear the other workers' kicks: a report due "at once" after a send served
  by another worker is pushed within the poll interval (0.2 s);
- SIGINT or SIGTERM to the parent stops every worker (each finishes what it was serving, for up to
  7 s, and closes its store; one still stopping after 9 s is killed: every answer's writes were
  committed before it was sent), then the parent, with exit status 0, within the 10 s a container
  engine gives; a worker that dies is started again (in its role), unless workers keep dying at
  start, which stops the server with exit status 1;
- the parent may be PID 1 (a container): a worker knows its parent by the pid it had at the fork,
  and the parent reaps every child (its workers, and any process orphaned to it).

An in-memory database cannot be shared between processes: with ``--db :memory:`` one process serves.
Without ``os.fork`` (Windows) one process serves, and ``--workers`` above 1 is refused.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import socket
import sys
import traceback
from typing import TextIO

from mock_infobip.core.settings import Settings, SettingsError
from mock_infobip.runtime import Runtime
from mock_infobip.serving.assembly import Stopper, banner, base_url, create_server, serve_until_stopped
from mock_infobip.serving.server import listening_socket
from mock_infobip.storage.sqlite import in_memory
from mock_infobip.system.wall import elapsed, pause

RESTARTS_AT_START = 5  # workers dying within a second of starting, in a row, before giving up
STOP_SECONDS = 9  # a worker still stopping then is killed: the parent exits 0 within a container's 10 s
PR_SET_PDEATHSIG = 1
STOP_SIGNALS = {signal.SIGTERM, signal.SIGINT}


def worker_count(settings: Settings) -> int:
    if in_memory(settings.db):
        return 1
    if not hasattr(os, "fork"):
        if settings.workers > 1:
            raise SettingsError("workers: more than one worker needs os.fork (Linux, macOS, BSD)")
        return 1
    return settings.workers or os.cpu_count() or 1


def _stop_now() -> None:
    raise SystemExit(0)


def _worker(settings: Settings, index: int, sock: socket.socket, parent: int) -> None:
    """A worker process: its own store connection, the shared socket; worker 0 schedules."""
    stopper = Stopper()
    with stopper.installed():
        signal.pthread_sigmask(signal.SIG_UNBLOCK, STOP_SIGNALS)  # blocked by _fork: ours now
        die_with_parent(parent)
        runtime = Runtime(settings)
        try:
            server = create_server(runtime, sock, shared=True)
            if index == 0:
                runtime.worker.always_poll = True
                runtime.start_worker()
            serve_until_stopped(server, stopper)
        finally:
            runtime.close()


def die_with_parent(parent: int) -> None:
    """Linux: SIGTERM when the parent dies, even by ``kill -9`` (no orphan keeps the port).

    ``parent`` is the pid of the process that forked this one, read before the fork: the parent
    died before we asked if we now have another one. (Not "if our parent is 1": in a container
    the parent *is* PID 1.)"""
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    if os.getppid() != parent:
        raise SystemExit(0)


def _fork(settings: Settings, index: int, sock: socket.socket) -> int:
    parent = os.getpid()
    # A stop signal between the fork and the worker's own handlers waits for them (in the child the
    # parent's handlers would run, in the middle of Python's after-fork work)
    signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
    try:
        pid = os.fork()
    finally:
        if os.getpid() == parent:
            signal.pthread_sigmask(signal.SIG_UNBLOCK, STOP_SIGNALS)
    if pid:
        return pid
    status = 0
    try:
        _worker(settings, index, sock, parent)
    except SystemExit:
        pass
    except BaseException:
        traceback.print_exc()
        status = 1
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(status)


def run_workers(settings: Settings, count: int, out: TextIO, stopper: Stopper) -> None:
    """Serve with ``count`` worker processes until SIGINT/SIGTERM (see the module's notes)."""
    sock = listening_socket(settings.host, settings.port)
    port = int(sock.getsockname()[1])
    settings = settings.replace(port=port)
    runtime = Runtime(settings)  # the schema, the default account and key, before any worker
    try:
        text = banner(runtime, base_url(settings.host, port), workers=count)
    finally:
        runtime.close()
    sys.stdout.flush()
    sys.stderr.flush()
    workers: dict[int, tuple[int, float]] = {}  # pid -> (index, started)
    failures = 0
    try:
        stopper.wake_with(_stop_now)  # the parent's wait for its workers ends with SystemExit
        for index in range(count):
            workers[_fork(settings, index, sock)] = (index, elapsed())
        print(text, file=out, flush=True)
        while workers:
            pid, status = os.wait()
            index, started = workers.pop(pid, (-1, 0.0))
            if index < 0:
                continue
            failures = failures + 1 if elapsed() - started < 1 else 0
            if failures >= RESTARTS_AT_START:
                print(f"mock-infobip: workers keep exiting at start ({status}); stopping", file=sys.stderr)
                raise SystemExit(1)
            print(
                f"mock-infobip: worker {index} (pid {pid}) exited ({status}); started again", file=sys.stderr
            )
            workers[_fork(settings, index, sock)] = (index, elapsed())
    except SystemExit as stop:  # SIGINT/SIGTERM (the stopper): a clean stop
        if stop.code:
            raise
    finally:
        _stop_all(workers)
        sock.close()


def _stop_all(workers: dict[int, tuple[int, float]]) -> None:
    """SIGTERM every worker (again every half second, in case one came before its handler was
    set), SIGKILL after ``STOP_SECONDS``."""
    deadline = elapsed() + STOP_SECONDS
    next_signal = 0.0
    while workers and elapsed() < deadline:
        if elapsed() >= next_signal:
            for pid in workers:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGTERM)
            next_signal = elapsed() + 0.5
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            break
        if pid:
            workers.pop(pid, None)
        else:
            pause(0.02)
    for pid in workers:  # still serving after STOP_SECONDS
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)

"""``serve --workers N``: N processes serving one port, sharing the database file.

Pre-fork with ``SO_REUSEPORT`` (chosen over gunicorn: no new dependency, waitress stays the server,
and the kernel spreads connections evenly over the workers' own listening sockets, with no
thundering herd on one shared socket):

- the parent opens the database once (schema, default account and key, the banner), opens one
  listening ``SO_REUSEPORT`` socket a worker on the port (so ``--port 0`` gives every worker the
  same port, a taken port is one error before anything starts, and the port answers as soon as the
  banner says so), then forks the workers; it keeps the sockets, so a restarted worker takes over
  its socket's queue and no connection is refused meanwhile;
- each worker opens its own connection to the file and serves its own socket; every write is a
  SQLite transaction, so rate limits, fault ``times`` and the journal stay exact across workers
  (the limiter's check-and-record is one ``BEGIN IMMEDIATE`` transaction);
- worker 0 runs the one background scheduler (reports, callbacks, inbound forwards), polling the
  database as it does not hear the other workers' kicks: a report due "at once" after a send served
  by another worker is pushed within the poll interval (0.2 s);
- SIGINT or SIGTERM to the parent stops every worker (each finishes what it was serving and closes
  its store), then the parent; a worker that dies is started again (in its role), unless workers keep
  dying at start, which stops the server with exit status 1.

An in-memory database cannot be shared between processes: with ``--db :memory:`` one process serves.
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

from mock_infobip.core.clock import elapsed, pause
from mock_infobip.core.settings import Settings
from mock_infobip.core.store import in_memory
from mock_infobip.runtime import Runtime

RESTARTS_AT_START = 5  # workers dying within a second of starting, in a row, before giving up
STOP_SECONDS = 30
PR_SET_PDEATHSIG = 1


def worker_count(settings: Settings) -> int:
    if in_memory(settings.db):
        return 1
    return settings.workers or os.cpu_count() or 1


def port_socket(host: str, port: int, listen: bool) -> socket.socket:
    """A socket bound to ``host:port`` with ``SO_REUSEPORT`` (listening when ``listen``)."""
    family, kind, proto, _, address = socket.getaddrinfo(
        host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
    )[0]
    sock = socket.socket(family, kind, proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind(address)
    if listen:
        sock.listen(1024)
        sock.setblocking(False)
    return sock


def _worker(settings: Settings, index: int, sock: socket.socket) -> None:
    """A worker process: its own store connection and listening socket; worker 0 schedules."""
    from mock_infobip.serving.serve import create_server, run_until_stopped

    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, signal.SIG_DFL)
    die_with_parent()
    runtime = Runtime(settings)
    try:
        server = create_server(runtime, sock)
        if index == 0:
            runtime.worker.always_poll = True
            runtime.start_worker()
        run_until_stopped(server)
    finally:
        runtime.close()


def die_with_parent() -> None:
    """Linux: SIGTERM when the parent dies, even by ``kill -9`` (no orphan keeps the port)."""
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    if os.getppid() == 1:  # the parent died before we asked
        raise SystemExit(0)


def _fork(settings: Settings, index: int, sockets: list[socket.socket]) -> int:
    pid = os.fork()
    if pid:
        return pid
    status = 0
    try:
        for other, sock in enumerate(sockets):
            if other != index:
                sock.close()
        _worker(settings, index, sockets[index])
    except SystemExit:
        pass
    except BaseException:
        traceback.print_exc()
        status = 1
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(status)


def run_workers(settings: Settings, count: int, out: TextIO) -> None:
    """Serve with ``count`` worker processes until SIGINT/SIGTERM (see the module's notes)."""
    from mock_infobip.serving.serve import banner, base_url

    sockets = [port_socket(settings.host, settings.port, listen=True)]
    port = int(sockets[0].getsockname()[1])
    sockets += [port_socket(settings.host, port, listen=True) for _ in range(count - 1)]
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
        for index in range(count):
            workers[_fork(settings, index, sockets)] = (index, elapsed())
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
            workers[_fork(settings, index, sockets)] = (index, elapsed())
    except SystemExit as stop:  # SIGINT/SIGTERM (serve.stop_signals): a clean stop
        if stop.code:
            raise
    finally:
        _stop_all(workers)
        for sock in sockets:
            sock.close()


def _stop_all(workers: dict[int, tuple[int, float]]) -> None:
    """SIGTERM every worker, again every half second (waitress swallows an exit raised while its
    loop runs a trigger callback), SIGKILL after ``STOP_SECONDS``."""
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

"""The fake's HTTP/1.1 server: asyncio (the standard library's event loop, on every OS) and
httptools (llhttp's HTTP/1.1 parser, in C), each through its public API; one connection is a
:class:`mock_infobip.serving.connection.Connection`.

Who serves a request (:meth:`Server.lane`):

- **the event loop itself**, for a request of the Infobip API with a body up to ``LOOP_MAX_BODY``:
  no hand-over to a thread, whose context switches would cost more than the fake's own work. The
  app never waits there (``NO_WAIT``): a fault's latency comes back as ``Hold`` and is waited out
  on the loop, holding nothing;
- **the Infobip lane**: threads for larger Infobip requests;
- **the control lane**: threads of their own for the admin API, health, the dashboard and OpenAPI,
  so that nothing sent to the Infobip API keeps the controls from answering.

Any other WSGI app (the receiver, the benchmarks' bare app) is served on the control lane's
threads only.
"""

from __future__ import annotations

import asyncio
import contextlib
import email.utils
import errno
import json
import logging
import os
import socket
from collections.abc import Awaitable, Callable
from concurrent.futures import Executor, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from mock_infobip.core.faults import FaultRules, ReleaseMark
from mock_infobip.http.paths import infobip_path
from mock_infobip.serving.connection import Connection
from mock_infobip.system.net import PortInUse
from mock_infobip.wire import envelopes

log = logging.getLogger("mock_infobip.server")
LOOP_MAX_BODY = 64 * 1024
# How long a stop waits for requests being served: a stop (SIGTERM) ends within the 10 s that
# ``podman stop`` / ``docker stop`` give before SIGKILL (serve --workers kills a worker at 9 s)
STOP_SECONDS = 7
BACKLOG = 1024
# File descriptors kept free under the process's limit (RLIMIT_NOFILE): the database, logs, pipes,
# and connections still closing after being made to give way
FD_RESERVE = 100
ACCEPT_BATCH = 32  # connections accepted at most in one turn of the loop (one when sockets are shared)
ACCEPT_PAUSE = 0.1  # seconds accepting rests when the operating system has no descriptor left
FULL_LOG_EVERY = 60.0  # seconds between two log lines saying the server is full
WAKE_EVERY = 0.02  # seconds between two wakes of the requests waiting to be served again
OUT_OF_DESCRIPTORS = frozenset({errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM})


def descriptor_limit() -> int | None:
    """The process's soft limit of open files, where the OS has one (``resource`` is Unix's)."""
    try:
        import resource
    except ImportError:
        return None
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    return None if soft == resource.RLIM_INFINITY else int(soft)


@dataclass(frozen=True)
class Limits:
    header_timeout: float = 10.0  # a request's line and headers, from its first byte
    body_timeout: float = 30.0  # its body, from the end of its head
    idle_timeout: float = 30.0  # a kept-alive connection between requests
    max_body: int = 10 * 1024 * 1024  # bodies beyond this are not read (the app answers 413)
    connection_limit: int = 1000
    threads: int = 4
    control_threads: int = 2


def listening_socket(host: str, port: int) -> socket.socket:
    """A socket listening on ``host:port`` (``port`` 0: a free one), never shared with another
    process's socket: a taken port is :class:`PortInUse`."""
    family, kind, proto, _, address = socket.getaddrinfo(
        host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
    )[0]
    sock = socket.socket(family, kind, proto)
    try:
        if os.name == "posix":  # rebinding over TIME_WAIT connections; never over a listener
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        elif hasattr(socket, "SO_EXCLUSIVEADDRUSE"):  # Windows: no other socket may take the port
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_EXCLUSIVEADDRUSE, 1)
        sock.bind(address)
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE or getattr(exc, "winerror", None) == 10048:
            raise PortInUse(f"port {port} is already in use on {host}") from None
        raise
    sock.listen(BACKLOG)
    sock.setblocking(False)
    return sock


class Holds:
    """Requests waiting out a fault's latency on the loop. Deleting faults ends their wait: in this
    process at once (the rules' release event, looked at with the others), in any other process on
    the database within ``POLL`` seconds (one read of the deletions counter for all of them)."""

    POLL = 0.05

    def __init__(self, loop: asyncio.AbstractEventLoop, faults: FaultRules | None) -> None:
        self._loop = loop
        self._faults = faults
        self._waiting: dict[asyncio.Future[None], tuple[ReleaseMark | None, asyncio.TimerHandle]] = {}
        self._poller: asyncio.TimerHandle | None = None

    def wait(self, seconds: float) -> asyncio.Future[None]:
        waiting: asyncio.Future[None] = self._loop.create_future()
        mark = self._faults.mark() if self._faults is not None else None
        self._waiting[waiting] = (mark, self._loop.call_later(seconds, _finish, waiting))
        waiting.add_done_callback(self._forget)
        if self._poller is None and self._faults is not None:
            self._poller = self._loop.call_later(self.POLL, self._poll)
        return waiting

    def __len__(self) -> int:
        return len(self._waiting)

    def _forget(self, waiting: asyncio.Future[None]) -> None:
        entry = self._waiting.pop(waiting, None)
        if entry is not None:
            entry[1].cancel()

    def _poll(self) -> None:
        self._poller = None
        if not self._waiting or self._faults is None:
            return
        deletions = self._faults.deletions()
        for waiting, (mark, _) in list(self._waiting.items()):
            if mark is not None and FaultRules.released(mark, deletions):
                _finish(waiting)
        self._poller = self._loop.call_later(self.POLL, self._poll)


def _finish(waiting: asyncio.Future[None]) -> None:
    if not waiting.done():
        waiting.set_result(None)


class Server:
    """Serves ``app`` on listening sockets until :meth:`serve`'s ``until`` is done.

    ``faults``: the fake's fault rules (for held requests); None for an app that is not the fake,
    which is then served on threads only. ``shared``: the sockets are shared with other processes
    (``serve --workers``), so a connection is accepted one at a time, by whichever process is free.
    """

    def __init__(
        self,
        app: Callable[..., Any],
        sockets: list[socket.socket],
        limits: Limits,
        *,
        faults: FaultRules | None = None,
        journal_flush: Callable[[], None] | None = None,
        ident: str = "mock-infobip",
        shared: bool = False,
    ) -> None:
        self.app = app
        self.sockets = sockets
        self.limits = limits
        self.faults = faults
        self.journal_flush = journal_flush
        self._outbox: list[tuple[Connection, bytes, bool]] = []
        self._journal_due = False
        self._again: set[asyncio.Future[None]] = set()  # requests waiting to be served again
        self._wake_due = False
        self._woken_at = 0.0
        self.ident = ident
        self.shared = shared
        address = sockets[0].getsockname()
        self.host, self.port = str(address[0]), int(address[1])
        self.stopping = False
        self.connections: dict[Connection, None] = {}  # in the order they came
        fds = descriptor_limit()
        self.capacity = (
            limits.connection_limit if fds is None else max(1, min(limits.connection_limit, fds - FD_RESERVE))
        )
        self._starting = 0  # accepted, their Connection not made yet
        self._listeners: list[asyncio.Server] = []  # where the loop accepts for us (no readers)
        self._full_logged: float | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._holds: Holds | None = None
        self._all_closed: asyncio.Event | None = None
        self.infobip_lane: Executor = ThreadPoolExecutor(limits.threads, "mock-infobip-api")
        self.control_lane: Executor = ThreadPoolExecutor(limits.control_threads, "mock-infobip-control")

    @property
    def loop(self) -> asyncio.AbstractEventLoop:
        assert self._loop is not None, "the server is not serving"
        return self._loop

    @property
    def holds(self) -> Holds:
        assert self._holds is not None, "the server is not serving"
        return self._holds

    # --- what connections ask --------------------------------------------------------------------

    def lane(self, environ: dict[str, Any]) -> Executor | None:
        """Where a request is served: None for the loop itself (see the module's docstring)."""
        if self.faults is None or not infobip_path(environ["PATH_INFO"]):
            return self.control_lane
        if int(environ["CONTENT_LENGTH"]) <= LOOP_MAX_BODY:
            return None
        return self.infobip_lane

    def refusal(self, status: int) -> tuple[list[tuple[str, str]], bytes]:
        """The answer to a request the server could not read (not HTTP/1.1, too large a head)."""
        if self.faults is None:
            return [("Content-Type", "text/plain")], f"{status}\n".encode()
        body = json.dumps(envelopes.error_body(envelopes.LEGACY, status)).encode()
        return [("Content-Type", "application/json;charset=UTF-8")], body

    def extra_headers(self, headers: list[tuple[str, str]]) -> list[tuple[str, str]]:
        """The headers a server adds to an app's: Date and Server, unless the app gave them."""
        given = {name.lower() for name, _ in headers}
        extra = []
        if "date" not in given:
            extra.append(("Date", email.utils.formatdate(usegmt=True)))
        if "server" not in given:
            extra.append(("Server", self.ident))
        return extra

    def opened(self, connection: Connection) -> None:
        self.connections[connection] = None
        if self._starting:  # counted from now on as a connection, not as one starting
            self._starting -= 1
        if self._listeners and len(self.connections) > self.capacity and not self._make_room(connection):
            self._full(f"{self.capacity} connections open")
            connection.close()  # where the loop accepts for us (Windows' proactor): closed once made

    def waiting(self) -> int:
        """Requests held on the loop, holding no thread: by a fault's latency, or waiting to be
        served again (``GET /__admin/messages?wait=``)."""
        return sum(1 for connection in self.connections if connection.holding is not None)

    def served_again_later(self, waiting: asyncio.Future[None]) -> None:
        """A request that waits (``Again``: ``GET /__admin/messages?wait=``) until ``waiting`` is
        done: at its time, or sooner when :meth:`wake` says something may have arrived."""
        self._again.add(waiting)
        waiting.add_done_callback(self._again.discard)

    def wake(self) -> None:
        """Something a waiting request may wait for may have arrived (a request that may write was
        answered here; another process or host said so): the waiting requests look again now
        instead of at their next poll, at most every :data:`WAKE_EVERY` s (on the loop)."""
        if self._wake_due or not self._again:
            return
        self._wake_due = True
        self.loop.call_later(max(0.0, self._woken_at + WAKE_EVERY - self.loop.time()), self._wake)

    def _wake(self) -> None:
        self._wake_due = False
        self._woken_at = self.loop.time()
        for waiting in list(self._again):
            if not waiting.done():
                waiting.set_result(None)

    def wake_from_thread(self, _notice: str = "") -> None:
        """:meth:`wake`, from any thread (the store's ear on PostgreSQL: what another host did)."""
        loop = self._loop
        if loop is None or loop.is_closed() or not self._again:  # nobody waits: the loop sleeps on
            return
        with contextlib.suppress(RuntimeError):  # the loop closed meanwhile
            loop.call_soon_threadsafe(self.wake)

    def closed(self, connection: Connection) -> None:
        self.connections.pop(connection, None)
        if self.stopping and not self.connections and self._all_closed is not None:
            self._all_closed.set()

    def send_after_journal(self, connection: Connection, data: bytes, close: bool) -> None:
        """An answer of a request the loop served, sent once the journal's entries of this turn
        of the loop are written (together: ``journal_flush``)."""
        self._outbox.append((connection, data, close))
        self.schedule_journal()

    def schedule_journal(self) -> None:
        if not self._journal_due:
            self._journal_due = True
            self.loop.call_soon(self._write_journal)

    def _write_journal(self) -> None:
        self._journal_due = False
        try:
            if self.journal_flush is not None:
                self.journal_flush()
        except Exception as exc:  # the journal is a record of the requests: the answers leave all the same
            self.log_error(exc)
        outbox, self._outbox = self._outbox, []
        for connection, data, close in outbox:
            connection.send(data, close)

    def log_error(self, error: BaseException) -> None:
        log.error("error serving a request", exc_info=error)

    # --- serving ---------------------------------------------------------------------------------

    async def serve(self, until: Awaitable[Any], ready: Callable[[], None] | None = None) -> None:
        """Serve until ``until`` is done, then stop: no new connection, the requests being served
        answered (for up to ``STOP_SECONDS``), every connection closed."""
        loop = self._loop = asyncio.get_running_loop()
        self._holds = Holds(loop, self.faults)
        for sock in self.sockets:
            try:
                loop.add_reader(sock.fileno(), self._accept, sock)
            except NotImplementedError:  # a loop without readers (Windows' proactor) accepts for us
                self._listeners.append(
                    await loop.create_server(lambda: Connection(self), sock=sock, backlog=BACKLOG)
                )
        if ready is not None:
            ready()
        try:
            await until
        finally:
            await self._stop()

    # --- accepting: never more connections than the server can hold --------------------------------

    def _accept(self, sock: socket.socket) -> None:
        """Connections waiting on ``sock``: a few a turn (one when other processes accept from it
        too, so that the free one takes the next)."""
        for _ in range(1 if self.shared else ACCEPT_BATCH):
            try:
                conn, _ = sock.accept()
            except (BlockingIOError, InterruptedError, ConnectionAbortedError):
                return  # none left (or another process took it)
            except OSError as exc:
                if exc.errno not in OUT_OF_DESCRIPTORS:
                    raise
                self._full(f"out of file descriptors ({exc.strerror})")
                self._rest(sock)  # the connections wait in the kernel's backlog meanwhile
                return
            self._admit(conn)

    def _admit(self, conn: socket.socket) -> None:
        """Serve an accepted connection within :attr:`capacity`: when full, the oldest connection
        serving nothing makes room (a client that trickles its request, or keeps an idle
        connection, never locks the others out), else the new one is closed at once."""
        if len(self.connections) + self._starting >= self.capacity and not self._make_room(None):
            self._full(f"{self.capacity} connections open")
            conn.close()
            return
        conn.setblocking(False)
        self._starting += 1
        task = self.loop.create_task(self.loop.connect_accepted_socket(lambda: Connection(self), conn))
        task.add_done_callback(self._started)

    def _make_room(self, spare: Connection | None) -> bool:
        """Close the oldest connection serving nothing (but ``spare``); False if there is none, or
        too many are still closing (each holds its descriptor until the loop lets it go)."""
        closing = 0
        oldest: Connection | None = None
        for connection in self.connections:
            if connection.closed:
                closing += 1
            elif oldest is None and connection is not spare and connection.idle():
                oldest = connection
        if oldest is None or closing >= FD_RESERVE // 2:
            return False
        oldest.close()
        return True

    def _started(self, task: asyncio.Task[Any]) -> None:
        if task.cancelled() or task.exception() is not None:  # never made: no longer starting
            self._starting = max(0, self._starting - 1)
            if not task.cancelled():
                log.debug("a connection could not be set up", exc_info=task.exception())

    def _rest(self, sock: socket.socket) -> None:
        fd = sock.fileno()
        self.loop.remove_reader(fd)

        def resume() -> None:
            if not self.stopping:
                self.loop.add_reader(fd, self._accept, sock)

        self.loop.call_later(ACCEPT_PAUSE, resume)

    def _full(self, why: str) -> None:
        """Say once a minute that connections are turned away (never once a connection)."""
        now = self.loop.time()
        if self._full_logged is None or now - self._full_logged >= FULL_LOG_EVERY:
            self._full_logged = now
            log.warning("server full (%s): new connections are closed at once until some end", why)

    async def _stop(self) -> None:
        self.stopping = True
        self._all_closed = asyncio.Event()
        for sock in self.sockets:
            if not self._listeners:
                self.loop.remove_reader(sock.fileno())
        for listener in self._listeners:
            listener.close()
        if not self.shared:  # a shared socket is its parent's to close
            for sock in self.sockets:
                sock.close()
        for connection in list(self.connections):
            if connection.streaming is not None:
                connection.end_stream()
            elif connection.idle() or connection.holding is not None:
                connection.close()
        if self.connections:
            try:
                await asyncio.wait_for(self._all_closed.wait(), STOP_SECONDS)
            except TimeoutError:
                for connection in list(self.connections):
                    connection.close()
        for listener in self._listeners:
            await listener.wait_closed()
        for lane in (self.infobip_lane, self.control_lane):
            lane.shutdown(wait=True, cancel_futures=True)

"""The store on PostgreSQL (psycopg 3): the same interface as :class:`mock_infobip.storage.interface.Store`
and the same statements, run as written (their named parameters bound in psycopg's style by
:mod:`mock_infobip.storage.sql`), so the services run unchanged on either.

Writers that share something take their turn: a write transaction first takes the
transaction-level advisory locks of what it shares (an account's, the scheduler's, the
configuration's: :meth:`PostgresStore.write`), so what the services count and then write (limits,
duplicates) stays exact across the processes and hosts sharing the database, while writes of
different accounts go on at once. What every request reads and only the controls change is
kept per process while the database's configuration version (``meta.config_version``, moved by
triggers on the watched tables in the same transaction as the change) has not moved.

Connections come from a pool (psycopg_pool): a transaction is its thread's (nested ``write`` and
``read`` calls on that thread join it), reads outside one take any free connection, so requests
read in parallel and write in turn. Results are read whole before the connection goes back.

Several hosts, one fake (docs/shared.md): the scheduler runs where :meth:`PostgresStore.lead`
holds a session advisory lock on a connection of its own, which PostgreSQL releases when that
process dies; every host reads the time through the database server's clock (the offset of its
own measured when the store opens), so the one clock record means one time on every host.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import zlib
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, TypeVar

from mock_infobip.storage.dialect import POSTGRES
from mock_infobip.storage.interface import CONFIGURATION, Params
from mock_infobip.storage.locator import scrubbed, shown
from mock_infobip.storage.migrations import NewerDatabase, upgrade
from mock_infobip.storage.pgconnection import Connection, Cursor, row_factory
from mock_infobip.storage.schema import WATCHED, WORK
from mock_infobip.storage.sql import insert_statement, numbered
from mock_infobip.storage.sqlite import StoreOperations, UnusableDatabase
from mock_infobip.system.wall import elapsed, offset_ms, pause

T = TypeVar("T")
log = logging.getLogger("mock_infobip.store")

WRITE_LOCK = 7_365_001  # the advisory lock the schema's upgrade takes
LOCK_SPACE = 7_365  # the first key of the advisory locks of writes (the second: lock_key)
SCHEDULER_LOCK = 7_365_002  # the session lock of the one process that runs the scheduler
POOL_TIMEOUT = 60.0  # seconds a statement waits for a free connection (writes take turns anyway)
# the leader's session: the server notices a host that vanished (no FIN) within about 11 s and
# ends its session, which releases the scheduler's lock
KEEPALIVES = {"keepalives": 1, "keepalives_idle": 5, "keepalives_interval": 2, "keepalives_count": 3}
LEADER_SESSION = {"tcp_keepalives_idle": 5, "tcp_keepalives_interval": 2, "tcp_keepalives_count": 3}
CACHE_ENTRIES = 4096
INSERT_PARAMETERS = 2_000  # parameters a multi-row insert binds (PostgreSQL takes up to 65,535)
VERSION_KEY = "config_version"
CHANNEL = "mock_infobip"  # the notices of changes (LISTEN/NOTIFY): config:<version>, work
LISTEN_TIMEOUT = 1.0  # seconds the ear waits for a notice before it checks whether to stop
RECONNECT_SECONDS = 1.0


def lock_key(name: str) -> int:
    """The advisory lock of ``name`` (a 32-bit number: names that share one only wait more)."""
    return zlib.crc32(name.encode()) - 2**31


class UnusablePostgres(UnusableDatabase):
    """The PostgreSQL database cannot be reached or set up."""


NOT_UP_YET = {None, "57P03"}  # no server answers (refused, no route); "the database system is starting up"


def _connection_options() -> dict[str, Any]:
    """Every connection of the store's: autocommit (transactions are the store's), rows by name and
    position, and text in UTF-8 whatever the database's encoding (on a SQL_ASCII database, which
    ``initdb`` makes without a UTF-8 locale, psycopg would otherwise return text as bytes)."""
    return {"autocommit": True, "row_factory": row_factory, "client_encoding": "utf8"}


def _connect_when_up(url: str, wait: float) -> Any:
    """A first connection, waiting up to ``wait`` seconds for a server that is not up yet (started
    beside the fake by compose); any other refusal (password, no such database) at once."""
    import psycopg

    deadline = elapsed() + wait
    while True:
        try:
            return psycopg.connect(url, **_connection_options())
        except psycopg.OperationalError as exc:
            if exc.sqlstate not in NOT_UP_YET or elapsed() >= deadline:
                raise
            pause(0.5)


class Listener:
    """This process's ear on the database (``LISTEN``), on a connection of its own: what other
    processes and hosts committed is heard here instead of polled for. ``config:<n>`` is the
    configuration version moving to n (:func:`_watch`'s triggers), ``work`` new status events or
    pushes. Every notice is handed to the callbacks (the scheduler's worker wakes); the last
    version heard is :attr:`version`, None while the ear is not connected (then readers ask the
    database, as before)."""

    def __init__(self, url: str) -> None:
        self._url = url
        self.version: int | None = None
        self._callbacks: list[Callable[[str], None]] = []
        self._stopping = threading.Event()
        self.connected = threading.Event()  # set while it listens
        self._conn: Any = None
        self._thread = threading.Thread(target=self._run, name="mock-infobip-listener", daemon=True)
        self._thread.start()

    def subscribe(self, callback: Callable[[str], None]) -> None:
        self._callbacks.append(callback)

    def _run(self) -> None:
        import psycopg

        while not self._stopping.is_set():
            try:
                with psycopg.connect(self._url, **_connection_options()) as conn:
                    self._conn = conn
                    conn.execute(f"LISTEN {CHANNEL}")
                    row = conn.execute("SELECT value FROM meta WHERE key = %s", (VERSION_KEY,)).fetchone()
                    self.version = 0 if row is None else int(row[0])
                    self.connected.set()
                    self._tell("connected")  # what was missed while deaf: look again
                    while not self._stopping.is_set():
                        for notice in conn.notifies(timeout=LISTEN_TIMEOUT, stop_after=1):
                            self._heard(notice.payload)
            except psycopg.Error:
                self.version = None
                self._stopping.wait(RECONNECT_SECONDS)
            finally:
                self.connected.clear()
                self.version = None
                self._conn = None

    def _heard(self, payload: str) -> None:
        kind, _, value = payload.partition(":")
        if kind == "bye":  # a process closing its ear (its own ends the wait; others ignore it)
            return
        if kind == "config" and value.isdigit():
            self.version = max(self.version or 0, int(value))
        self._tell(kind)

    def _tell(self, kind: str) -> None:
        for callback in list(self._callbacks):
            try:
                callback(kind)
            except Exception:  # a listener's callback never stops the ear
                log.exception("notice callback failed")

    def close(self, notify: Callable[[], object]) -> None:
        """Stop listening; ``notify()`` sends a ``bye`` notice, which ends the wait at once."""
        self._stopping.set()
        if self._conn is not None:
            with contextlib.suppress(Exception):
                notify()
        self._thread.join(timeout=LISTEN_TIMEOUT + 2)


class PostgresStore(StoreOperations):
    """The store on a PostgreSQL database (a ``postgresql://`` URL), shared by every process and
    host given the same URL."""

    engine = "postgresql"
    in_memory = False
    notices = True  # it hears other processes' changes (:meth:`subscribe`): no need to poll fast
    shared_by_hosts = True  # the scheduler leads by lock (:meth:`lead`), the worker always polls

    def __init__(self, url: str, *, connections: int = 8, wait: float = 0) -> None:
        import psycopg
        from psycopg_pool import ConnectionPool

        self.path = url
        self._local = threading.local()
        self._cache: dict[str, tuple[int, object]] = {}
        self._leader: Any = None  # the connection that holds the scheduler's lock, once taken
        self._leading = False
        try:
            with _connect_when_up(url, wait) as raw:
                self.wall_offset_ms = _clock_offset_ms(raw)
                with raw.transaction():
                    raw.execute("SELECT pg_advisory_xact_lock(%s)", (WRITE_LOCK,))
                    self.upgraded = upgrade(Connection(raw), POSTGRES)  # the migrations say their own SQL
                    if self.upgraded[0] != self.upgraded[1]:
                        _watch(raw)
        except psycopg.Error as exc:
            raise UnusablePostgres(
                f"database {shown(url)!r} cannot be used: {' '.join(scrubbed(str(exc), url).split())}"
            ) from None
        except NewerDatabase as exc:
            raise UnusablePostgres(f"database {shown(url)!r} cannot be used: {exc}") from None
        self._pool = ConnectionPool(
            url,
            min_size=1,
            max_size=max(2, connections),
            kwargs=_connection_options(),
            timeout=POOL_TIMEOUT,
            name="mock-infobip",
            open=True,
        )
        self._listener = Listener(url)

    def subscribe(self, callback: Callable[[str], None]) -> None:
        """Call ``callback(kind)`` when another process or host commits a change: ``config``,
        ``work`` (status events or pushes to carry out), ``connected`` (heard nothing meanwhile)."""
        self._listener.subscribe(callback)

    def listening(self, timeout: float) -> bool:
        """Whether this store hears notices (waiting up to ``timeout`` s for its ear to connect)."""
        return self._listener.connected.wait(timeout)

    def version(self) -> int:
        """The configuration version: read once in a request (:meth:`request`) until this thread
        writes (a change made meanwhile by another host is the next request's, as if it came after
        this one)."""
        local = self._local
        known: int | None = getattr(local, "version", None)
        if known is not None:
            return known
        with self.read() as conn:  # (never what the ear heard: a change just committed elsewhere
            # may not have been heard yet, and the next read must see it)
            row = conn.execute("SELECT value FROM meta WHERE key = :key", {"key": VERSION_KEY}).fetchone()
        found = 0 if row is None else int(row[0])
        if getattr(local, "requests", 0):
            local.version = found
        return found

    @contextmanager
    def request(self, turn: bool = False) -> Iterator[None]:
        """The handling of one request on this thread: the configuration version is read once.
        ``turn``: the request is served on the server's event loop, whose requests of one turn
        share the version one of them read (:meth:`end_turn` forgets it when the turn ends). That
        is no older than any of them: the loop read their bytes before the turn began."""
        local = self._local
        local.requests = getattr(local, "requests", 0) + 1
        if turn:
            local.version = getattr(local, "turn_version", None)
        try:
            yield
        finally:
            local.requests -= 1
            if turn:  # what it read last (None after a write of its own: read again)
                local.turn_version = getattr(local, "version", None)
            local.version = None

    def end_turn(self) -> None:
        """The server's loop turn is over (on its thread): the next request reads the version."""
        self._local.turn_version = None

    def cached(self, name: str, load: Callable[[], T], *, keep_none: bool = True) -> T:
        version = self.version()  # read before loading: a value is never older than it
        found = self._cache.get(name)
        if found is not None and found[0] == version:
            return found[1]  # type: ignore[return-value]
        value = load()
        if value is None and not keep_none:
            return value
        if len(self._cache) >= CACHE_ENTRIES:
            self._cache.clear()
        self._cache[name] = (version, value)
        return value

    @contextmanager
    def _connection(self) -> Iterator[Any]:
        """This thread's connection: the one its outer ``read``/``write`` holds, else one from the pool."""
        local = self._local
        held = getattr(local, "raw", None)
        if held is not None:
            yield held
            return
        with self._pool.connection() as raw:
            local.raw = raw
            try:
                yield raw
            finally:
                local.raw = None

    @contextmanager
    def write(self, *locks: str) -> Iterator[Connection]:
        """A write transaction; nested calls join the outer one. It first takes the locks of what
        it shares with other writers (``locks``: an account's sends and lists, the scheduler's
        work…; none named: :data:`CONFIGURATION`), each a transaction-level advisory lock, so
        writes that share nothing run at once on every host and those that share take turns."""
        local = self._local
        if getattr(local, "writing", None) is not None:
            held: set[int] = local.locks
            for key in sorted(set(map(lock_key, locks or (CONFIGURATION,))) - held):  # joined late
                local.writing.execute(
                    "SELECT pg_advisory_xact_lock(:space, :key)", {"space": LOCK_SPACE, "key": key}
                )
                held.add(key)
            yield local.writing
            return
        keys = sorted(set(map(lock_key, locks or (CONFIGURATION,))))
        with self._connection() as raw:
            local.version = None  # this write may change it: read again after
            pending: list[Cursor] = []
            try:
                # BEGIN, the locks, the statements and COMMIT go out pipelined: a write that reads
                # nothing back is one round trip; the pipeline's end waits for the COMMIT
                with raw.pipeline() as pipeline, raw.transaction():
                    for key in keys:  # in one order everywhere: no two writers wait on each other
                        raw.execute("SELECT pg_advisory_xact_lock(%s, %s)", (LOCK_SPACE, key))
                    local.locks = set(keys)
                    local.writing = Connection(raw, pipeline, pending)
                    yield local.writing
                for cursor in pending:  # every answer is in: read them before the connection goes back
                    cursor.settle()
            finally:
                local.writing = None
                local.version = None

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """Reads: inside a write they join it; otherwise each statement sees what was committed
        when it began (autocommit, as on SQLite)."""
        writing = getattr(self._local, "writing", None)
        if writing is not None:  # inside this thread's write: its transaction
            yield writing
            return
        with self._connection() as raw:
            yield Connection(raw)

    def insert_rows(self, table: str, columns: tuple[str, ...], rows: Sequence[Params]) -> None:
        """``rows`` inserted into ``table``, nothing read back: multi-row statements of up to
        :data:`INSERT_ROWS` rows, each one execution on the server (an ``executemany`` is one a
        row, and psycopg's work for each), and outside a write no transaction to open and close:
        a loop turn's journal is one round trip. Outside a write each statement is atomic on its
        own; inside one, all are the write's."""
        step = max(1, INSERT_PARAMETERS // len(columns))
        for start in range(0, len(rows), step):
            chunk = rows[start : start + step]
            self.execute(insert_statement(table, columns, len(chunk)), numbered(columns, chunk))

    def execute(self, sql: str, params: Params | None = None) -> Cursor:
        """One statement, atomic on its own."""
        self._local.version = None  # it may change what is cached
        writing = getattr(self._local, "writing", None)
        if writing is not None:
            return writing.execute(sql, params)  # type: ignore[no-any-return]
        with self._connection() as raw:
            return Connection(raw).execute(sql, params)

    def lead(self) -> bool:
        """Whether this process runs the scheduler: it holds the scheduler's session lock, or takes
        it now if it is free. The lock lives as long as the connection that took it: when this
        process dies (even by ``kill -9``) PostgreSQL ends the session and another process's next
        ``lead()`` takes it (the session's TCP keepalives find a host that vanished)."""
        import psycopg

        try:
            if self._leader is None or self._leader.closed:
                self._leading = False
                conninfo = psycopg.conninfo.make_conninfo(self.path, **KEEPALIVES)
                self._leader = psycopg.connect(conninfo, autocommit=True)
                for setting, value in LEADER_SESSION.items():
                    self._leader.execute(f"SET {setting} = {value}")
            if self._leading:
                self._leader.execute("SELECT 1")  # the session (and so the lock) is still there
            else:
                found = self._leader.execute("SELECT pg_try_advisory_lock(%s)", (SCHEDULER_LOCK,))
                self._leading = bool(found.fetchone()[0])
        except psycopg.Error:
            self._drop_leader()
        return self._leading

    def _drop_leader(self) -> None:
        self._leading = False
        if self._leader is not None:
            with contextlib.suppress(Exception):
                self._leader.close()
            self._leader = None

    def close(self) -> None:
        self._drop_leader()  # the lock goes with the session: another host leads from its next poll
        self._listener.close(lambda: self.execute("SELECT pg_notify(:channel, 'bye')", {"channel": CHANNEL}))
        self._pool.close()


def _watch(raw: Any) -> None:
    """Triggers that move the configuration version in the transaction that changes a watched table
    (every process reads the version before it trusts what it cached)."""
    raw.execute("INSERT INTO meta (key, value) VALUES (%s, '0') ON CONFLICT (key) DO NOTHING", (VERSION_KEY,))
    raw.execute(
        "CREATE OR REPLACE FUNCTION mock_infobip_changed() RETURNS trigger LANGUAGE plpgsql AS $$ "
        "DECLARE moved text; "
        f"BEGIN UPDATE meta SET value = (value::bigint + 1)::text WHERE key = '{VERSION_KEY}' "
        f"RETURNING value INTO moved; PERFORM pg_notify('{CHANNEL}', 'config:' || moved); "
        "RETURN NULL; END $$"
    )
    raw.execute(  # new work for the scheduler, wherever it runs (heard at the commit)
        "CREATE OR REPLACE FUNCTION mock_infobip_work() RETURNS trigger LANGUAGE plpgsql AS $$ "
        f"BEGIN PERFORM pg_notify('{CHANNEL}', 'work'); RETURN NULL; END $$"
    )
    for table, events in WATCHED.items():
        raw.execute(f"DROP TRIGGER IF EXISTS watch_{table} ON {table}")
        raw.execute(
            f"CREATE TRIGGER watch_{table} AFTER {' OR '.join(events)} ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION mock_infobip_changed()"
        )
    for table, events in WORK.items():
        raw.execute(f"DROP TRIGGER IF EXISTS work_{table} ON {table}")
        raw.execute(
            f"CREATE TRIGGER work_{table} AFTER {' OR '.join(events)} ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION mock_infobip_work()"
        )


def _clock_offset_ms(raw: Any) -> int:
    """The database server's clock less this host's (ms): every host reads the time as the
    server's, so hosts whose clocks differ still share one time."""
    return offset_ms(lambda: float(raw.execute("SELECT extract(epoch FROM clock_timestamp())").fetchone()[0]))

"""The store on PostgreSQL (psycopg 3): the same interface as :class:`mock_infobip.core.store.Store`
and the same statements, run as written (their named parameters bound in psycopg's style by
:mod:`mock_infobip.storage.sql`), so the services run unchanged on either.

As on SQLite, writers take their turn: a write transaction first takes one transaction-level
advisory lock, so what the services count and then write (limits, ids) stays exact across the
processes and hosts sharing the database. What every request reads and only the controls change is
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
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, TypeVar

from mock_infobip.core.clock import elapsed, offset_ms, pause
from mock_infobip.core.dialect import POSTGRES
from mock_infobip.core.errors import InvalidRequest
from mock_infobip.core.migrations import NewerDatabase, upgrade
from mock_infobip.core.redact import redact
from mock_infobip.core.schema import WATCHED
from mock_infobip.core.store import StoreOperations, UnusableDatabase
from mock_infobip.storage.interface import Params
from mock_infobip.storage.sql import check_params, pyformat

T = TypeVar("T")

WRITE_LOCK = 7_365_001  # the advisory lock every write transaction takes first
SCHEDULER_LOCK = 7_365_002  # the session lock of the one process that runs the scheduler
POOL_TIMEOUT = 60.0  # seconds a statement waits for a free connection (writes take turns anyway)
# the leader's session: the server notices a host that vanished (no FIN) within about 11 s and
# ends its session, which releases the scheduler's lock
KEEPALIVES = {"keepalives": 1, "keepalives_idle": 5, "keepalives_interval": 2, "keepalives_count": 3}
LEADER_SESSION = {"tcp_keepalives_idle": 5, "tcp_keepalives_interval": 2, "tcp_keepalives_count": 3}
CACHE_ENTRIES = 4096
VERSION_KEY = "config_version"
ROOT_FIELD = "body"
NUL_REFUSED = "must not contain the NUL character (\\u0000): a fake on PostgreSQL cannot store it"


class UnusablePostgres(UnusableDatabase):
    """The PostgreSQL database cannot be reached or set up."""


NOT_UP_YET = {None, "57P03"}  # no server answers (refused, no route); "the database system is starting up"


def _connection_options() -> dict[str, Any]:
    """Every connection of the store's: autocommit (transactions are the store's), rows by name and
    position, and text in UTF-8 whatever the database's encoding (on a SQL_ASCII database, which
    ``initdb`` makes without a UTF-8 locale, psycopg would otherwise return text as bytes)."""
    return {"autocommit": True, "row_factory": _row_factory, "client_encoding": "utf8"}


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


class Row:
    """A row readable by column name and by position, as ``sqlite3.Row``."""

    __slots__ = ("_index", "_values")

    def __init__(self, values: Sequence[Any], index: dict[str, int]) -> None:
        self._values = values
        self._index = index

    def __getitem__(self, key: int | str) -> Any:
        return self._values[key] if isinstance(key, int) else self._values[self._index[key]]

    def keys(self) -> list[str]:
        return list(self._index)

    def __iter__(self) -> Iterator[Any]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)


def _row_factory(cursor: Any) -> Callable[[Sequence[Any]], Row]:
    index = {column.name: i for i, column in enumerate(cursor.description or ())}
    return lambda values: Row(values, index)


class Cursor:
    """What the services read of a cursor: rows and ``rowcount``.

    Outside a write the rows are read whole at once. In a write transaction the statements are
    pipelined (psycopg's pipeline mode: sent without waiting for each answer), so a cursor waits for
    its results only when it is read; every cursor of the transaction is read once it committed.
    Either way none is read after its connection went back to the pool."""

    def __init__(self, cursor: Any, pipeline: Any = None) -> None:
        self._cursor = cursor
        self._pipeline = pipeline
        self._rows: list[Row] | None = None
        self._next = 0
        self._rowcount = -1
        if pipeline is None:
            self._read()

    def _read(self) -> list[Row]:
        if self._rows is None:
            cursor = self._cursor
            if self._pipeline is not None and cursor.pgresult is None:
                self._pipeline.sync()  # the answers so far, this statement's among them
            self._rows = cursor.fetchall() if cursor.description is not None else []
            self._rowcount = cursor.rowcount
        return self._rows

    def settle(self) -> None:
        """Read now, after the pipeline ended (every answer is in)."""
        self._pipeline = None
        self._read()

    @property
    def rowcount(self) -> int:
        self._read()
        return self._rowcount

    def fetchone(self) -> Row | None:
        rows = self._read()
        if self._next >= len(rows):
            return None
        self._next += 1
        return rows[self._next - 1]

    def fetchall(self) -> list[Row]:
        rows = self._read()
        found, self._next = rows[self._next :], len(rows)
        return found

    def __iter__(self) -> Iterator[Row]:
        return iter(self.fetchall())


def _no_nul(params: Iterable[Any]) -> None:
    """PostgreSQL's text holds no NUL character: a value with one is refused (a 400), where SQLite
    keeps it (docs/serve.md)."""
    for value in params:
        if isinstance(value, str) and "\x00" in value:
            raise InvalidRequest({ROOT_FIELD: [NUL_REFUSED]})


class Connection:
    """A psycopg connection that runs the services' statements as they are written: their named
    parameters bound in psycopg's style (``storage/sql.py``), nothing else changed."""

    def __init__(self, conn: Any, pipeline: Any = None, pending: list[Cursor] | None = None) -> None:
        self._conn = conn
        self._pipeline = pipeline  # a write's pipeline: its cursors are read when needed
        self._pending = pending  # ... or before it commits

    def execute(self, sql: str, params: Params | None = None) -> Cursor:
        params = {} if params is None else params
        statement = pyformat(sql)
        check_params(statement, params, sql)
        _no_nul(params.values())
        return self._kept(Cursor(self._conn.execute(statement.text, params), self._pipeline))

    def _kept(self, cursor: Cursor) -> Cursor:
        if self._pending is not None:
            self._pending.append(cursor)
        return cursor

    def executemany(self, sql: str, seq: Sequence[Params]) -> Cursor:
        cursor = self._conn.cursor()
        statement = pyformat(sql)
        for params in seq:
            check_params(statement, params, sql)
            _no_nul(params.values())
        cursor.executemany(statement.text, seq)
        return self._kept(Cursor(cursor, self._pipeline))


class PostgresStore(StoreOperations):
    """The store on a PostgreSQL database (a ``postgresql://`` URL), shared by every process and
    host given the same URL."""

    engine = "postgresql"
    in_memory = False
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
            raise UnusablePostgres(f"database {redact(url)!r} cannot be used: {exc}") from None
        except NewerDatabase as exc:
            raise UnusablePostgres(f"database {redact(url)!r} cannot be used: {exc}") from None
        self._pool = ConnectionPool(
            url,
            min_size=1,
            max_size=max(2, connections),
            kwargs=_connection_options(),
            timeout=POOL_TIMEOUT,
            name="mock-infobip",
            open=True,
        )

    def version(self) -> int:
        """The configuration version: read once in a request (:meth:`request`) until this thread
        writes (a change made meanwhile by another host is the next request's, as if it came after
        this one)."""
        local = self._local
        known: int | None = getattr(local, "version", None)
        if known is not None:
            return known
        with self.read() as conn:
            row = conn.execute("SELECT value FROM meta WHERE key = :key", {"key": VERSION_KEY}).fetchone()
        found = 0 if row is None else int(row[0])
        if getattr(local, "requests", 0):
            local.version = found
        return found

    @contextmanager
    def request(self) -> Iterator[None]:
        """The handling of one request on this thread: the configuration version is read once."""
        local = self._local
        local.requests = getattr(local, "requests", 0) + 1
        try:
            yield
        finally:
            local.requests -= 1
            local.version = None

    def cached(self, name: str, load: Callable[[], T]) -> T:
        version = self.version()  # read before loading: a value is never older than it
        found = self._cache.get(name)
        if found is not None and found[0] == version:
            return found[1]  # type: ignore[return-value]
        value = load()
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
    def write(self) -> Iterator[Connection]:
        """A write transaction (writers in turn, on every host); nested calls join the outer one."""
        local = self._local
        if getattr(local, "writing", None) is not None:
            yield local.writing
            return
        with self._connection() as raw:
            local.version = None  # this write may change it: read again after
            pending: list[Cursor] = []
            try:
                # BEGIN, the lock, the statements and COMMIT go out pipelined: a write that reads
                # nothing back is one round trip; the pipeline's end waits for the COMMIT
                with raw.pipeline() as pipeline, raw.transaction():
                    raw.execute("SELECT pg_advisory_xact_lock(%s)", (WRITE_LOCK,))
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
        self._pool.close()


def _watch(raw: Any) -> None:
    """Triggers that move the configuration version in the transaction that changes a watched table
    (every process reads the version before it trusts what it cached)."""
    raw.execute("INSERT INTO meta (key, value) VALUES (%s, '0') ON CONFLICT (key) DO NOTHING", (VERSION_KEY,))
    raw.execute(
        "CREATE OR REPLACE FUNCTION mock_infobip_changed() RETURNS trigger LANGUAGE plpgsql AS $$ "
        f"BEGIN UPDATE meta SET value = (value::bigint + 1)::text WHERE key = '{VERSION_KEY}'; "
        "RETURN NULL; END $$"
    )
    for table, events in WATCHED.items():
        raw.execute(f"DROP TRIGGER IF EXISTS watch_{table} ON {table}")
        raw.execute(
            f"CREATE TRIGGER watch_{table} AFTER {' OR '.join(events)} ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION mock_infobip_changed()"
        )


def _clock_offset_ms(raw: Any) -> int:
    """The database server's clock less this host's (ms): every host reads the time as the
    server's, so hosts whose clocks differ still share one time."""
    return offset_ms(lambda: float(raw.execute("SELECT extract(epoch FROM clock_timestamp())").fetchone()[0]))

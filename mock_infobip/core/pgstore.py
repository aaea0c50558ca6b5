"""The store on PostgreSQL (psycopg 3): the same interface as :class:`mock_infobip.core.store.Store`
and the same statements (SQLite's words, said in PostgreSQL's by :mod:`mock_infobip.core.dialect`),
so the services run unchanged on either.

As on SQLite, writers take their turn: a write transaction first takes one transaction-level
advisory lock, so what the services count and then write (limits, ids) stays exact across the
processes and hosts sharing the database. What every request reads and only the controls change is
kept per process while the database's configuration version (``meta.config_version``, moved by
triggers on the watched tables in the same transaction as the change) has not moved.

Not yet (issue #26): a pool of connections (one connection per process, behind a lock, as on
SQLite), one scheduler across hosts, faults released across hosts. ``serve`` refuses a PostgreSQL
URL until they are there; the tests build a runtime on this store themselves.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, TypeVar

from mock_infobip.core.dialect import POSTGRES
from mock_infobip.core.errors import InvalidRequest
from mock_infobip.core.migrations import NewerDatabase, upgrade
from mock_infobip.core.redact import redact
from mock_infobip.core.schema import WATCHED
from mock_infobip.core.store import StoreOperations

T = TypeVar("T")

WRITE_LOCK = 7_365_001  # the advisory lock every write transaction takes first
CACHE_ENTRIES = 4096
VERSION_KEY = "config_version"
ROOT_FIELD = "body"
NUL_REFUSED = "must not contain the NUL character (\\u0000): a fake on PostgreSQL cannot store it"
# tables whose rows have an identity ``id``: an INSERT into one returns it (sqlite3's lastrowid)
ID_TABLES = frozenset(
    {
        "accounts", "lists", "people", "journal", "messages", "status_events", "numbers", "inbound",
        "bulks", "deliveries", "callback_attempts", "faults", "outcome_rules", "uploads",
        "tfa_applications", "tfa_templates", "tfa_pins",
    }
)  # fmt: skip


class UnusablePostgres(ValueError):
    """The PostgreSQL database cannot be reached or set up."""


_INDEX_HINT = re.compile(r"\s+INDEXED BY \w+")


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
    """What the services read of a cursor: rows, ``rowcount`` and, after an INSERT, ``lastrowid``."""

    def __init__(self, cursor: Any, lastrowid: int | None = None) -> None:
        self._cursor = cursor
        self.lastrowid = lastrowid
        self.rowcount = 1 if lastrowid is not None else cursor.rowcount

    def fetchone(self) -> Row | None:
        found: Row | None = self._cursor.fetchone()
        return found

    def fetchall(self) -> list[Row]:
        return list(self._cursor.fetchall())

    def __iter__(self) -> Iterator[Row]:
        return iter(self._cursor)


def _no_nul(params: Sequence[Any]) -> None:
    """PostgreSQL's text holds no NUL character: a value with one is refused (a 400), where SQLite
    keeps it (docs/serve.md)."""
    for value in params:
        if isinstance(value, str) and "\x00" in value:
            raise InvalidRequest({ROOT_FIELD: [NUL_REFUSED]})


class Connection:
    """A psycopg connection that takes the services' statements as they are written (``?``
    parameters, SQLite's words) and says them in PostgreSQL's."""

    def __init__(self, conn: Any) -> None:
        self._conn = conn
        self._said: dict[str, tuple[str, bool]] = {}

    def _say(self, sql: str) -> tuple[str, bool]:
        found = self._said.get(sql)
        if found is None:
            # SQLite's rowid (insertion order) is ctid here; an empty IN () (SQLite: matches nothing);
            # SQLite's index hints (INDEXED BY) are left to PostgreSQL's planner
            said = POSTGRES.sql(sql).replace("ORDER BY rowid", "ORDER BY ctid").replace("IN ()", "IN (NULL)")
            said = _INDEX_HINT.sub("", said)
            words = sql.split(None, 3)
            returning = (
                len(words) > 2
                and words[0].upper() == "INSERT"
                and words[2] in ID_TABLES
                and "RETURNING" not in sql.upper()
            )
            found = (said + " RETURNING id" if returning else said, returning)
            if len(self._said) < 4096:
                self._said[sql] = found
        return found

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Cursor:
        _no_nul(params)
        said, returning = self._say(sql)
        cursor = self._conn.execute(said, tuple(params))
        if returning:
            row = cursor.fetchone()
            return Cursor(cursor, None if row is None else int(row[0]))
        return Cursor(cursor)

    def cursor(self) -> PlainCursor:
        """A cursor of plain tuples (``sqlite3``'s ``cursor()`` with ``row_factory = None``)."""
        return PlainCursor(self)

    def executemany(self, sql: str, seq: Sequence[Sequence[Any]]) -> Cursor:
        for params in seq:
            _no_nul(params)
        said = POSTGRES.sql(sql)
        with self._conn.cursor() as cursor:
            cursor.executemany(said, [tuple(p) for p in seq])
            return Cursor(cursor)


class PlainCursor:
    row_factory: Any = None  # set by callers of sqlite3's cursor(); rows are tuples here anyway

    def __init__(self, conn: Connection) -> None:
        self._conn = conn
        self._found: Cursor | None = None

    def execute(self, sql: str, params: Sequence[Any] = ()) -> PlainCursor:
        self._found = self._conn.execute(sql, params)
        return self

    def fetchall(self) -> list[tuple[Any, ...]]:
        return [] if self._found is None else [tuple(row) for row in self._found.fetchall()]


class PostgresStore(StoreOperations):
    """The store on a PostgreSQL database (a ``postgresql://`` URL)."""

    in_memory = False

    def __init__(self, url: str) -> None:
        import psycopg

        self.path = url
        self._lock = threading.RLock()
        self._depth = 0
        self._cache: dict[str, tuple[int, object]] = {}
        try:
            raw = psycopg.connect(url, autocommit=True, row_factory=_row_factory)
        except psycopg.Error as exc:
            raise UnusablePostgres(f"database {redact(url)!r} cannot be used: {exc}") from None
        self._raw = raw
        self._conn = Connection(raw)
        try:
            with self.write() as conn:
                self.upgraded = upgrade(self._raw, POSTGRES)  # the migrations say their own SQL
                if self.upgraded[0] != self.upgraded[1]:
                    self._watch(conn)
        except NewerDatabase as exc:
            raise UnusablePostgres(f"database {redact(url)!r} cannot be used: {exc}") from None

    def _watch(self, conn: Connection) -> None:
        """Triggers that move the configuration version in the transaction that changes a watched
        table (every process reads the version before it trusts what it cached)."""
        conn.execute(
            "INSERT INTO meta (key, value) VALUES (?, '0') ON CONFLICT (key) DO NOTHING", (VERSION_KEY,)
        )
        self._raw.execute(
            "CREATE OR REPLACE FUNCTION mock_infobip_changed() RETURNS trigger LANGUAGE plpgsql AS $$ "
            f"BEGIN UPDATE meta SET value = (value::bigint + 1)::text WHERE key = '{VERSION_KEY}'; "
            "RETURN NULL; END $$"
        )
        for table, events in WATCHED.items():
            self._raw.execute(f"DROP TRIGGER IF EXISTS watch_{table} ON {table}")
            self._raw.execute(
                f"CREATE TRIGGER watch_{table} AFTER {' OR '.join(events)} ON {table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION mock_infobip_changed()"
            )

    def version(self) -> int:
        with self.read() as conn:
            row = conn.execute("SELECT value FROM meta WHERE key = ?", (VERSION_KEY,)).fetchone()
        return 0 if row is None else int(row[0])

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
    def write(self) -> Iterator[Connection]:
        """A write transaction (writers in turn, on every host); nested calls join the outer one."""
        with self._lock:
            if self._depth:
                self._depth += 1
                try:
                    yield self._conn
                finally:
                    self._depth -= 1
                return
            with self._raw.transaction():
                self._raw.execute("SELECT pg_advisory_xact_lock(%s)", (WRITE_LOCK,))
                self._depth = 1
                try:
                    yield self._conn
                finally:
                    self._depth = 0

    @contextmanager
    def read(self) -> Iterator[Connection]:
        with self._lock:
            yield self._conn

    def execute(self, sql: str, params: tuple[object, ...] = ()) -> Cursor:
        """One statement, atomic on its own."""
        with self._lock:
            return self._conn.execute(sql, params)

    def close(self) -> None:
        with self._lock:
            self._raw.close()

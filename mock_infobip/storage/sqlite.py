"""The one store: SQLite through the standard ``sqlite3`` module.

One connection per process, guarded by a lock, so ``:memory:`` works the same as a file. A file
database runs in WAL mode; every write is a ``BEGIN IMMEDIATE`` transaction, which also serialises
writers across processes sharing the file (rate limits stay exact), taken in turn on the lock of
``<db>-version`` first (``versions``). A change is committed before the caller gets control back,
so a response is never sent for something that is not stored. What every request reads and only
the controls change is kept per process while that file's counter holds (:meth:`Store.cached`).
The tables are in ``schema``.
"""

from __future__ import annotations

import contextlib
import functools
import re
import sqlite3
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from typing import Any, TypeVar

from mock_infobip.storage.interface import Cursor, Params, Rows
from mock_infobip.storage.locator import is_postgres, shown
from mock_infobip.storage.migrations import NewerDatabase, upgrade
from mock_infobip.storage.schema import RESET_TABLES, WATCHED
from mock_infobip.storage.sql import insert_statement
from mock_infobip.storage.versions import UNKNOWN, Version

T = TypeVar("T")

MAX_ID = 2**63 - 1  # the largest integer SQLite holds: ids and cursors past it name no row
CACHE_ENTRIES = 4096  # past this many cached values (e.g. many unknown keys tried), start again


def in_memory(path: str) -> bool:
    """A database of this process alone (``:memory:``), which no other process can share."""
    return path == ":memory:" or path.startswith("file::memory:")


class UnusableDatabase(ValueError):
    """The database file cannot be opened or set up (a directory, a missing folder, not SQLite)."""


class StoreOperations:
    """What both stores (SQLite here, PostgreSQL in ``storage/postgres.py``) do the same way through their own
    ``write`` and ``read``."""

    def write(self, *locks: str) -> AbstractContextManager[Any]:
        raise NotImplementedError

    def read(self) -> AbstractContextManager[Any]:
        raise NotImplementedError

    def delete_rows(self, table: str, row_id: int | None = None) -> int:
        """Delete the row ``row_id`` of ``table`` (or every row); how many were deleted."""
        with self.write() as conn:
            if row_id is None:
                return int(conn.execute(f"DELETE FROM {table}").rowcount)
            return int(conn.execute(f"DELETE FROM {table} WHERE id = :id", {"id": row_id}).rowcount)

    def get_meta(self, key: str) -> str | None:
        with self.read() as conn:
            row = conn.execute("SELECT value FROM meta WHERE key = :key", {"key": key}).fetchone()
        return None if row is None else str(row[0])

    def set_meta(self, key: str, value: str) -> None:
        with self.write() as conn:
            conn.execute(
                "INSERT INTO meta (key, value) VALUES (:key, :value) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                {"key": key, "value": value},
            )

    def meta_once(self, key: str, value: str) -> str:
        """The value of ``key``: ``value`` if it had none (the first of several processes or hosts
        asking at once sets it; every one reads the same)."""
        with self.write() as conn:
            pair = {"key": key, "value": value}
            conn.execute(
                "INSERT INTO meta (key, value) VALUES (:key, :value) ON CONFLICT (key) DO NOTHING", pair
            )
            row = conn.execute("SELECT value FROM meta WHERE key = :key", pair).fetchone()
        return str(row[0])

    def reset(self) -> None:
        with self.write() as conn:
            for table in RESET_TABLES:
                conn.execute(f"DELETE FROM {table}")


class SqliteStore(StoreOperations):
    """A SQLite database shared by the services of one process (and other processes on the file)."""

    engine = "sqlite"  # the words of statements that differ by engine (side by side where used)
    shared_by_hosts = False  # one host: ``serve`` picks the process that schedules
    notices = False  # other processes' changes are not heard: the scheduler's worker polls
    wall_offset_ms = 0  # the host's own clock is the fake's wall

    def __init__(self, path: str = ":memory:", *, synchronous: str = "NORMAL") -> None:
        if is_postgres(path):
            raise UnusableDatabase(f"database {shown(path)!r} is PostgreSQL's: open it with open_store()")
        try:
            self._open(path, synchronous)
        except sqlite3.Error as exc:
            raise UnusableDatabase(f"database {path!r} cannot be used: {exc}") from None

    def _open(self, path: str, synchronous: str) -> None:
        self.path = path
        self.in_memory = in_memory(path)
        self._lock = threading.RLock()
        self._depth = 0
        self._changed = False
        self._conn = sqlite3.connect(
            path, isolation_level=None, check_same_thread=False, timeout=30.0, uri=path.startswith("file:")
        )
        self._conn.row_factory = sqlite3.Row
        # "x REGEXP pattern" (SQLite has the operator, not the function): PostgreSQL's ~ here
        self._conn.create_function("regexp", 2, _regexp, deterministic=True)
        with self._lock:
            self._conn.execute("PRAGMA busy_timeout = 30000")
            if not self.in_memory:
                self._conn.execute("PRAGMA journal_mode = WAL")
            self._conn.execute(f"PRAGMA synchronous = {synchronous}")
            self._conn.execute("PRAGMA foreign_keys = OFF")
            self._cache: dict[str, tuple[int, object]] = {}
            database_file = self._conn.execute("PRAGMA database_list").fetchone()["file"]
            self.version = Version(None if self.in_memory else database_file)
            with self.write() as conn:
                try:
                    self.upgraded = upgrade(conn)  # (schema version found, version now)
                except NewerDatabase as exc:
                    raise UnusableDatabase(f"database {path!r} cannot be used: {exc}") from None
            self._watch()

    def _watch(self) -> None:
        """Temporary triggers (this connection's own: other tools on the file are not affected)
        note a change to a watched table; :meth:`write` and :meth:`execute` move the version after
        the commit."""
        self._conn.create_function("mock_infobip_changed", 0, self._note_change)
        for table, events in WATCHED.items():
            for event in events:
                self._conn.execute(
                    f"CREATE TEMP TRIGGER IF NOT EXISTS watch_{table}_{event.lower()} AFTER {event} "
                    f"ON main.{table} BEGIN SELECT mock_infobip_changed(); END"
                )

    def _note_change(self) -> None:
        self._changed = True

    def _committed(self) -> None:
        if self._changed:
            self._changed = False
            self.version.bump()

    def cached(self, name: str, load: Callable[[], T], *, keep_none: bool = True) -> T:
        """``load()``'s value, kept in this process until a watched table changes (in any process
        on the file). Only for values read from the ``WATCHED`` tables (or whose rows' deletions
        are watched: then ``keep_none=False``, a row not there yet is looked for again)."""
        version = self.version.current()  # read before loading: a value is never older than it
        found = self._cache.get(name)
        if found is not None and found[0] == version:
            return found[1]  # type: ignore[return-value]
        value = load()
        if version != UNKNOWN and (keep_none or value is not None):
            if len(self._cache) >= CACHE_ENTRIES:
                self._cache.clear()
            self._cache[name] = (version, value)
        return value

    @contextmanager
    def write(self, *locks: str) -> Iterator[sqlite3.Connection]:
        """A write transaction; nested calls join the outer one. ``locks`` name what it shares
        with other writers (PostgreSQL's store takes their locks); SQLite has one writer at a
        time, so every write takes its turn anyway."""
        with self._lock:
            if self._depth:
                self._depth += 1
                try:
                    yield self._conn
                finally:
                    self._depth -= 1
                return
            self.version.hold_writes()
            try:
                self._conn.execute("BEGIN IMMEDIATE")
                self._depth = 1
                try:
                    yield self._conn
                except BaseException:
                    self._depth = 0
                    self._conn.execute("ROLLBACK")
                    self._changed = False
                    raise
                self._depth = 0
                self._conn.execute("COMMIT")
            finally:
                self.version.release_writes()
            self._committed()

    @contextmanager
    def read(self) -> Iterator[sqlite3.Connection]:
        """Reads: inside a write they join it; otherwise each statement sees the database as of its
        own start (no transaction to open and close: most reads are one statement)."""
        with self._lock:
            yield self._conn

    def insert_rows(self, table: str, columns: tuple[str, ...], rows: Sequence[Params]) -> None:
        """``rows`` inserted into ``table``, nothing read back, in one transaction (or the
        caller's write). On SQLite one prepared statement run for each row: cheaper than a
        multi-row statement, whose many named parameters SQLite binds one name at a time; one row
        is one statement, atomic on its own (a request's journal entry in process)."""
        if len(rows) == 1:
            self.execute(insert_statement(table, columns), rows[0])
        elif rows:
            with self.write() as conn:
                conn.executemany(insert_statement(table, columns), rows)

    def execute(self, sql: str, params: Params | None = None) -> Cursor:
        """One statement, atomic on its own (SQLite's implicit transaction): cheaper than
        :meth:`write` when there is only one. Rows it returns (``RETURNING``) are read at once: the
        statement's transaction ends when they are."""
        with self._lock:
            params = {} if params is None else params
            if self._depth:
                return self._conn.execute(sql, params)
            self.version.hold_writes()
            try:
                found = self._conn.execute(sql, params)
                cursor: Cursor = Rows(found.fetchall()) if found.description is not None else found
            finally:
                self.version.release_writes()
            self._committed()
            return cursor

    def subscribe(self, callback: Callable[[str], None]) -> None:
        """Nothing is heard on SQLite (:attr:`notices` is False): the scheduler's worker polls."""

    def lead(self) -> bool:
        """Whether this process runs the scheduler: on SQLite the process ``serve`` started to."""
        return True

    def request(self, turn: bool = False) -> AbstractContextManager[None]:
        """The handling of one request (nothing to do here: the version counter is a file's bytes,
        cheap to read every time)."""
        return contextlib.nullcontext()

    def end_turn(self) -> None:
        """Nothing kept for a turn of the server's loop (see :meth:`request`)."""

    def close(self) -> None:
        with self._lock:
            if not self.in_memory:
                with contextlib.suppress(sqlite3.Error):
                    self._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            self._conn.close()
            self.version.close()


@functools.lru_cache(maxsize=64)
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


def _regexp(pattern: str, value: str | None) -> bool:
    """SQLite's ``value REGEXP pattern``: a POSIX-style pattern both engines read alike."""
    return value is not None and _compiled(pattern).search(value) is not None

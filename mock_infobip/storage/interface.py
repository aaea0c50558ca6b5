"""The database as the services see it, whichever engine is under it: a connection that runs a
statement with named parameters, a cursor of rows, a row readable by name and position. sqlite3's
own classes fit it as they are; the PostgreSQL store's wrap psycopg's (``storage/postgres.py``)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from typing import Any, Protocol, TypeVar

T = TypeVar("T")

Params = Mapping[str, Any]

# What writes share, named for the store's locks (``Store.write(*locks)``; SQLite has one writer)
CONFIGURATION = "configuration"  # accounts, keys, the clock, rules, faults: a write names nothing
SCHEDULER = "scheduler"  # status events applied, pushes claimed and settled


def account_lock(account_id: int) -> str:
    """An account's writes that count or check what the account has (sends, lists, pulls, 2FA)."""
    return f"account:{account_id}"


class Row(Protocol):
    def __getitem__(self, key: int | str, /) -> Any: ...
    def keys(self) -> list[str]: ...


Record = Row | Mapping[str, Any]  # a row, or its columns by name (a row about to be written)


class Cursor(Protocol):
    @property
    def rowcount(self) -> int: ...
    def fetchone(self) -> Any: ...
    def fetchall(self) -> list[Any]: ...
    def __iter__(self) -> Iterator[Any]: ...


class Connection(Protocol):
    def execute(self, sql: str, params: Params = ..., /) -> Cursor: ...
    def executemany(self, sql: str, params: Sequence[Params], /) -> Cursor: ...


class Store(Protocol):
    """A database the services use, SQLite's (``storage/sqlite.py``) or PostgreSQL's
    (``storage/postgres.py``): transactions, single statements, per-process values kept while the
    configuration holds, and what serving needs to know of the engine."""

    path: str
    engine: str  # "sqlite" or "postgresql": which of two statements side by side to run
    in_memory: bool  # a database of this process alone
    shared_by_hosts: bool  # several hosts may share it (the scheduler leads by lock)
    notices: bool  # other processes' changes are heard (:meth:`subscribe`), not polled for
    wall_offset_ms: int  # the database's clock less this host's (ms)
    upgraded: tuple[int | None, int]  # the schema version found at the open, and now

    def write(self, *locks: str) -> AbstractContextManager[Connection]: ...
    def read(self) -> AbstractContextManager[Connection]: ...
    def execute(self, sql: str, params: Params | None = None) -> Cursor: ...
    def insert_rows(self, table: str, columns: tuple[str, ...], rows: Sequence[Params]) -> None: ...
    def cached(self, name: str, load: Callable[[], T], *, keep_none: bool = True) -> T: ...
    def request(self, turn: bool = False) -> AbstractContextManager[None]: ...
    def end_turn(self) -> None: ...
    def lead(self) -> bool: ...
    def subscribe(self, callback: Callable[[str], None]) -> None: ...
    def delete_rows(self, table: str, row_id: int | None = None) -> int: ...
    def get_meta(self, key: str) -> str | None: ...
    def set_meta(self, key: str, value: str) -> None: ...
    def meta_once(self, key: str, value: str) -> str: ...
    def reset(self) -> None: ...
    def close(self) -> None: ...


class Rows:
    """A cursor whose rows were read at once (an ``INSERT … RETURNING``'s, before its statement's
    own transaction ended)."""

    def __init__(self, rows: list[Any]) -> None:
        self._rows = rows
        self._next = 0
        self.rowcount = len(rows)

    def fetchone(self) -> Any:
        if self._next >= len(self._rows):
            return None
        self._next += 1
        return self._rows[self._next - 1]

    def fetchall(self) -> list[Any]:
        found, self._next = self._rows[self._next :], len(self._rows)
        return found

    def __iter__(self) -> Iterator[Any]:
        return iter(self.fetchall())


class Unstorable(ValueError):
    """A value the engine cannot hold as sent (PostgreSQL's text has no NUL character): the
    request that carried it is refused with a 400 naming ``field`` (``http/errors.py``), and
    nothing of it is written."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


class MissingId(RuntimeError):
    """An ``INSERT … RETURNING id`` that returned no row: never taken for id 0."""


def inserted_id(cursor: Cursor) -> int:
    """The id an ``INSERT … RETURNING id`` made (read at once, inside the transaction)."""
    row = cursor.fetchone()
    if row is None:
        raise MissingId("the INSERT returned no id")
    return int(row[0])

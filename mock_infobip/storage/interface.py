"""The database as the services see it, whichever engine is under it: a connection that runs a
statement with named parameters, a cursor of rows, a row readable by name and position. sqlite3's
own classes fit it as they are; the PostgreSQL store's wrap psycopg's (``core/pgstore.py``)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any, Protocol

Params = Mapping[str, Any]


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


class MissingId(RuntimeError):
    """An ``INSERT … RETURNING id`` that returned no row: never taken for id 0."""


def inserted_id(cursor: Cursor) -> int:
    """The id an ``INSERT … RETURNING id`` made (read at once, inside the transaction)."""
    row = cursor.fetchone()
    if row is None:
        raise MissingId("the INSERT returned no id")
    return int(row[0])

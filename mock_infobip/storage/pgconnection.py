"""The storage interface's connection, cursor and row (``storage/interface.py``) for psycopg 3:
statements run as written, their named parameters bound in psycopg's style (``storage/sql.py``);
a write's statements pipelined, their cursors read when needed or once it committed."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

from mock_infobip.storage.interface import Params, Unstorable
from mock_infobip.storage.sql import check_params, pyformat

ROOT_FIELD = "body"
NUL_REFUSED = "must not contain the NUL character (\\u0000): a fake on PostgreSQL cannot store it"


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


def row_factory(cursor: Any) -> Callable[[Sequence[Any]], Row]:
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
            raise Unstorable(ROOT_FIELD, NUL_REFUSED)


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

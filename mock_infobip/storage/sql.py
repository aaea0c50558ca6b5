"""Statements are written once, with named parameters (``:name``), in SQL both engines run as
written. SQLite's driver binds ``:name`` itself; psycopg wants ``%(name)s`` (and a literal ``%``
doubled). :func:`pyformat` is the one translation: a tokenizer that knows string literals, quoted
identifiers, comments and PostgreSQL's ``::`` casts, so a ``:word`` or ``%`` inside any of them is
text. Nothing else about a statement is changed, on either engine."""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

CACHE_ENTRIES = 4096
IN_CHUNK = 900  # values one IN (…) list holds (SQLite binds at most 32,766 parameters a statement)


class StatementError(ValueError):
    """A statement the store refuses as written: a positional ``?``, or a parameter not given."""


@dataclass(frozen=True)
class Statement:
    """A statement as psycopg takes it, and the names of its parameters."""

    text: str
    names: frozenset[str]


_CACHE: dict[str, Statement] = {}
_WORD_START = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_")
_WORD = _WORD_START | frozenset("0123456789")


def _quoted_end(sql: str, start: int, quote: str) -> int:
    """The index after the quoted text that opens at ``start`` (a doubled quote is one quote)."""
    i = start + 1
    while i < len(sql):
        if sql[i] == quote:
            if i + 1 < len(sql) and sql[i + 1] == quote:
                i += 2
                continue
            return i + 1
        i += 1
    raise StatementError(f"unterminated {quote} in: {sql}")


def _comment_end(sql: str, start: int) -> int:
    if sql.startswith("--", start):
        end = sql.find("\n", start)
        return len(sql) if end < 0 else end
    end = sql.find("*/", start + 2)
    if end < 0:
        raise StatementError(f"unterminated comment in: {sql}")
    return end + 2


def pyformat(sql: str) -> Statement:
    """``sql`` with ``:name`` as ``%(name)s`` and ``%`` as ``%%`` (psycopg's style)."""
    found = _CACHE.get(sql)
    if found is not None:
        return found
    out: list[str] = []
    names: set[str] = set()
    i = 0
    while i < len(sql):
        char = sql[i]
        if char in "'\"":
            end = _quoted_end(sql, i, char)
            out.append(sql[i:end].replace("%", "%%"))
            i = end
        elif sql.startswith(("--", "/*"), i):
            end = _comment_end(sql, i)
            out.append(sql[i:end].replace("%", "%%"))
            i = end
        elif sql.startswith("::", i):  # a cast: x::bigint
            out.append("::")
            i += 2
        elif char == ":" and i + 1 < len(sql) and sql[i + 1] in _WORD_START:
            end = i + 1
            while end < len(sql) and sql[end] in _WORD:
                end += 1
            names.add(sql[i + 1 : end])
            out.append(f"%({sql[i + 1 : end]})s")
            i = end
        elif char == "?":
            raise StatementError(f"a positional ? (name the parameter): {sql}")
        elif char == "%":
            out.append("%%")
            i += 1
        else:
            out.append(char)
            i += 1
    found = Statement("".join(out), frozenset(names))
    if len(_CACHE) < CACHE_ENTRIES:
        _CACHE[sql] = found
    return found


def check_params(statement: Statement, params: Mapping[str, Any], sql: str) -> None:
    missing = statement.names - params.keys()
    if missing:
        raise StatementError(f"no value for {', '.join(sorted(missing))} in: {sql}")


LIKE_ESCAPE = "ESCAPE '\\'"  # after a LIKE whose pattern has literal parts escaped by like_text()


def like_text(text: str) -> str:
    """``text`` as a literal part of a ``LIKE`` pattern (``%``, ``_`` and ``\\`` escaped; the
    statement says :data:`LIKE_ESCAPE`). LIKE is case-insensitive on SQLite and not on PostgreSQL:
    callers compare text of one case (the value upper- or lower-cased as the column is)."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def in_list(name: str, values: Sequence[Any]) -> tuple[str, dict[str, Any]]:
    """``IN (…)`` of ``values`` as named parameters ``:name_0, :name_1, …`` and their values. An
    empty list is ``(NULL)``: it matches nothing, on both engines."""
    if not values:
        return "(NULL)", {}
    marks = {f"{name}_{i}": value for i, value in enumerate(values)}
    return "(" + ", ".join(f":{key}" for key in marks) + ")", marks


@functools.lru_cache(maxsize=256)
def insert_statement(table: str, columns: tuple[str, ...], count: int | None = None) -> str:
    """``INSERT INTO table (columns) VALUES`` a row of named parameters (the column names:
    ``:at``), or with ``count`` that many rows, row i's parameters ``:at_i`` (:func:`numbered`)."""
    if count is None:
        return f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join(':' + c for c in columns)})"
    groups = ("(" + ", ".join(f":{c}_{i}" for c in columns) + ")" for i in range(count))
    return f"INSERT INTO {table} ({', '.join(columns)}) VALUES {', '.join(groups)}"


def numbered(columns: Sequence[str], rows: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """The parameters of :func:`insert_statement`'s ``count`` rows: row i's ``column`` as ``column_i``."""
    return {f"{column}_{i}": row[column] for i, row in enumerate(rows) for column in columns}

"""The Amplitude lists API as a domain service: lists are Infobip People tags."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass, field

from mock_infobip.channels.lists.identifiers import key_function
from mock_infobip.core.accounts import Account
from mock_infobip.core.clock import Clock, wire_time
from mock_infobip.core.errors import ListNotFound, NotFound
from mock_infobip.core.store import MAX_ID, Store

VALIDATION_ERROR = "VALIDATION_ERROR"
_DIGITS = re.compile(r"[0-9]+")
_CHUNK = 900  # parameters per IN (...) query


@dataclass(frozen=True)
class AddResult:
    created: int
    modified: int
    failed: dict[str, list[str]] = field(default_factory=dict)


@dataclass(frozen=True)
class _Parsed:
    keys: dict[str, str]  # key -> first spelling, in request order
    invalid: list[str]  # distinct invalid identifiers, in request order


def parse_list_id(raw: str) -> int | None:
    """A path ``listId`` of ASCII digits is a number (``0123`` is 123); anything else is none."""
    if not _DIGITS.fullmatch(raw):
        return None
    number = int(raw)
    return number if 0 < number <= MAX_ID else None


def _chunks(items: Sequence[str]) -> list[Sequence[str]]:
    return [items[i : i + _CHUNK] for i in range(0, len(items), _CHUNK)]


class ListsService:
    def __init__(self, store: Store, clock: Clock) -> None:
        self._store = store
        self._clock = clock

    # --- the three Infobip operations -------------------------------------------------------

    def create_list(self, account: Account, name: str) -> int:
        """A new list, or the existing list of that name in the account (tags are unique by name)."""
        with self._store.read() as conn:  # most creates name a list that exists: no write then
            row = conn.execute(
                "SELECT id FROM lists WHERE account_id = ? AND name = ?", (account.id, name)
            ).fetchone()
        if row is not None:
            return int(row[0])
        cursor = self._store.execute(  # one statement, no transaction to open and close
            "INSERT INTO lists (account_id, name, created_at) VALUES (?, ?, ?) "
            "ON CONFLICT (account_id, name) DO NOTHING",
            (account.id, name, self._clock.now_ms()),
        )
        if cursor.rowcount == 1:
            return int(cursor.lastrowid or 0)
        return self.create_list(account, name)  # created meanwhile by another request: that one

    def add_people(self, account: Account, list_ref: str, identifiers: Sequence[str]) -> AddResult:
        parsed = self._parse(account, identifiers)
        with self._store.write() as conn:
            list_id = self._own_list(conn, account, list_ref)
            keys = list(parsed.keys)
            existing = self._person_ids(conn, account, keys)
            new = [k for k in keys if k not in existing]
            now = self._clock.now_ms()
            conn.executemany(
                "INSERT INTO people (account_id, key, identifier, created_at) VALUES (?, ?, ?, ?)",
                [(account.id, k, parsed.keys[k], now) for k in new],
            )
            ids = existing | self._person_ids(conn, account, new) if new else existing
            conn.executemany(
                "INSERT INTO memberships (list_id, person_id) VALUES (?, ?) ON CONFLICT DO NOTHING",
                [(list_id, ids[k]) for k in keys],
            )
        failed = {VALIDATION_ERROR: parsed.invalid} if parsed.invalid else {}
        return AddResult(created=len(new), modified=len(existing), failed=failed)

    def remove_people(self, account: Account, list_ref: str, identifiers: Sequence[str]) -> None:
        parsed = self._parse(account, identifiers)
        with self._store.write() as conn:
            list_id = self._own_list(conn, account, list_ref)
            ids = self._person_ids(conn, account, list(parsed.keys))
            conn.executemany(
                "DELETE FROM memberships WHERE list_id = ? AND person_id = ?",
                [(list_id, person_id) for person_id in ids.values()],
            )

    # --- inspection and the web-interface actions of the admin API ---------------------------

    def summaries(self) -> list[dict[str, object]]:
        with self._store.read() as conn:
            rows = conn.execute(
                "SELECT l.id, l.name, l.account_id, l.created_at, "
                "(SELECT count(*) FROM memberships m WHERE m.list_id = l.id) AS members "
                "FROM lists l ORDER BY l.id"
            ).fetchall()
        return [
            {
                "listId": r["id"],
                "name": r["name"],
                "accountId": r["account_id"],
                "memberCount": r["members"],
                "createdAt": wire_time(r["created_at"]),
            }
            for r in rows
        ]

    def describe(self, list_id: int, limit: int | None = None, offset: int = 0) -> dict[str, object]:
        with self._store.read() as conn:
            row = conn.execute("SELECT * FROM lists WHERE id = ?", (list_id,)).fetchone()
            if row is None:
                raise NotFound("list", list_id)
            members = [
                r[0]
                for r in conn.execute(
                    "SELECT p.identifier FROM memberships m JOIN people p ON p.id = m.person_id "
                    "WHERE m.list_id = ? ORDER BY p.id LIMIT ? OFFSET ?",
                    (list_id, MAX_ID if limit is None else limit, offset),  # every member
                )
            ]
            total = conn.execute("SELECT count(*) FROM memberships WHERE list_id = ?", (list_id,)).fetchone()[
                0
            ]
        return {
            "listId": row["id"],
            "name": row["name"],
            "accountId": row["account_id"],
            "memberCount": total,
            "members": members,
        }

    def delete(self, list_id: int) -> None:
        """Delete a list as a user would in Infobip's web interface: the tag goes, people stay."""
        with self._store.write() as conn:
            if conn.execute("DELETE FROM lists WHERE id = ?", (list_id,)).rowcount == 0:
                raise NotFound("list", list_id)
            conn.execute("DELETE FROM memberships WHERE list_id = ?", (list_id,))

    # --- helpers -----------------------------------------------------------------------------

    @staticmethod
    def _parse(account: Account, identifiers: Sequence[str]) -> _Parsed:
        key_of = key_function(account.identifier)
        keys: dict[str, str] = {}
        invalid: dict[str, None] = {}
        for identifier in identifiers:
            key = key_of(identifier)
            if key is None:
                invalid.setdefault(identifier, None)
            else:
                keys.setdefault(key, identifier)
        return _Parsed(keys, list(invalid))

    @staticmethod
    def _own_list(conn: sqlite3.Connection, account: Account, list_ref: str) -> int:
        list_id = parse_list_id(list_ref)
        if (
            list_id is None
            or conn.execute(
                "SELECT 1 FROM lists WHERE id = ? AND account_id = ?", (list_id, account.id)
            ).fetchone()
            is None
        ):
            raise ListNotFound(list_ref)
        return list_id

    @staticmethod
    def _person_ids(conn: sqlite3.Connection, account: Account, keys: Sequence[str]) -> dict[str, int]:
        found: dict[str, int] = {}
        cursor = conn.cursor()
        cursor.row_factory = None  # plain tuples: (key, id)
        for chunk in _chunks(keys):
            marks = ",".join("?" * len(chunk))
            cursor.execute(
                f"SELECT key, id FROM people WHERE account_id = ? AND key IN ({marks})", (account.id, *chunk)
            )
            found.update(cursor.fetchall())
        return found

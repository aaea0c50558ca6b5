"""The Amplitude lists API as a domain service: lists are Infobip People tags."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from mock_infobip.channels.lists.identifiers import key_function
from mock_infobip.core.clock import Clock, wire_time
from mock_infobip.core.errors import ListNotFound, NotFound
from mock_infobip.identity.accounts import Account
from mock_infobip.storage.interface import Connection, Store, account_lock
from mock_infobip.storage.sql import IN_CHUNK, in_list
from mock_infobip.storage.sqlite import MAX_ID

VALIDATION_ERROR = "VALIDATION_ERROR"
_DIGITS = re.compile(r"[0-9]+")


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
    return [items[i : i + IN_CHUNK] for i in range(0, len(items), IN_CHUNK)]


class ListsService:
    def __init__(self, store: Store, clock: Clock) -> None:
        self._store = store
        self._clock = clock

    # --- the three Infobip operations -------------------------------------------------------

    def create_list(self, account: Account, name: str) -> int:
        """A new list, or the existing list of that name in the account (tags are unique by name).
        Most creates name a list that exists: its id is kept by the process until a list is
        deleted (which moves the configuration version: storage/schema.py ``WATCHED``)."""
        found = self._store.cached(
            f"list:{account.id}:{name}", lambda: self._list_id(account, name), keep_none=False
        )
        if found is not None:
            return found
        made = self._store.execute(  # one statement, no transaction to open and close
            "INSERT INTO lists (account_id, name, created_at) VALUES (:account, :name, :now) "
            "ON CONFLICT (account_id, name) DO NOTHING RETURNING id",
            {"account": account.id, "name": name, "now": self._clock.now_ms()},
        ).fetchone()
        if made is not None:
            return int(made[0])
        return self.create_list(account, name)  # created meanwhile by another request: that one

    def _list_id(self, account: Account, name: str) -> int | None:
        with self._store.read() as conn:
            row = conn.execute(
                "SELECT id FROM lists WHERE account_id = :account AND name = :name",
                {"account": account.id, "name": name},
            ).fetchone()
        return None if row is None else int(row[0])

    def add_people(self, account: Account, list_ref: str, identifiers: Sequence[str]) -> AddResult:
        parsed = self._parse(account, identifiers)
        with self._store.write(account_lock(account.id)) as conn:
            list_id = self._own_list(conn, account, list_ref)
            now = self._clock.now_ms()
            # People new to the account are made (one prepared statement on SQLite, pipelined on
            # PostgreSQL); the ones there already are left as they are: the rest were modified
            created = conn.executemany(
                "INSERT INTO people (account_id, key, identifier, created_at) "
                "VALUES (:account, :key, :identifier, :now) ON CONFLICT (account_id, key) DO NOTHING",
                [
                    {"account": account.id, "key": key, "identifier": spelling, "now": now}
                    for key, spelling in parsed.keys.items()
                ],
            ).rowcount
            for chunk in _chunks(list(parsed.keys)):  # members by key, set-based: no ids read back
                marks, params = in_list("key", chunk)
                conn.execute(
                    "INSERT INTO memberships (list_id, person_id) SELECT :list, id FROM people "
                    f"WHERE account_id = :account AND key IN {marks} ON CONFLICT DO NOTHING",
                    {"list": list_id, "account": account.id, **params},
                )
        failed = {VALIDATION_ERROR: parsed.invalid} if parsed.invalid else {}
        return AddResult(created=created, modified=len(parsed.keys) - created, failed=failed)

    def remove_people(self, account: Account, list_ref: str, identifiers: Sequence[str]) -> None:
        parsed = self._parse(account, identifiers)
        with self._store.write(account_lock(account.id)) as conn:
            list_id = self._own_list(conn, account, list_ref)
            ids = self._person_ids(conn, account, list(parsed.keys))
            conn.executemany(
                "DELETE FROM memberships WHERE list_id = :list AND person_id = :person",
                [{"list": list_id, "person": person_id} for person_id in ids.values()],
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
            row = conn.execute("SELECT * FROM lists WHERE id = :id", {"id": list_id}).fetchone()
            if row is None:
                raise NotFound("list", list_id)
            members = [
                r[0]
                for r in conn.execute(
                    "SELECT p.identifier FROM memberships m JOIN people p ON p.id = m.person_id "
                    "WHERE m.list_id = :id ORDER BY p.id LIMIT :limit OFFSET :offset",
                    {"id": list_id, "limit": MAX_ID if limit is None else limit, "offset": offset},
                )
            ]
            total = conn.execute(
                "SELECT count(*) FROM memberships WHERE list_id = :id", {"id": list_id}
            ).fetchone()[0]
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
            if conn.execute("DELETE FROM lists WHERE id = :id", {"id": list_id}).rowcount == 0:
                raise NotFound("list", list_id)
            conn.execute("DELETE FROM memberships WHERE list_id = :id", {"id": list_id})

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
    def _own_list(conn: Connection, account: Account, list_ref: str) -> int:
        list_id = parse_list_id(list_ref)
        if (
            list_id is None
            or conn.execute(
                "SELECT 1 FROM lists WHERE id = :id AND account_id = :account",
                {"id": list_id, "account": account.id},
            ).fetchone()
            is None
        ):
            raise ListNotFound(list_ref)
        return list_id

    @staticmethod
    def _person_ids(conn: Connection, account: Account, keys: Sequence[str]) -> dict[str, int]:
        found: dict[str, int] = {}
        for chunk in _chunks(keys):
            marks, params = in_list("key", chunk)
            rows = conn.execute(
                f"SELECT key, id FROM people WHERE account_id = :account AND key IN {marks}",
                {"account": account.id, **params},
            )
            found.update((row[0], int(row[1])) for row in rows)
        return found

"""Accounts and their credentials. Everything else is owned by an account."""

from __future__ import annotations

import hmac
import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from mock_infobip.core.clock import Clock
from mock_infobip.core.errors import Conflict, NotFound
from mock_infobip.core.store import Store

DEFAULT_ACCOUNT = "default"


def mask_key(key: str) -> str:
    """An API key as lists show it: the first and last four characters (two of a short key)."""
    return f"{key[:4]}…{key[-4:]}" if len(key) > 12 else f"{key[:2]}…"


@dataclass(frozen=True)
class Account:
    id: int
    name: str
    identifier: str  # how people are keyed: email | phone | externalId
    username: str | None = None

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> Account:
        return cls(row["id"], row["name"], row["identifier"], row["username"])


@dataclass(frozen=True)
class Principal:
    """Who is calling: the account, and the credential whose rate-limit budget is used."""

    account: Account
    credential: str
    api_key: str | None = None
    session: str | None = None  # the IBSSO token the request presented


class AccountsService:
    def __init__(self, store: Store, clock: Clock) -> None:
        self._store = store
        self._clock = clock

    def create(
        self,
        name: str,
        api_keys: Sequence[str],
        identifier: str = "email",
        username: str | None = None,
        password: str | None = None,
    ) -> Account:
        with self._store.write() as conn:
            taken = [
                k for k in api_keys if conn.execute("SELECT 1 FROM api_keys WHERE key = ?", (k,)).fetchone()
            ]
            if taken:
                raise Conflict(f"API key already in use: {taken[0]}")
            if (
                username is not None
                and conn.execute("SELECT 1 FROM accounts WHERE username = ?", (username,)).fetchone()
            ):
                raise Conflict(f"username already in use: {username}")
            cursor = conn.execute(
                "INSERT INTO accounts (name, identifier, username, password, created_at) "
                "VALUES (?, ?, ?, ?, ?)",
                (name, identifier, username, password, self._clock.now_ms()),
            )
            account_id = int(cursor.lastrowid or 0)
            conn.executemany(
                "INSERT INTO api_keys (key, account_id) VALUES (?, ?)",
                [(key, account_id) for key in dict.fromkeys(api_keys)],
            )
        return Account(account_id, name, identifier, username)

    def ensure_default(
        self, api_keys: Sequence[str], identifier: str, make_key: Callable[[], str]
    ) -> tuple[Account, list[str]]:
        """The default account with ``api_keys`` added; with none given and none stored, one made
        by ``make_key``. Returns the account and its usable keys, the given ones first."""
        with self._store.write() as conn:
            row = conn.execute(
                "SELECT * FROM accounts WHERE name = ? ORDER BY id LIMIT 1", (DEFAULT_ACCOUNT,)
            ).fetchone()
            if row is None:
                cursor = conn.execute(
                    "INSERT INTO accounts (name, identifier, created_at) VALUES (?, ?, ?)",
                    (DEFAULT_ACCOUNT, identifier, self._clock.now_ms()),
                )
                row = conn.execute("SELECT * FROM accounts WHERE id = ?", (cursor.lastrowid,)).fetchone()
            account = Account.from_row(row)
            conn.executemany(
                "INSERT INTO api_keys (key, account_id) VALUES (?, ?) ON CONFLICT DO NOTHING",
                [(key, account.id) for key in api_keys],
            )
            stored = [
                r[0]
                for r in conn.execute(
                    "SELECT key FROM api_keys WHERE account_id = ? AND revoked = 0 ORDER BY id",
                    (account.id,),
                )
            ]
            if not stored:
                key = make_key()
                conn.execute("INSERT INTO api_keys (key, account_id) VALUES (?, ?)", (key, account.id))
                stored = [key]
        ordered = [k for k in api_keys if k in stored] + [k for k in stored if k not in api_keys]
        return account, ordered

    def by_key(self, key: str) -> Principal | None:
        return self._store.cached("key:" + key, lambda: self._load_key(key))

    def _load_key(self, key: str) -> Principal | None:
        with self._store.read() as conn:
            row = conn.execute(
                "SELECT a.* FROM api_keys k JOIN accounts a ON a.id = k.account_id "
                "WHERE k.key = ? AND k.revoked = 0",
                (key,),
            ).fetchone()
        return None if row is None else Principal(Account.from_row(row), "key:" + key, key)

    def by_password(self, username: str, password: str) -> Principal | None:
        with self._store.read() as conn:
            row = conn.execute("SELECT * FROM accounts WHERE username = ?", (username,)).fetchone()
        if row is None or row["password"] is None:
            return None
        if not hmac.compare_digest(row["password"].encode(), password.encode()):
            return None
        return Principal(Account.from_row(row), "user:" + username)

    def set_revoked(self, key: str, revoked: bool) -> None:
        with self._store.write() as conn:
            cursor = conn.execute("UPDATE api_keys SET revoked = ? WHERE key = ?", (int(revoked), key))
            if cursor.rowcount == 0:
                raise NotFound("API key", key)

    def describe_all(self, reveal: bool = False) -> list[dict[str, object]]:
        """Every account with its keys, masked (``abcd…wxyz``) unless ``reveal``."""
        shown = (lambda key: key) if reveal else mask_key
        with self._store.read() as conn:
            accounts = conn.execute("SELECT * FROM accounts ORDER BY id").fetchall()
            keys = conn.execute("SELECT key, account_id, revoked FROM api_keys ORDER BY id").fetchall()
        return [
            {
                "id": a["id"],
                "name": a["name"],
                "identifier": a["identifier"],
                "apiKeys": [shown(k["key"]) for k in keys if k["account_id"] == a["id"] and not k["revoked"]],
                "revokedKeys": [shown(k["key"]) for k in keys if k["account_id"] == a["id"] and k["revoked"]],
                **({"username": a["username"]} if a["username"] else {}),
            }
            for a in accounts
        ]

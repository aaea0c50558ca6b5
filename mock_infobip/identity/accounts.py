"""Accounts and their credentials. Everything else is owned by an account."""

from __future__ import annotations

import hmac
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from mock_infobip.core.clock import Clock
from mock_infobip.core.errors import Conflict, NotFound
from mock_infobip.storage.interface import Row, Store, inserted_id
from mock_infobip.system.redact import mask_key

DEFAULT_ACCOUNT = "default"


@dataclass(frozen=True)
class Account:
    id: int
    name: str
    identifier: str  # how people are keyed: email | phone | externalId
    username: str | None = None
    # Infobip's flooding mechanism for this account: None follows the setting flooding_filter
    flooding_filter: bool | None = None

    @classmethod
    def from_row(cls, row: Row) -> Account:
        flooding = row["flooding_filter"]
        return cls(
            row["id"],
            row["name"],
            row["identifier"],
            row["username"],
            None if flooding is None else bool(flooding),
        )


@dataclass(frozen=True)
class Principal:
    """Who is calling: the account, and the credential whose rate-limit budget is used."""

    account: Account
    credential: str
    api_key: str | None = None
    session: str | None = None  # the IBSSO token the request presented


class AccountsService:
    def __init__(self, store: Store, clock: Clock, flooding_filter: bool = True) -> None:
        self._store = store
        self._clock = clock
        self._flooding_default = flooding_filter  # the setting, for accounts that do not say

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
                k
                for k in api_keys
                if conn.execute("SELECT 1 FROM api_keys WHERE key = :key", {"key": k}).fetchone()
            ]
            if taken:
                raise Conflict(f"API key already in use: {taken[0]}")
            if (
                username is not None
                and conn.execute(
                    "SELECT 1 FROM accounts WHERE username = :username", {"username": username}
                ).fetchone()
            ):
                raise Conflict(f"username already in use: {username}")
            account_id = inserted_id(
                conn.execute(
                    "INSERT INTO accounts (name, identifier, username, password, created_at) "
                    "VALUES (:name, :identifier, :username, :password, :now) RETURNING id",
                    {
                        "name": name,
                        "identifier": identifier,
                        "username": username,
                        "password": password,
                        "now": self._clock.now_ms(),
                    },
                )
            )
            conn.executemany(
                "INSERT INTO api_keys (key, account_id) VALUES (:key, :account)",
                [{"key": key, "account": account_id} for key in dict.fromkeys(api_keys)],
            )
        return Account(account_id, name, identifier, username)

    def ensure_default(
        self, api_keys: Sequence[str], identifier: str, make_key: Callable[[], str]
    ) -> tuple[Account, list[str]]:
        """The default account with ``api_keys`` added; with none given and none stored, one made
        by ``make_key``. Returns the account and its usable keys, the given ones first."""
        with self._store.write() as conn:
            row = conn.execute(
                "SELECT * FROM accounts WHERE name = :name ORDER BY id LIMIT 1", {"name": DEFAULT_ACCOUNT}
            ).fetchone()
            if row is None:
                row = conn.execute(
                    "INSERT INTO accounts (name, identifier, created_at) VALUES (:name, :identifier, :now) "
                    "RETURNING *",
                    {"name": DEFAULT_ACCOUNT, "identifier": identifier, "now": self._clock.now_ms()},
                ).fetchone()
            account = Account.from_row(row)
            conn.executemany(
                "INSERT INTO api_keys (key, account_id) VALUES (:key, :account) ON CONFLICT DO NOTHING",
                [{"key": key, "account": account.id} for key in api_keys],
            )
            stored = [
                r[0]
                for r in conn.execute(
                    "SELECT key FROM api_keys WHERE account_id = :account AND revoked = 0 ORDER BY id",
                    {"account": account.id},
                )
            ]
            if not stored:
                key = make_key()
                conn.execute(
                    "INSERT INTO api_keys (key, account_id) VALUES (:key, :account)",
                    {"key": key, "account": account.id},
                )
                stored = [key]
        ordered = [k for k in api_keys if k in stored] + [k for k in stored if k not in api_keys]
        return account, ordered

    def by_key(self, key: str) -> Principal | None:
        return self._store.cached("key:" + key, lambda: self._load_key(key))

    def _load_key(self, key: str) -> Principal | None:
        with self._store.read() as conn:
            row = conn.execute(
                "SELECT a.* FROM api_keys k JOIN accounts a ON a.id = k.account_id "
                "WHERE k.key = :key AND k.revoked = 0",
                {"key": key},
            ).fetchone()
        return None if row is None else Principal(Account.from_row(row), "key:" + key, key)

    def by_password(self, username: str, password: str) -> Principal | None:
        with self._store.read() as conn:
            row = conn.execute(
                "SELECT * FROM accounts WHERE username = :username", {"username": username}
            ).fetchone()
        if row is None or row["password"] is None:
            return None
        if not hmac.compare_digest(row["password"].encode(), password.encode()):
            return None
        return Principal(Account.from_row(row), "user:" + username)

    def set_revoked(self, key: str, revoked: bool) -> None:
        with self._store.write() as conn:
            cursor = conn.execute(
                "UPDATE api_keys SET revoked = :revoked WHERE key = :key",
                {"revoked": int(revoked), "key": key},
            )
            if cursor.rowcount == 0:
                raise NotFound("API key", key)

    def set_flooding(self, account_id: int, on: bool | None) -> None:
        """Turn the flooding mechanism on or off for an account (as Infobip's account
        representatives do); None: as the setting ``flooding_filter`` says."""
        with self._store.write() as conn:
            cursor = conn.execute(
                "UPDATE accounts SET flooding_filter = :on WHERE id = :id",
                {"on": None if on is None else int(on), "id": account_id},
            )
            if cursor.rowcount == 0:
                raise NotFound("account", account_id)

    def describe(self, account_id: int, reveal: bool = False) -> dict[str, object]:
        for found in self.describe_all(reveal):
            if found["id"] == account_id:
                return found
        raise NotFound("account", account_id)

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
                "floodingFilter": bool(
                    self._flooding_default if a["flooding_filter"] is None else a["flooding_filter"]
                ),
            }
            for a in accounts
        ]

"""IBSSO sessions (``POST /auth/1/session``, ``DELETE /auth/1/session``): an account's username and
password give a session token for ``Authorization: IBSSO <token>``, valid on every endpoint until
``ibsso_session_ttl`` seconds of the fake's clock pass without a request that uses it (Infobip: the
session "will expire automatically after a predefined period of inactivity", 60 minutes by default),
or until it is destroyed. Decisions where Infobip is silent (docs/decisions.md): creating a session
while the user's last one is still alive answers that session's token (Infobip: to get a new token
before the session expires, destroy it first). Tokens are credentials: from the cryptographic
source, kept by a reset like API keys."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mock_infobip.core.clock import Clock
from mock_infobip.core.errors import Unauthorized
from mock_infobip.core.randomness import Randomness
from mock_infobip.identity.accounts import Account, AccountsService, Principal
from mock_infobip.storage.interface import Store

SESSIONS_LOCK = "ibsso-sessions"  # what session writes share (the store's lock of them)

HEX = "0123456789abcdef"


class SessionsService:
    def __init__(
        self, store: Store, clock: Clock, random: Randomness, accounts: AccountsService, idle_seconds: int
    ) -> None:
        self._store = store
        self._clock = clock
        self._random = random
        self._accounts = accounts
        self._idle_ms = idle_seconds * 1000

    def _token(self) -> str:
        raw = self._random.secret(32, HEX)  # shaped as Infobip's: a UUID
        return f"{raw[:8]}-{raw[8:12]}-4{raw[13:16]}-{'89ab'[int(raw[16], 16) % 4]}{raw[17:20]}-{raw[20:]}"

    def create(self, body: Mapping[str, Any]) -> dict[str, str]:
        username, password = body["username"], body["password"]
        principal = self._accounts.by_password(username, password)
        if principal is None:
            raise Unauthorized()
        now = self._clock.now_ms()
        with self._store.write(SESSIONS_LOCK) as conn:
            alive = conn.execute(
                "SELECT token FROM ibsso_sessions WHERE account_id = :account AND username = :username "
                "AND last_used_at > :since ORDER BY last_used_at DESC LIMIT 1",
                {"account": principal.account.id, "username": username, "since": now - self._idle_ms},
            ).fetchone()
            if alive is not None:
                conn.execute(
                    "UPDATE ibsso_sessions SET last_used_at = :now WHERE token = :token",
                    {"now": now, "token": alive["token"]},
                )
                return {"token": str(alive["token"])}
            token = self._token()
            conn.execute(
                "INSERT INTO ibsso_sessions (token, account_id, username, last_used_at) "
                "VALUES (:token, :account, :username, :now)",
                {"token": token, "account": principal.account.id, "username": username, "now": now},
            )
        return {"token": token}

    def principal(self, token: str) -> Principal | None:
        """Who a session stands for while it is alive; using it keeps it alive."""
        now = self._clock.now_ms()
        with self._store.write(SESSIONS_LOCK) as conn:
            row = conn.execute(
                "SELECT a.*, s.username AS session_user FROM ibsso_sessions s "
                "JOIN accounts a ON a.id = s.account_id WHERE s.token = :token AND s.last_used_at > :since",
                {"token": token, "since": now - self._idle_ms},
            ).fetchone()
            if row is None:
                return None
            conn.execute(
                "UPDATE ibsso_sessions SET last_used_at = :now WHERE token = :token",
                {"now": now, "token": token},
            )
        return Principal(Account.from_row(row), "user:" + row["session_user"], session=token)

    def destroy(self, token: str) -> None:
        with self._store.write(SESSIONS_LOCK) as conn:
            conn.execute("DELETE FROM ibsso_sessions WHERE token = :token", {"token": token})

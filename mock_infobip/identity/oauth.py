"""OAuth 2.0 client credentials (``POST /auth/1/oauth2/token``): an account's username and password
give an access token for ``Authorization: Bearer``, valid for ``oauth_token_ttl`` seconds of the
fake's clock. Tokens are credentials: a reset keeps them, like API keys."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mock_infobip.core.clock import Clock
from mock_infobip.core.errors import Unauthorized
from mock_infobip.core.randomness import Randomness
from mock_infobip.identity.accounts import Account, AccountsService, Principal
from mock_infobip.storage.interface import Store


class TokensService:
    def __init__(
        self, store: Store, clock: Clock, random: Randomness, accounts: AccountsService, ttl_seconds: int
    ) -> None:
        self._store = store
        self._clock = clock
        self._random = random
        self._accounts = accounts
        self._ttl_ms = ttl_seconds * 1000

    def issue(self, form: Mapping[str, str]) -> dict[str, Any]:
        principal = self._accounts.by_password(form["client_id"], form["client_secret"])
        if principal is None:
            raise Unauthorized()
        token = self._random.secret(48)
        with self._store.write() as conn:
            conn.execute(
                "INSERT INTO oauth_tokens (token, account_id, username, expires_at) "
                "VALUES (:token, :account, :username, :expires)",
                {
                    "token": token,
                    "account": principal.account.id,
                    "username": form["client_id"],
                    "expires": self._clock.now_ms() + self._ttl_ms,
                },
            )
        return {"access_token": token, "expires_in": self._ttl_ms // 1000}

    def principal(self, token: str) -> Principal | None:
        """Who a token stands for, until it expires."""
        with self._store.read() as conn:
            row = conn.execute(
                "SELECT a.*, t.username AS token_user FROM oauth_tokens t "
                "JOIN accounts a ON a.id = t.account_id WHERE t.token = :token AND t.expires_at > :now",
                {"token": token, "now": self._clock.now_ms()},
            ).fetchone()
        return None if row is None else Principal(Account.from_row(row), "user:" + row["token_user"])

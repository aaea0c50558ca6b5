"""The dashboard's sign-ins: signing in with the admin token gives a random sign-in id (the
cryptographic source, never the seed), which the browser keeps in a cookie; the server keeps a
SHA-256 digest of it and when it ends (``dashboard_signin_hours`` of the wall clock: a manual
fake clock advanced by days does not sign anyone out). The token itself is never a cookie. Every
host on one database reads the same sign-ins; signing out ends one at once; a new admin token
ends every sign-in made with the old one (they are kept per token digest).

A tenant signs in with one of its account's API keys instead (:meth:`SignIns.create_tenant`): the
sign-in is kept with the key's row, never the key, and ends when the key is revoked."""

from __future__ import annotations

import hashlib
from collections.abc import Callable

from mock_infobip.core.clock import Clock
from mock_infobip.core.randomness import Randomness
from mock_infobip.storage.interface import Row, Store

SIGNINS_LOCK = "dashboard-signins"
ID_LENGTH = 43  # about 256 bits of the token alphabet


def _digest(token: str, signin: str) -> str:
    """A sign-in's digest, bound to the admin token it was made with."""
    return hashlib.sha256(f"{hashlib.sha256(token.encode()).hexdigest()}:{signin}".encode()).hexdigest()


def _tenant_digest(signin: str) -> str:
    """A tenant's sign-in's digest (bound to its key by the row's ``key_id``)."""
    return hashlib.sha256(f"tenant:{signin}".encode()).hexdigest()


class SignIns:
    def __init__(self, store: Store, clock: Clock, random: Randomness, hours: float) -> None:
        self._store = store
        self._clock = clock
        self._random = random
        self._ms = round(hours * 3_600_000)

    @property
    def seconds(self) -> int:
        return self._ms // 1000

    def create(self, token: str) -> str:
        """A new sign-in for a browser that gave ``token``; ended ones are swept meanwhile."""
        signin = self._random.secret(ID_LENGTH)
        self._keep(_digest(token, signin), None)
        return signin

    def create_tenant(self, key: str) -> str | None:
        """A new sign-in for a browser that gave an API key (not revoked); None for any other text."""
        with self._store.read() as conn:
            row = conn.execute(
                "SELECT id FROM api_keys WHERE key = :key AND revoked = 0", {"key": key}
            ).fetchone()
        if row is None:
            return None
        signin = self._random.secret(ID_LENGTH)
        self._keep(_tenant_digest(signin), int(row["id"]))
        return signin

    def _keep(self, digest: str, key_id: int | None) -> None:
        now = self._clock.wall_ms()
        with self._store.write(SIGNINS_LOCK) as conn:
            conn.execute("DELETE FROM dashboard_signins WHERE expires_at <= :now", {"now": now})
            conn.execute(
                "INSERT INTO dashboard_signins (digest, expires_at, key_id) VALUES (:digest, :ends, :key)",
                {"digest": digest, "ends": now + self._ms, "key": key_id},
            )

    def tenant(self, signin: str) -> int | None:
        """The account of a live tenant's sign-in (its key not revoked since); None otherwise."""
        row = self._live(
            _tenant_digest,
            signin,
            "SELECT k.account_id FROM dashboard_signins s JOIN api_keys k ON k.id = s.key_id "
            "WHERE s.digest = :digest AND s.expires_at > :now AND k.revoked = 0",
        )
        return None if row is None else int(row["account_id"])

    def end_tenant(self, signin: str) -> None:
        self._end(_tenant_digest(signin))

    def valid(self, token: str, signin: str) -> bool:
        """Whether ``signin`` is a live sign-in made with ``token``."""
        return (
            self._live(
                lambda given: _digest(token, given),
                signin,
                "SELECT 1 FROM dashboard_signins WHERE digest = :digest AND expires_at > :now "
                "AND key_id IS NULL",
            )
            is not None
        )

    def end(self, token: str, signin: str) -> None:
        self._end(_digest(token, signin))

    def _live(self, digest: Callable[[str], str], signin: str, sql: str) -> Row | None:
        """The row ``sql`` finds for a live sign-in (by its digest; ``:now`` the wall clock)."""
        if not signin or len(signin) > 2 * ID_LENGTH:
            return None
        with self._store.read() as conn:
            found: Row | None = conn.execute(
                sql, {"digest": digest(signin), "now": self._clock.wall_ms()}
            ).fetchone()
        return found

    def _end(self, digest: str) -> None:
        with self._store.write(SIGNINS_LOCK) as conn:
            conn.execute("DELETE FROM dashboard_signins WHERE digest = :digest", {"digest": digest})

"""The dashboard's sign-ins: signing in with the admin token gives a random sign-in id (the
cryptographic source, never the seed), which the browser keeps in a cookie; the server keeps a
SHA-256 digest of it and when it ends (``dashboard_signin_hours`` of the wall clock: a manual
fake clock advanced by days does not sign anyone out). The token itself is never a cookie. Every
host on one database reads the same sign-ins; signing out ends one at once; a new admin token
ends every sign-in made with the old one (they are kept per token digest)."""

from __future__ import annotations

import hashlib

from mock_infobip.core.clock import Clock
from mock_infobip.core.randomness import Randomness
from mock_infobip.storage.interface import Store

SIGNINS_LOCK = "dashboard-signins"
ID_LENGTH = 43  # about 256 bits of the token alphabet


def _digest(token: str, signin: str) -> str:
    """A sign-in's digest, bound to the admin token it was made with."""
    return hashlib.sha256(f"{hashlib.sha256(token.encode()).hexdigest()}:{signin}".encode()).hexdigest()


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
        now = self._clock.wall_ms()
        with self._store.write(SIGNINS_LOCK) as conn:
            conn.execute("DELETE FROM dashboard_signins WHERE expires_at <= :now", {"now": now})
            conn.execute(
                "INSERT INTO dashboard_signins (digest, expires_at) VALUES (:digest, :ends)",
                {"digest": _digest(token, signin), "ends": now + self._ms},
            )
        return signin

    def valid(self, token: str, signin: str) -> bool:
        """Whether ``signin`` is a live sign-in made with ``token``."""
        if not signin or len(signin) > 2 * ID_LENGTH:
            return False
        with self._store.read() as conn:
            row = conn.execute(
                "SELECT 1 FROM dashboard_signins WHERE digest = :digest AND expires_at > :now",
                {"digest": _digest(token, signin), "now": self._clock.wall_ms()},
            ).fetchone()
        return row is not None

    def end(self, token: str, signin: str) -> None:
        with self._store.write(SIGNINS_LOCK) as conn:
            conn.execute(
                "DELETE FROM dashboard_signins WHERE digest = :digest", {"digest": _digest(token, signin)}
            )

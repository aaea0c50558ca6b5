"""The one random source. Every id and every random draw of the fake comes from here.

A stream is keyed (``"api-key:default"``, ``"message:000123"``), so the same seed and the same
requests give the same values in any order and after a restart. Only :func:`fresh_seed` (once, when
no seed was given) and :meth:`Randomness.secret` read the operating system's entropy: credentials
the fake hands out (OAuth access tokens, IBSSO session tokens, generated API keys) are secrets, which
no seed may let anyone compute.
"""

from __future__ import annotations

import os
import random
import secrets
import string

TOKEN_ALPHABET = string.ascii_lowercase + string.digits


def fresh_seed() -> int:
    return int.from_bytes(os.urandom(8), "big")


class Randomness:
    def __init__(self, seed: int) -> None:
        self.seed = seed

    def stream(self, key: str) -> random.Random:
        """A generator determined by the seed and ``key`` alone."""
        return random.Random(f"{self.seed}:{key}")

    def secret(self, length: int = 32, alphabet: str = TOKEN_ALPHABET) -> str:
        """A credential from the operating system's cryptographic source, never from the seed."""
        return "".join(secrets.choice(alphabet) for _ in range(length))

    def token(self, key: str, length: int = 32, alphabet: str = TOKEN_ALPHABET) -> str:
        rng = self.stream(key)
        return "".join(rng.choice(alphabet) for _ in range(length))

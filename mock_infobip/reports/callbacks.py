"""Pushing a callback: one POST, with a timeout. The transport is injectable (the in-process fake
delivers to receivers without sockets)."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Protocol

import requests


@dataclass(frozen=True)
class Answer:
    status: int | None  # the HTTP status received, or None when there was none
    error: str | None = None  # the transport error, when there was one

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


class Transport(Protocol):
    def post(
        self, url: str, body: bytes, timeout: float, content_type: str = "application/json"
    ) -> Answer: ...


class HttpTransport:
    """POST over HTTP with ``requests``, one session per thread, no proxies from the environment."""

    def __init__(self) -> None:
        self._local = threading.local()

    def _session(self) -> requests.Session:
        session: requests.Session | None = getattr(self._local, "session", None)
        if session is None:
            session = requests.Session()
            session.trust_env = False
            self._local.session = session
        return session

    def post(self, url: str, body: bytes, timeout: float, content_type: str = "application/json") -> Answer:
        try:
            with self._session().post(
                url,
                data=body,
                headers={"Content-Type": content_type},
                timeout=(timeout, timeout),
                stream=True,
                allow_redirects=False,
            ) as response:
                return Answer(response.status_code)
        except requests.RequestException as exc:
            return Answer(None, f"{type(exc).__name__}: {exc}"[:500])

"""The fake's answers: a status, a JSON body and its headers, written to the server as they are.

Every answer of the fake is JSON of a known length, so it needs none of what a framework's
response object carries (header lists to correct, streaming, cookies, conditional requests).
A :class:`Reply` and ``dispatch.ApiRequest`` in place of werkzeug's Response and Request cut a
fifth of a create list's cost (``benchmarks/bench_app_cost.py``). A Reply is a
WSGI application too, so a Flask view or hook of the controls returns one as it is (Flask turns it
into its own response).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from werkzeug.http import HTTP_STATUS_CODES

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment

CONTENT_TYPE = "application/json;charset=UTF-8"
_COMPACT = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False)  # made once, not a call
_COMPACT_ASCII = json.JSONEncoder(separators=(",", ":"))
# the status lines werkzeug's Response writes ("404 NOT FOUND"), kept as they were on the wire
_STATUS_LINES = {code: f"{code} {reason.upper()}" for code, reason in HTTP_STATUS_CODES.items()}


class Reply:
    """One answer: ``status_code``, the body's bytes and the headers beyond Content-Type and
    Content-Length. ``length`` is the Content-Length sent: the body's, unless a fault cut it."""

    __slots__ = ("data", "extra", "length", "status_code")

    def __init__(
        self,
        data: bytes,
        status: int = 200,
        headers: Mapping[str, str] | None = None,
        length: int | None = None,
    ) -> None:
        self.data = data
        self.status_code = status
        self.extra: list[tuple[str, str]] = list(headers.items()) if headers else []
        self.length = len(data) if length is None else length

    @property
    def status(self) -> str:
        code = self.status_code
        return _STATUS_LINES.get(code) or f"{code} UNKNOWN"

    @property
    def text(self) -> str:
        return self.data.decode("utf-8", "replace")

    def wsgi_headers(self) -> list[tuple[str, str]]:
        # werkzeug's order (the headers given, then Content-Type and Content-Length), as before
        return [*self.extra, ("Content-Type", CONTENT_TYPE), ("Content-Length", str(self.length))]

    def cut(self) -> Reply:
        """The ``truncate`` fault's answer: half the body under the full body's Content-Length."""
        return Reply(self.data[: len(self.data) // 2], self.status_code, dict(self.extra), len(self.data))

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        start_response(self.status, self.wsgi_headers())
        return [] if environ.get("REQUEST_METHOD") == "HEAD" else [self.data]


def json_response(body: Any, status: int = 200, headers: Mapping[str, str] | None = None) -> Reply:
    try:
        data = _COMPACT.encode(body).encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate (no UTF-8 for it): sent \u-escaped
        data = _COMPACT_ASCII.encode(body).encode("ascii")
    return Reply(data, status, headers)

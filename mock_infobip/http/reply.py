"""The fake's answers: a status, a JSON (or XML) body and its headers, written to the server as they are.

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

from mock_infobip.wire.xmlwire import XML_TYPE, render

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment

JSON_TYPE = "application/json"
CONTENT_TYPE = "application/json;charset=UTF-8"
_COMPACT = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False)  # made once, not a call
_COMPACT_ASCII = json.JSONEncoder(separators=(",", ":"))
# the status lines werkzeug's Response writes ("404 NOT FOUND"), kept as they were on the wire
_STATUS_LINES = {code: f"{code} {reason.upper()}" for code, reason in HTTP_STATUS_CODES.items()}


class Reply:
    """One answer: ``status_code``, the body's bytes and the headers beyond Content-Type and
    Content-Length. ``length`` is the Content-Length sent: the body's, unless a fault cut it."""

    __slots__ = ("content_type", "data", "extra", "length", "status_code")

    def __init__(
        self,
        data: bytes,
        status: int = 200,
        headers: Mapping[str, str] | None = None,
        length: int | None = None,
        content_type: str = CONTENT_TYPE,
    ) -> None:
        self.data = data
        self.status_code = status
        self.extra: list[tuple[str, str]] = list(headers.items()) if headers else []
        self.length = len(data) if length is None else length
        self.content_type = content_type

    @property
    def status(self) -> str:
        code = self.status_code
        return _STATUS_LINES.get(code) or f"{code} UNKNOWN"

    @property
    def text(self) -> str:
        return self.data.decode("utf-8", "replace")

    def wsgi_headers(self) -> list[tuple[str, str]]:
        # werkzeug's order (the headers given, then Content-Type and Content-Length), as before
        return [*self.extra, ("Content-Type", self.content_type), ("Content-Length", str(self.length))]

    def cut(self) -> Reply:
        """The ``truncate`` fault's answer: half the body under the full body's Content-Length."""
        half = self.data[: len(self.data) // 2]
        return Reply(half, self.status_code, dict(self.extra), len(self.data), self.content_type)

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        start_response(self.status, self.wsgi_headers())
        return [] if environ.get("REQUEST_METHOD") == "HEAD" else [self.data]


def json_response(body: Any, status: int = 200, headers: Mapping[str, str] | None = None) -> Reply:
    try:
        data = _COMPACT.encode(body).encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate (no UTF-8 for it): sent \u-escaped
        data = _COMPACT_ASCII.encode(body).encode("ascii")
    return Reply(data, status, headers)


XML_CONTENT_TYPE = "application/xml;charset=UTF-8"
ERROR_ROOTS = {"requestError": "ApiException", "errorCode": "ApiError"}  # Infobip's examples


def prefers_xml(accept: str | None) -> bool:
    """Whether an ``Accept`` header prefers ``application/xml`` to JSON (a tie is JSON's)."""
    if not accept or "xml" not in accept:  # most requests: no parsing
        return False
    from werkzeug.datastructures import MIMEAccept
    from werkzeug.http import parse_accept_header

    return parse_accept_header(accept, MIMEAccept).best_match([JSON_TYPE, XML_TYPE]) == XML_TYPE


def as_xml(reply: Reply, roots: Mapping[int, str], items: Mapping[str, str]) -> Reply:
    """``reply`` in XML: the root element its status's in ``roots``, or an error envelope's; an answer
    with no body, or none of those, stays as it is."""
    if not reply.data or reply.content_type != CONTENT_TYPE:
        return reply
    body = json.loads(reply.data)
    root = roots.get(reply.status_code)
    if root is None and isinstance(body, dict):
        root = next((name for key, name in ERROR_ROOTS.items() if key in body), None)
    if root is None:
        return reply
    return Reply(render(root, body, items), reply.status_code, dict(reply.extra), None, XML_CONTENT_TYPE)

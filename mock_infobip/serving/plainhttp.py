"""The plainest HTTP/1.1 requests, read without waitress's parser.

A request that arrives whole in one read of the connection, in the plainest form of HTTP/1.1 (an
uppercase method, an origin-form target with no percent-escape in its path and no fragment, every
header once, in printable ASCII, no underscore in a name, a Content-Length or no body, no
Transfer-Encoding or Expect), is what every client of the fake sends on its hot paths. For such a
request :func:`read_plain` gives the very request object waitress's parser gives
(``waitress.parser.HTTPRequestParser``, its fields filled as its ``received`` fills them), in a
fraction of the time (waitress's parser cost about a seventh of a create list under ``serve``:
README, Performance). Anything else, and anything in doubt, is ``None``: waitress parses it, as
before. ``tests/test_plainhttp.py`` holds the two to each other over generated requests.

What happens to the request after that is waitress's own (the channel's queue, the dispatcher, the
task, the environ and the answer).
"""

from __future__ import annotations

import re
from io import BytesIO
from typing import TYPE_CHECKING

from waitress.parser import HTTPRequestParser

if TYPE_CHECKING:
    from waitress.adjustments import Adjustments

_METHOD = re.compile(r"[A-Z]+")
# origin-form: a path without "%" (waitress unquotes a path), "#" or a second leading "/"; then a
# query of any printable ASCII but "#" (kept as sent)
_TARGET = re.compile(r"/(?!/)[A-Za-z0-9\-._~!$&'()*+,;=:@/]*(?:\?[\x21-\x22\x24-\x7e]*)?")
_NAME = re.compile(r"[!#$%&'*+\-.^`|~0-9A-Za-z]+")  # a token without "_" (waitress drops those)
_VALUE = re.compile(r"[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?|")  # printable ASCII, no edge space
_DIGITS = re.compile(r"[0-9]+")


class PlainRequest(HTTPRequestParser):
    """A request read by :func:`read_plain`: waitress's request object with its fields as its
    parser sets them, and the body at hand."""

    def __init__(self, adj: Adjustments, body: bytes) -> None:
        super().__init__(adj)
        self.body = body

    def get_body_stream(self) -> BytesIO:
        return BytesIO(self.body)


def read_plain(data: bytes, adj: Adjustments) -> PlainRequest | None:
    """The one plain request that ``data`` is, whole, or None (see the module's docstring)."""
    end = data.find(b"\r\n\r\n")
    if end <= 0 or end >= adj.max_request_header_size:
        return None
    try:
        head = data[:end].decode("ascii")
    except UnicodeDecodeError:
        return None
    lines = head.split("\r\n")
    parts = lines[0].split(" ")
    if len(parts) != 3 or parts[2] != "HTTP/1.1" or not _METHOD.fullmatch(parts[0]):
        return None
    method, target = parts[0], parts[1]
    if not _TARGET.fullmatch(target):
        return None
    headers: dict[str, str] = {}
    for line in lines[1:]:
        name, colon, value = line.partition(":")
        value = value.strip(" \t")
        if not colon or not _NAME.fullmatch(name) or not _VALUE.fullmatch(value):
            return None
        key = name.upper().replace("-", "_")
        if key in headers:
            return None  # waitress joins repeated headers: left to it
        headers[key] = value
    if "TRANSFER_ENCODING" in headers or "EXPECT" in headers:
        return None
    length = headers.get("CONTENT_LENGTH", "0")
    if not _DIGITS.fullmatch(length):
        return None
    declared = int(length)
    if declared >= adj.max_request_body_size or len(data) != end + 4 + declared:
        return None  # too large (waitress answers 413), more or less than one request: waitress's
    request = PlainRequest(adj, data[end + 4 :])
    path, _, query = target.partition("?")
    # as waitress's parser sets them (the types are its, at run time: its stubs differ)
    vars(request).update(
        command=method,
        version="1.1",
        request_uri=target,
        proxy_scheme="",
        proxy_netloc="",
        fragment="",
        path=path,
        query=query,
        url_scheme=adj.url_scheme,
        headers=headers,
        expect_continue=False,
        connection_close=headers.get("CONNECTION", "").lower() == "close",
        content_length=declared,
        header_bytes_received=end,
        body_bytes_received=declared,
        first_line=lines[0].encode("ascii"),
        headers_finished=True,
        completed=True,
    )
    return request

"""Pushing a callback: one POST with a total deadline, on the pushes' event loop
(``delivery/lanes.py``): an attempt waiting on a receiver holds a connection, never a thread. The
transport is injectable (the in-process fake delivers to receivers without sockets).

The HTTP transport parses the URL with the parser the allow-list check used (urllib3's), resolves
the host once per attempt and connects to that address (a name that should be loopback must
resolve to loopback), never follows redirects, and gives each attempt one deadline for connecting,
sending and reading the answer's status line: a receiver that answers a byte a second costs one
attempt, not a thread.
"""

from __future__ import annotations

import asyncio
import http.client
import re
import socket
import ssl
from dataclasses import dataclass
from typing import Protocol

from mock_infobip.system.net import is_loopback


@dataclass(frozen=True)
class Answer:
    status: int | None  # the HTTP status received, or None when there was none
    error: str | None = None  # the transport error, when there was one

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


class Transport(Protocol):
    async def post(
        self, url: str, body: bytes, timeout: float, content_type: str = "application/json"
    ) -> Answer: ...


class Refused(Exception):
    """The URL's host resolved to an address the allow-list does not cover."""


async def _resolve(host: str, port: int) -> tuple[int, tuple[str, int]]:
    """One resolution per attempt: (address family, address) to connect to."""
    found = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    family, _, _, _, address = found[0]
    ip = str(address[0])
    if is_loopback(host) and not is_loopback(ip):
        raise Refused(f"{host} resolved to {ip}, not a loopback address")
    return family, (ip, int(address[1]))


def describe(exc: BaseException) -> str:
    """A short, readable reason an attempt got no answer."""
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused"
    if isinstance(exc, http.client.RemoteDisconnected):
        return "connection closed without an answer"
    if isinstance(exc, ConnectionResetError | BrokenPipeError):
        return "connection reset"
    if isinstance(exc, http.client.BadStatusLine | http.client.LineTooLong):
        return "not an HTTP answer"
    if isinstance(exc, socket.gaierror):
        return f"host not found: {exc.strerror or exc}"
    if isinstance(exc, ssl.SSLError):
        return f"TLS: {exc.reason or exc}"[:200]
    return f"{type(exc).__name__}: {exc}"[:500]


class NotHttp(Exception):
    """The receiver's first line is not an HTTP status line."""


MAX_STATUS_LINE = 8192
_STATUS_LINE = re.compile(rb"^HTTP/1\.[01] ([1-9][0-9]{2})(?: |\r?\n|$)")


def status_of(line: bytes) -> int:
    """The status of an answer's first line; :class:`NotHttp` when it is not a status line."""
    found = _STATUS_LINE.match(line)
    if found is None:
        raise NotHttp(line[:40].decode("latin-1"))
    return int(found.group(1))


class HttpTransport:
    """POST over HTTP(S) with asyncio's streams: no proxies, no redirects, one deadline an attempt,
    ``Connection: close``; the answer's status line is all that is read."""

    async def post(
        self, url: str, body: bytes, timeout: float, content_type: str = "application/json"
    ) -> Answer:
        from urllib3.util import parse_url  # at first use: urllib3's import is ~20 ms of start-up

        parts = parse_url(url)
        tls = parts.scheme == "https"
        host = (parts.host or "").strip("[]")
        port = parts.port or (443 if tls else 80)
        writer: asyncio.StreamWriter | None = None
        try:
            async with asyncio.timeout(timeout):
                family, (ip, to_port) = await _resolve(host, port)
                reader, writer = await asyncio.open_connection(
                    ip,
                    to_port,
                    family=family,
                    ssl=ssl.create_default_context() if tls else None,
                    server_hostname=host if tls else None,
                    limit=MAX_STATUS_LINE,
                )
                target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
                head = (
                    f"POST {target} HTTP/1.1\r\nHost: {parts.netloc or host}\r\n"
                    f"Content-Type: {content_type}\r\nContent-Length: {len(body)}\r\n"
                    "Connection: close\r\n\r\n"
                )
                writer.write(head.encode("latin-1") + body)
                await writer.drain()
                line = await reader.readline()
            if not line:
                return Answer(None, "connection closed without an answer")
            return Answer(status_of(line))
        except Refused as exc:
            return Answer(None, f"refused: {exc}"[:500])
        except TimeoutError:
            return Answer(None, f"timeout after {timeout:g} s")
        except (NotHttp, asyncio.LimitOverrunError):
            return Answer(None, "not an HTTP answer")
        except (OSError, ValueError) as exc:  # ValueError: readline past its limit, a bad URL
            return Answer(None, "not an HTTP answer" if "limit" in str(exc) else describe(exc))
        finally:
            if writer is not None:
                writer.close()

"""Pushing a callback: one POST with a total deadline. The transport is injectable (the in-process
fake delivers to receivers without sockets).

The HTTP transport parses the URL with the parser the allow-list check used (urllib3's), resolves
the host once per attempt and connects to that address (a name that should be loopback must
resolve to loopback), never follows redirects, and gives each attempt one deadline for connecting,
sending and reading the answer's status line: a receiver that answers a byte a second costs one
attempt, not a thread.
"""

from __future__ import annotations

import contextlib
import http.client
import socket
import ssl
import threading
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
    def post(
        self, url: str, body: bytes, timeout: float, content_type: str = "application/json"
    ) -> Answer: ...


class Refused(Exception):
    """The URL's host resolved to an address the allow-list does not cover."""


def _resolve(host: str, port: int) -> tuple[int, tuple[str, int]]:
    """One resolution per attempt: (address family, address) to connect to."""
    found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    family, _, _, _, address = found[0]
    ip = str(address[0])
    if is_loopback(host) and not is_loopback(ip):
        raise Refused(f"{host} resolved to {ip}, not a loopback address")
    return family, (ip, int(address[1]))


class _Connection(http.client.HTTPConnection):
    """Connects to an address resolved beforehand; TLS verifies the URL's host name."""

    def __init__(
        self, host: str, port: int, timeout: float, family: int, address: tuple[str, int], tls: bool
    ):
        super().__init__(host, port, timeout=timeout)
        self._family, self._address, self._tls = family, address, tls

    def connect(self) -> None:
        sock = socket.socket(self._family, socket.SOCK_STREAM)
        sock.settimeout(self.timeout)
        sock.connect(self._address)
        if self._tls:
            sock = ssl.create_default_context().wrap_socket(sock, server_hostname=self.host)
        self.sock = sock


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


class HttpTransport:
    """POST over HTTP(S) with ``http.client``: no proxies, no redirects, one deadline an attempt."""

    def post(self, url: str, body: bytes, timeout: float, content_type: str = "application/json") -> Answer:
        from urllib3.util import parse_url  # at first use: urllib3's import is ~20 ms of start-up

        parts = parse_url(url)
        tls = parts.scheme == "https"
        host = (parts.host or "").strip("[]")
        port = parts.port or (443 if tls else 80)
        aborted = threading.Event()
        connection: _Connection | None = None

        def abort() -> None:
            aborted.set()
            sock = connection.sock if connection is not None else None
            if sock is not None:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)

        timer = threading.Timer(timeout, abort)
        timer.daemon = True
        timer.start()
        try:
            family, address = _resolve(host, port)
            connection = _Connection(host, port, timeout, family, address, tls)
            target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
            headers = {"Content-Type": content_type, "Host": parts.netloc or host}
            connection.request("POST", target, body=body, headers=headers)
            response = connection.getresponse()
            return Answer(response.status)
        except Refused as exc:
            return Answer(None, f"refused: {exc}"[:500])
        except (OSError, http.client.HTTPException, ValueError) as exc:
            if aborted.is_set() or isinstance(exc, TimeoutError):
                return Answer(None, f"timeout after {timeout:g} s")
            return Answer(None, describe(exc))
        finally:
            timer.cancel()
            if connection is not None:
                connection.close()

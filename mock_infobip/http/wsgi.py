"""A request as a WSGI call: its environ built, and the app called and its answer collected, in one
place for the server (``serving/``) and the in-process wire (``inprocess/``), so that the app sees
the same request, and is heard the same way, either way."""

from __future__ import annotations

import io
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote_to_bytes, urlsplit

from mock_infobip.http.signals import Again, DropConnection, Hold, Stream

# environ: the request came through the in-process wire, not a socket
IN_PROCESS = "mock_infobip.in_process"


def split_target(target: str) -> tuple[str, str]:
    """PATH_INFO and QUERY_STRING of a request target (origin-form as clients send it, or
    absolute-form): the path's bytes (read as latin-1) unquoted and read as latin-1 (PEP 3333)."""
    if target.startswith("/") and "#" not in target:
        path, _, query = target.partition("?")
    else:
        url = urlsplit(target)
        path, query = url.path, url.query
    if "%" in path:
        path = unquote_to_bytes(path.encode("latin-1")).decode("latin-1")
    return path or "/", query


def build_environ(
    method: str,
    target: str,
    headers: Iterable[tuple[str, str]],
    body: bytes,
    *,
    scheme: str,
    host: str,
    port: int,
    remote: tuple[str, int] = ("127.0.0.1", 0),
    content_length: int | None = None,
    multiprocess: bool = False,
) -> dict[str, Any]:
    """The environ of one request whose body is read whole (``body``). ``content_length``: the
    length the client declared, when its body was left unread (too large to read). Header names
    with ``_`` are left out (they would read as the same variable as their ``-`` spelling)."""
    path, query = split_target(target)
    env: dict[str, Any] = {
        "REQUEST_METHOD": method,
        "SCRIPT_NAME": "",
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "SERVER_NAME": host,
        "SERVER_PORT": str(port),
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": remote[0],
        "REMOTE_PORT": str(remote[1]),
        "CONTENT_LENGTH": str(len(body) if content_length is None else content_length),
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": scheme,
        "wsgi.input": io.BytesIO(body),
        "wsgi.input_terminated": True,
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": multiprocess,
        "wsgi.run_once": False,
    }
    for name, value in headers:
        if "_" in name:
            continue
        key = name.upper().replace("-", "_")
        if key == "CONTENT_TYPE":
            env[key] = value
        elif key not in ("CONTENT_LENGTH", "TRANSFER_ENCODING"):
            key = "HTTP_" + key
            env[key] = f"{env[key]},{value}" if key in env else value
    authority = target_authority(target)
    if authority is not None:  # RFC 9112 §3.2.2: the target's authority, never the Host header
        env["HTTP_HOST"] = authority
    env.setdefault("HTTP_HOST", host if port in (80, 443) else f"{host}:{port}")
    return env


def target_authority(target: str) -> str | None:
    """The authority of an absolute-form request target (``http://host:port/path``, its user-info
    left out), which a server must use instead of the ``Host`` header; None for origin-form."""
    if target.startswith("/") or "://" not in target:
        return None
    return urlsplit(target).netloc.rpartition("@")[2]


@dataclass
class Outcome:
    """What the app gave for one request."""

    status: str = ""
    headers: list[tuple[str, str]] | None = None
    body: bytes = b""
    hold: Hold | None = None
    again: float | None = None  # serve it again in this many seconds (signals.Again)
    stream: Stream | None = None  # an answer that goes on (signals.Stream)
    drop: bool = False


def call_app(app: Callable[..., Any], environ: dict[str, Any]) -> Outcome:
    """Call a WSGI app and collect its answer (on the loop or on a thread)."""
    outcome = Outcome()

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
        outcome.status, outcome.headers = status, headers
        return _no_write

    try:
        chunks = app(environ, start_response)
        try:
            outcome.body = b"".join(chunks)
        finally:
            close = getattr(chunks, "close", None)
            if close is not None:
                close()
    except Hold as hold:
        outcome.hold = hold
    except Again as again:
        outcome.again = again.seconds
    except Stream as stream:
        outcome.stream = stream
    except DropConnection:
        outcome.drop = True
    return outcome


def _no_write(data: bytes) -> None:
    raise NotImplementedError("the write() of start_response is not supported: return the body")

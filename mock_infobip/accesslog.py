"""An optional access log of the served fake: Apache's combined format or JSON lines, one line per
request, written when the answer is done (setting ``access_log``: off, combined or json)."""

from __future__ import annotations

import json
import sys
import threading
import time
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any, TextIO

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class AccessLog:
    def __init__(self, app: WsgiApp, style: str, out: TextIO | None = None) -> None:
        self._app = app
        self._style = style
        self._out = out or sys.stderr
        self._lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        started = time.perf_counter()
        seen: dict[str, Any] = {}

        def recording(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            seen["status"] = int(status.split(" ", 1)[0])
            return start_response(status, headers, exc_info) if exc_info else start_response(status, headers)

        size = 0
        try:
            for chunk in self._app(environ, recording):
                size += len(chunk)
                yield chunk
        finally:
            self._write(environ, seen.get("status", 0), size, time.perf_counter() - started)

    def _write(self, environ: dict[str, Any], status: int, size: int, seconds: float) -> None:
        path = environ.get("PATH_INFO", "")
        query = environ.get("QUERY_STRING", "")
        target = path + (f"?{query}" if query else "")
        now = datetime.now(UTC)
        if self._style == "json":
            line = json.dumps(
                {
                    "time": now.isoformat(timespec="milliseconds"),
                    "remote": environ.get("REMOTE_ADDR", "-"),
                    "method": environ.get("REQUEST_METHOD", ""),
                    "path": target,
                    "status": status,
                    "bytes": size,
                    "ms": round(seconds * 1000, 2),
                    "userAgent": environ.get("HTTP_USER_AGENT", ""),
                },
                ensure_ascii=False,
            )
        else:
            get = environ.get
            request = f"{get('REQUEST_METHOD', '')} {target} {get('SERVER_PROTOCOL', 'HTTP/1.1')}"
            line = (
                f"{get('REMOTE_ADDR', '-')} - - [{now.strftime('%d/%b/%Y:%H:%M:%S +0000')}] "
                f'"{request}" {status} {size or "-"} '
                f'"{get("HTTP_REFERER", "-")}" "{get("HTTP_USER_AGENT", "-")}"'
            )
        with self._lock:
            print(line, file=self._out, flush=True)

"""An optional access log of the served fake: Apache's combined format or JSON lines, one line per
request, written when the answer is done (setting ``access_log``: off, combined or json)."""

from __future__ import annotations

import json
import sys
import threading
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any, TextIO

from mock_infobip.http.signals import Again, Hold, Stream
from mock_infobip.system.redact import redact

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class AccessLog:
    def __init__(
        self, app: WsgiApp, style: str, wall_ms: Callable[[], int], out: TextIO | None = None
    ) -> None:
        self._app = app
        self._style = style
        self._wall_ms = wall_ms  # the real wall clock, from mock_infobip.core.clock
        self._out = out or sys.stderr
        self._lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        started = self._wall_ms()
        seen: dict[str, Any] = {}

        def recording(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            seen["status"] = int(status.split(" ", 1)[0])
            return start_response(status, headers, exc_info) if exc_info else start_response(status, headers)

        size = 0
        moved = False
        try:
            for chunk in self._app(environ, recording):
                size += len(chunk)
                yield chunk
        except (Hold, Again):
            moved = True  # served again once its latency is waited out (or to look again): logged then
            raise
        except Stream:
            seen["status"] = 200  # logged as it begins: it may go on for hours
            raise
        finally:
            if not moved:
                self._write(environ, seen.get("status", 0), size, started)

    def _write(self, environ: dict[str, Any], status: int, size: int, started: int) -> None:
        path = environ.get("PATH_INFO", "")
        query = environ.get("QUERY_STRING", "")
        target = redact(path + (f"?{query}" if query else ""))
        ended = self._wall_ms()
        now = datetime.fromtimestamp(ended / 1000, tz=UTC)
        if self._style == "json":
            line = json.dumps(
                {
                    "time": now.isoformat(timespec="milliseconds"),
                    "remote": environ.get("REMOTE_ADDR", "-"),
                    "method": environ.get("REQUEST_METHOD", ""),
                    "path": target,
                    "status": status,
                    "bytes": size,
                    "ms": ended - started,
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

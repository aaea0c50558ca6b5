"""What every Python judge shares (standard library only: it runs in the SDK's own environment).

The fake's admin API steers the scenario (rules, numbers, handsets, the manual clock); a loopback
receiver takes the callbacks so the judge can parse them with the SDK's own models. A judge prints
one JSON line: the SMS calls its SDK offers, the ones it made, and every problem found.
"""

from __future__ import annotations

import json
import os
import sys
import threading
import urllib.request
from collections.abc import Callable
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

BASE_URL = os.environ["INFOBIP_BASE_URL"]
API_KEY = os.environ["INFOBIP_API_KEY"]


def admin(method: str, path: str, body: Any = None) -> Any:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(
        BASE_URL + path, data=data, method=method, headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read() or b"null")


def advance(seconds: float) -> None:
    admin("POST", "/__admin/clock/advance", {"seconds": seconds})


class Receiver:
    """Collects the raw bodies POSTed to it."""

    def __init__(self) -> None:
        self.bodies: list[bytes] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                receiver.bodies.append(self.rfile.read(int(self.headers.get("Content-Length", 0))))
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def take(self) -> list[bytes]:
        found, self.bodies = self.bodies, []
        return found


def offered_calls(api: type) -> list[str]:
    """The public calls of a generated SDK API class (not its *_with_http_info twins)."""
    import inspect

    return [
        name
        for name, _ in inspect.getmembers(api, inspect.isfunction)
        if not name.startswith("_") and not name.endswith(("_with_http_info", "_without_preload_content"))
    ]


def fake_now() -> datetime:
    return datetime.fromisoformat(admin("GET", "/__admin/clock")["now"].replace("+0000", "+00:00"))


class Judge:
    def __init__(self, offered: list[str]) -> None:
        self.offered = sorted(offered)
        self.called: set[str] = set()
        self.problems: list[str] = []

    def call(self, name: str, action: Callable[[], Any]) -> Any:
        """Make one SDK call; an exception (HTTP error, a model that cannot parse) is a problem."""
        self.called.add(name)
        try:
            return action()
        except Exception as exc:  # the judge reports, the test fails on it
            self.problems.append(f"{name}: {type(exc).__name__}: {str(exc)[:600]}")
            return None

    def check(self, condition: bool, what: str) -> None:
        if not condition:
            self.problems.append(what)

    def report(self) -> None:
        json.dump(
            {"offered": self.offered, "called": sorted(self.called), "problems": self.problems}, sys.stdout
        )
        sys.stdout.write("\n")

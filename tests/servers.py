"""Starting ``mock-infobip serve`` as a real process for the tests that need one."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests

from mock_infobip.serving.assembly import BackgroundServer
from mock_infobip.serving.server import Limits, Server, listening_socket


def wsgi_server(app: Any) -> BackgroundServer:
    """Any WSGI app on the fake's server on a free loopback port, in a thread (a context manager)."""
    return BackgroundServer(Server(app, [listening_socket("127.0.0.1", 0)], Limits()))


def command() -> list[str]:
    script = Path(sys.executable).parent / "mock-infobip"
    return [str(script)] if script.exists() else [sys.executable, "-m", "mock_infobip"]


@dataclass
class ServeProcess:
    process: subprocess.Popen[str]
    base_url: str
    api_key: str
    lines: list[str]

    def post(self, path: str, body: object, key: str | None = None) -> requests.Response:
        headers = {"Authorization": f"App {key or self.api_key}"}
        return requests.post(self.base_url + path, json=body, headers=headers, timeout=30)

    def get(self, path: str) -> requests.Response:
        return requests.get(self.base_url + path, timeout=30)

    def stop(self, sig: int = signal.SIGTERM) -> str:
        """Stop with ``sig``; the rest of its output. A process that does not stop within 30 s
        is killed (and the test fails): the helper never leaks what it started."""
        if self.process.poll() is None:
            self.process.send_signal(sig)
        try:
            out, _ = self.process.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.communicate(timeout=30)
            raise AssertionError(f"serve did not stop on signal {sig}: killed") from None
        return out


def serve(
    *args: str,
    env: dict[str, str] | None = None,
    ignore_sigint: bool = False,
    cwd: Path | None = None,
    wrapper: tuple[str, ...] = (),
) -> ServeProcess:
    """``mock-infobip serve`` (in ``cwd``); ``ignore_sigint`` starts it as a shell starts ``serve &``;
    ``wrapper`` is a command that runs it (``unshare … --``: as PID 1)."""
    process = subprocess.Popen(
        [*wrapper, *command(), "serve", "--port", "0", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "MOCK_INFOBIP_WORKERS": "1", **(env or {})},  # one process unless asked
        preexec_fn=(lambda: signal.signal(signal.SIGINT, signal.SIG_IGN)) if ignore_sigint else None,
        cwd=cwd,
    )
    assert process.stdout is not None
    lines: list[str] = []
    base_url = api_key = ""
    while not lines or "/saas/amplitude/1/lists" not in lines[-1]:  # the banner's last line
        line = process.stdout.readline()
        if not line:
            raise AssertionError("serve exited early: " + "".join(lines) + process.stdout.read())
        lines.append(line)
        if " listening on " in line:
            base_url = line.split(" listening on ")[1].strip()
        if line.startswith("API key: "):
            api_key = line.split(": ", 1)[1].strip()
    return ServeProcess(process, base_url, api_key, lines)


def run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*command(), *args], capture_output=True, text=True, timeout=60, env={**os.environ, **(env or {})}
    )


def wait_until(condition: Callable[[], bool], seconds: float = 30) -> bool:
    """Poll ``condition`` until it holds; False after ``seconds`` (a guard against a hang, never a
    measure of how fast)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False

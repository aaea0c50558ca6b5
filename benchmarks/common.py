"""Helpers shared by the benchmark scripts: start servers, time request loops, print tables."""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent


@dataclass
class Server:
    process: subprocess.Popen[str]
    base_url: str
    api_key: str

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)


def start(command: list[str], env: dict[str, str] | None = None) -> Server:
    process = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env={**os.environ, **(env or {})},
    )
    assert process.stdout is not None
    base_url = api_key = ""
    while True:
        line = process.stdout.readline()
        if not line:
            raise RuntimeError(f"{command} exited early")
        if "listening on " in line:
            base_url = line.split("listening on ")[1].strip()
        if line.startswith("API key: "):
            api_key = line.split(": ", 1)[1].strip()
        if base_url and (api_key or "bare_app" in " ".join(command)):
            return Server(process, base_url, api_key)


def ensure_tool(name: str) -> str:
    """The path of a command from Debian's packages, installed with apt when missing."""
    found = shutil.which(name)
    if found is None:
        subprocess.run(["apt-get", "install", "-y", "-q", name], check=True, capture_output=True)
        found = shutil.which(name)
    assert found, f"{name} is needed (apt-get install {name})"
    return found


def start_bare(processes: int = 1, wsgi: bool = False) -> Server:
    """The bare Flask app of ``bare_app.py`` on the fake's server; ``wsgi``: its constant WSGI function."""
    return start([sys.executable, str(HERE / "bare_app.py"), str(processes), *(["--wsgi"] if wsgi else [])])


def start_fake(db: str, **settings: str) -> Server:
    script = Path(sys.executable).parent / "mock-infobip"
    # one process unless asked (workers="2"): kill -9 in the crash campaign must hit the server itself
    env = {"MOCK_INFOBIP_WORKERS": "1", **{f"MOCK_INFOBIP_{k.upper()}": v for k, v in settings.items()}}
    return start([str(script), "serve", "--port", "0", "--db", db, "--api-key", "bench"], env)


@dataclass
class Timing:
    seconds: list[float]

    @property
    def rps(self) -> float:
        return len(self.seconds) / sum(self.seconds)

    def percentile(self, p: float) -> float:
        ordered = sorted(self.seconds)
        return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))] * 1000

    @property
    def p50(self) -> float:
        return statistics.median(self.seconds) * 1000


def timed(call: Callable[[int], object], count: int, warmup: int = 20) -> Timing:
    for i in range(warmup):
        call(-1 - i)
    seconds = []
    for i in range(count):
        started = time.perf_counter()
        call(i)
        seconds.append(time.perf_counter() - started)
    return Timing(seconds)


def merge(timings: list[Timing]) -> Timing:
    return Timing([s for t in timings for s in t.seconds])

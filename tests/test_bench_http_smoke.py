"""A smoke run of the HTTP benchmark (benchmarks/bench_http.py): tiny durations, every target it
finds, the ratios printed. The figures themselves belong to the benchmark, not to the tests."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # the benchmark end to end, ~30 s

BENCH = Path(__file__).resolve().parent.parent / "benchmarks" / "bench_http.py"


def test_bench_http_runs_and_prints_the_ratios() -> None:
    out = subprocess.run(
        [
            sys.executable,
            str(BENCH),
            "--duration",
            "1",
            "--rounds",
            "1",
            "--warmup",
            "1",
            "--rss-requests",
            "2000",
            "--in-process-calls",
            "200",
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    for line in (
        "serve --workers 1 / bare Flask (same server):",
        "(floor >= 1.2)",
        "add 1,000 ids at one client, p50 (1 worker):",
        "start to first 200 (1 worker):",
        "in process (fake()), create-lists/s",
        "requests ",
        "the bare Flask app through the same requests path",
        "the bare Flask app through the same httpx path",
        "the bare Flask app through the same urllib path",
        "RSS, largest worker of",
        "server alone x",
    ):
        assert line in out.stdout, out.stdout

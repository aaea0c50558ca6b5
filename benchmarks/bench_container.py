"""The container image: its size, and its start to the first 200 against `serve` on the host.

    bash .ci/build-image && .venv/bin/python benchmarks/bench_container.py [--rounds 7]

Takes turns (host, container, host, container, ...): `mock-infobip serve` on the host with the
default workers and a new SQLite file, and `podman run` of localhost/mock-infobip:dev with the
default workers and a new volume (host network, a port of its own); each timed from the command's
start to the first 200 of `GET /__admin/health` (asked every 5 ms), then stopped. Prints the medians,
their ratio, and the image's size (and its base's and the fake's virtual environment's).
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

IMAGE = "localhost/mock-infobip:dev"
BASE = "localhost/debian-python:bookworm"
ENV = {**os.environ, "CONTAINERS_CONF": os.environ.get("CONTAINERS_CONF", ".ci/containers.conf")}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def first_200(port: int, started: float, limit: float = 60) -> float:
    url = f"http://127.0.0.1:{port}/__admin/health"
    while time.perf_counter() - started < limit:
        try:
            with urllib.request.urlopen(url, timeout=1) as answer:
                if answer.status == 200:
                    return time.perf_counter() - started
        except OSError:
            pass
        time.sleep(0.005)
    raise RuntimeError(f"no 200 from {url} in {limit} s")


def on_host(folder: Path) -> float:
    port = free_port()
    script = Path(sys.executable).parent / "mock-infobip"
    started = time.perf_counter()
    process = subprocess.Popen(
        [str(script), "serve", "--port", str(port), "--db", str(folder / f"{port}.db")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        return first_200(port, started)
    finally:
        process.terminate()
        process.wait(timeout=30)


def podman(*args: str) -> str:
    return subprocess.run(["podman", *args], check=True, capture_output=True, text=True, env=ENV).stdout


def in_container() -> float:
    port = free_port()
    name = f"bench-{port}"
    started = time.perf_counter()
    podman("run", "--detach", "--name", name, "--network", "host", f"--env=MOCK_INFOBIP_PORT={port}", IMAGE)
    try:
        return first_200(port, started)
    finally:
        podman("rm", "--force", "--volumes", "--time", "10", name)


def megabytes(image: str) -> float:
    return int(podman("image", "inspect", "--format", "{{.Size}}", image)) / 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    rounds = parser.parse_args().rounds
    host: list[float] = []
    container: list[float] = []
    with tempfile.TemporaryDirectory() as tmp:
        on_host(Path(tmp))  # warm-up: the page cache, for both
        in_container()
        for _ in range(rounds):
            host.append(on_host(Path(tmp)))
            container.append(in_container())
    a, b = statistics.median(host), statistics.median(container)
    print(f"start to first 200, median of {rounds} (default workers, {os.cpu_count()} cores):")
    print(f"  serve on the host   {a:.3f} s   ({', '.join(f'{x:.3f}' for x in host)})")
    print(f"  podman run          {b:.3f} s   ({', '.join(f'{x:.3f}' for x in container)})")
    print(f"  ratio container / host: {b / a:.2f}")
    venv = podman("run", "--rm", "--entrypoint", "du", IMAGE, "-sk", "/opt/mock-infobip").split()[0]
    print(
        f"image {IMAGE}: {megabytes(IMAGE):.0f} MB "
        f"(base {BASE}: {megabytes(BASE):.0f} MB; the fake's virtual environment {int(venv) / 1000:.0f} MB)"
    )


if __name__ == "__main__":
    main()

"""The comparison: mock-infobip against a bare Flask app and against other mock servers, over HTTP.

    .venv/bin/python benchmarks/bench_http.py [--duration 10] [--rounds 3] [--warmup 30] [--install]
        [--rss-requests 200000]

One load generator (wrk, from Debian; installed with apt when missing) drives, on the same request,
taking turns, ``--rounds`` rounds after ``--warmup`` seconds of create lists for each (WireMock's JIT
takes tens of seconds to reach its steady rate), medians:

- ``serve --workers 1`` and ``serve --workers N`` (N = cores), rate limits off, a database file;
- a bare Flask app on the same server (``bare_app.py``: constant JSON, served on the server's
  threads as any WSGI app is), in one process and in N (one shared socket, as ``serve --workers``):
  the baseline of the served floor (``serve`` passes it by serving small Infobip requests on the
  server's loop itself, ``mock_infobip.serving.server``);
- the server alone in N processes: a WSGI function answering the same constant, no framework (the
  ceiling of any app on this server, ``serve`` included);
- WireMock (npm ``wiremock``: its bundled jar, Java) with a stub for the request, defaults;
- Prism (npm ``@stoplight/prism-cli``) mocking the fake's own OpenAPI document.

WireMock and Prism run when present in ``benchmarks/.tools`` (``--install`` puts them there with
npm). Requests: create list (``wrk -t2 -c16``); add 1,000 ids, send 100 SMS and pull reports at one
client (``-t1 -c1``, p50 latency). Then: start to first 200 (1 worker), RSS a worker after
``--rss-requests`` create-lists, in-process ``fake()`` create-lists/s. Prints the figures and the
ratios with their targets (issues #14 and #23).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import requests
from common import HERE, Server, ensure_tool, start_bare, start_fake

TOOLS = HERE / ".tools"
LISTS = "/saas/amplitude/1/lists"
IDS = [f"user{i}@example.com" for i in range(1000)]
SMS = {
    "messages": [
        {"from": "Shop", "text": "Hi", "destinations": [{"to": f"4179302{i:04d}"} for i in range(100)]}
    ]
}


def install_tools() -> None:
    TOOLS.mkdir(exist_ok=True)
    subprocess.run(
        [
            "npm",
            "install",
            "--silent",
            "--no-audit",
            "--no-fund",
            "--prefix",
            str(TOOLS),
            "wiremock",
            "@stoplight/prism-cli",
        ],
        check=True,
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for(url: str, seconds: float = 60, **kwargs: object) -> float:
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        try:
            if requests.request(url=url, timeout=1, **kwargs).status_code < 500:  # type: ignore[arg-type]
                return time.monotonic() - started
        except requests.RequestException:
            pass
        time.sleep(0.01)
    raise RuntimeError(f"{url} did not answer")


def start_serve(db: str, workers: int) -> Server:
    return start_fake(
        db,
        rate_limit_create="0",
        rate_limit_add="0",
        rate_limit_remove="0",
        logs_per_minute="100000000",
        workers=str(workers),
    )


def start_wiremock() -> Server | None:
    jar = next(TOOLS.glob("node_modules/wiremock/**/wiremock*standalone*.jar"), None)
    if jar is None or shutil.which("java") is None:
        return None
    port = free_port()
    process = subprocess.Popen(
        ["java", "-jar", str(jar), "--port", str(port), "--disable-banner"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    wait_for(url + "/__admin/mappings", method="GET")
    stub = {
        "request": {"method": "POST", "urlPath": LISTS},
        "response": {
            "status": 200,
            "jsonBody": {"listId": 1},
            "headers": {"Content-Type": "application/json"},
        },
    }
    requests.post(url + "/__admin/mappings", json=stub, timeout=10).raise_for_status()
    return Server(process, url, "bench")  # type: ignore[arg-type]


def start_prism(spec: Path) -> Server | None:
    prism = TOOLS / "node_modules/.bin/prism"
    if not prism.exists():
        return None
    port = free_port()
    process = subprocess.Popen(
        [str(prism), "mock", "-p", str(port), "-h", "127.0.0.1", str(spec)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    wait_for(url + LISTS, method="POST", json={"name": "x"}, headers={"Authorization": "App bench"})
    return Server(process, url, "bench")  # type: ignore[arg-type]


@dataclass
class Load:
    method: str
    path: str
    body: object
    threads: int
    connections: int


LOADS = {
    "create list": Load("POST", LISTS, {"name": "bench"}, 2, 16),
    "add 1,000 ids": Load("POST", LISTS + "/{list}/add", {"userIds": IDS}, 1, 1),
    "send 100 SMS": Load("POST", "/sms/2/text/advanced", SMS, 1, 1),
    "pull reports": Load("GET", "/sms/1/reports?limit=1000", None, 1, 1),
}


@dataclass
class Result:
    rps: float
    p50_ms: float


def wrk(binary: str, url: str, key: str, load: Load, seconds: float, workdir: Path) -> Result:
    script = workdir / "load.lua"
    body = "nil" if load.body is None else json.dumps(json.dumps(load.body))
    script.write_text(
        f'wrk.method = "{load.method}"\n'
        f"wrk.body = {body}\n"
        'wrk.headers["Content-Type"] = "application/json"\n'
        f'wrk.headers["Authorization"] = "App {key}"\n'
        "done = function(summary, latency, requests)\n"
        '  io.write(string.format("RESULT %d %d %d\\n", summary.requests, summary.duration, '
        "latency:percentile(50)))\n"
        "  local bad = summary.errors.status + summary.errors.connect + summary.errors.read\n"
        '  io.write(string.format("ERRORS %d\\n", bad))\n'
        "end\n"
    )
    duration = f"-d{max(1, round(seconds))}s"
    out = subprocess.run(
        [binary, f"-t{load.threads}", f"-c{load.connections}", duration, "-s", str(script), url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    found = re.search(r"RESULT (\d+) (\d+) (\d+)", out)
    errors = re.search(r"ERRORS (\d+)", out)
    assert found and errors, out
    if int(errors.group(1)):
        raise RuntimeError(f"{url}: {errors.group(1)} non-2xx or failed requests\n{out}")
    count, micros, p50 = (int(x) for x in found.groups())
    return Result(count / (micros / 1e6), p50 / 1000)


@dataclass
class Target:
    name: str
    server: Server
    loads: tuple[str, ...]
    results: dict[str, list[Result]] = field(default_factory=dict)


def prepared_url(target: Target, load_name: str) -> str:
    load = LOADS[load_name]
    path = load.path
    if "{list}" in path:
        answer = requests.post(
            target.server.base_url + LISTS,
            json={"name": "bench list"},
            headers={"Authorization": f"App {target.server.api_key}"},
            timeout=10,
        )
        path = path.replace("{list}", str(answer.json()["listId"]))
    return target.server.base_url + path


def rss_mb(pid: int) -> float:
    """Resident memory of ``pid`` and its children (the workers), largest one, in MB."""
    pids = [
        pid,
        *(
            int(p)
            for p in subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout.split()
        ),
    ]
    sizes = []
    for one in pids:
        status = Path(f"/proc/{one}/status").read_text()
        found = re.search(r"VmRSS:\s+(\d+) kB", status)
        sizes.append(int(found.group(1)) / 1024 if found else 0)
    return max(sizes)


def start_to_first_200(db: str) -> float:
    """Seconds from starting ``serve`` to a 200 for a create list. The package's bytecode is
    compiled first, as installing a wheel does (an editable install under
    ``PYTHONDONTWRITEBYTECODE=1`` would compile every module on every start: ~0.2 s here)."""
    import mock_infobip

    subprocess.run(
        [sys.executable, "-m", "compileall", "-q", str(Path(mock_infobip.__file__).parent)], check=True
    )
    env = {**os.environ, "MOCK_INFOBIP_WORKERS": "1", "MOCK_INFOBIP_RATE_LIMIT_CREATE": "0"}
    port = free_port()
    script = Path(sys.executable).parent / "mock-infobip"
    started = time.monotonic()
    process = subprocess.Popen(
        [str(script), "serve", "--port", str(port), "--db", db, "--api-key", "bench"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
    )
    try:
        url = f"http://127.0.0.1:{port}{LISTS}"
        while True:
            try:
                answer = requests.post(
                    url, json={"name": "x"}, headers={"Authorization": "App bench"}, timeout=1
                )
                if answer.status_code == 200:
                    return time.monotonic() - started
            except requests.RequestException:
                time.sleep(0.005)
    finally:
        process.terminate()
        process.wait(timeout=30)


IN_PROCESS_CLIENTS = ("requests", "httpx", "urllib")


def in_process_rates(count: int = 3000, rounds: int = 3) -> dict[str, tuple[float, float]]:
    """Create-lists a second in process, a new list's name each, through each client (requests,
    httpx, urllib.request; with a timeout, as a client in production sets one): to the fake
    (``fake()``), and to the bare Flask app routed the same way (the same memory connection and
    the client's own HTTP parsing), which is what that client itself allows here. Interleaved
    rounds, medians: {client: (fake, bare)}."""
    import urllib.request

    import bare_app
    import httpx

    from mock_infobip import fake
    from mock_infobip.inprocess.router import ROUTER

    with fake(rate_limit_create=0) as infobip:
        headers = {**infobip.headers, "Content-Type": "application/json"}
        session, client = requests.Session(), httpx.Client(timeout=10)

        def call(name: str, url: str, body: bytes) -> None:
            if name == "requests":
                session.post(url, data=body, headers=headers, timeout=10)
            elif name == "httpx":
                client.post(url, content=body, headers=headers)
            else:
                urllib.request.urlopen(urllib.request.Request(url, body, headers), timeout=10).read()

        def rate(name: str, url: str, tag: str) -> float:
            bodies = [json.dumps({"name": f"{tag}{i}"}).encode() for i in range(count)]
            started = time.perf_counter()
            for body in bodies:
                call(name, url, body)
            return count / (time.perf_counter() - started)

        route = ROUTER.add("https://bare.invalid", bare_app.app)
        try:
            urls = {"fake": "https://api.infobip.com" + LISTS, "bare": "https://bare.invalid" + LISTS}
            for name in IN_PROCESS_CLIENTS:
                for url in urls.values():
                    rate(name, url, f"warm-{name}-")
            found: dict[tuple[str, str], list[float]] = {}
            for round_number in range(rounds):
                for name in IN_PROCESS_CLIENTS:
                    for which, url in urls.items():
                        tag = f"{name}-{which}-{round_number}-"
                        found.setdefault((name, which), []).append(rate(name, url, tag))
        finally:
            ROUTER.remove(route)
            client.close()
    return {
        name: (statistics.median(found[name, "fake"]), statistics.median(found[name, "bare"]))
        for name in IN_PROCESS_CLIENTS
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=10, help="seconds of each wrk run")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--warmup",
        type=float,
        default=30,
        help="seconds of create lists every target gets before the rounds (a JIT's steady state)",
    )
    parser.add_argument("--install", action="store_true", help="npm install WireMock and Prism first")
    parser.add_argument("--rss-requests", type=int, default=200_000)
    parser.add_argument("--in-process-calls", type=int, default=3000)
    parser.add_argument("--in-process-only", action="store_true", help="only the in-process rates")
    args = parser.parse_args()
    if args.in_process_only:
        report_in_process(args.in_process_calls, args.rounds)
        return
    binary = ensure_tool("wrk")
    if args.install:
        install_tools()
    cores = os.cpu_count() or 1
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        every = tuple(LOADS)
        targets = [
            Target("serve --workers 1", start_serve(str(workdir / "one.db"), 1), every),
            Target(f"serve --workers {cores}", start_serve(str(workdir / "many.db"), cores), every),
            Target("bare Flask", start_bare(), ("create list",)),
            Target(f"bare Flask x{cores}", start_bare(cores), ("create list",)),
            Target(f"server alone x{cores}", start_bare(cores, wsgi=True), ("create list",)),
        ]
        spec = workdir / "openapi.json"
        spec.write_text(requests.get(targets[0].server.base_url + "/openapi.json", timeout=10).text)
        for name, starter in (("WireMock", start_wiremock), ("Prism", lambda: start_prism(spec))):
            server = starter()
            if server is None:
                print(f"({name} not found in {TOOLS}: --install to add it)")
            else:
                targets.append(Target(name, server, ("create list",)))
        try:
            # WireMock (Java) speeds up for tens of seconds under load as its JIT compiles: every
            # target gets the same warm-up, so the rounds compare servers as they run for long
            for target in targets:
                url = prepared_url(target, "create list")
                wrk(binary, url, target.server.api_key, LOADS["create list"], args.warmup, workdir)
            for round_number in range(args.rounds):
                for load_name in LOADS:
                    for target in targets:
                        if load_name not in target.loads:
                            continue
                        url = prepared_url(target, load_name)
                        result = wrk(
                            binary, url, target.server.api_key, LOADS[load_name], args.duration, workdir
                        )
                        target.results.setdefault(load_name, []).append(result)
                print(f"round {round_number + 1} of {args.rounds} done", file=sys.stderr)
            report(targets, cores)
            rss_run(binary, targets[1], args.rss_requests, workdir)
        finally:
            for target in targets:
                target.server.stop()
        starts = sorted(start_to_first_200(str(workdir / f"s{i}.db")) for i in range(5))
        print(
            f"start to first 200 (1 worker): {statistics.median(starts):.3f} s, median of 5 "
            f"({starts[0]:.3f}-{starts[-1]:.3f}) (target <= 0.3)"
        )
    report_in_process(args.in_process_calls, args.rounds)


def report_in_process(calls: int, rounds: int) -> None:
    print("in process (fake()), create-lists/s, medians (target >= 3,000):")
    for name, (fake_rate, bare_rate) in in_process_rates(calls, rounds).items():
        print(
            f"  {name:9} {fake_rate:7,.0f}/s; the bare Flask app through the same {name} path "
            f"{bare_rate:7,.0f}/s (what {name} itself allows here); fake / bare {fake_rate / bare_rate:.2f}"
        )


def median(results: list[Result], pick: Callable[[Result], float]) -> float:
    return statistics.median(pick(r) for r in results)


def report(targets: list[Target], cores: int) -> None:
    print(f"\n{'':24}" + "".join(f"{name:>22}" for name in LOADS))
    for target in targets:
        cells = []
        for load_name, load in LOADS.items():
            results = target.results.get(load_name)
            if not results:
                cells.append(f"{'':>22}")
            elif load.connections == 1:
                cells.append(f"{median(results, lambda r: r.p50_ms):>16.2f} ms p50")
            else:
                cells.append(f"{median(results, lambda r: r.rps):>18,.0f} r/s")
        print(f"{target.name:24}" + "".join(cells))
    rate = {t.name: median(t.results["create list"], lambda r: r.rps) for t in targets}
    one, many = rate["serve --workers 1"], rate[f"serve --workers {cores}"]
    for target in targets:
        rounds = ", ".join(f"{r.rps:,.0f}" for r in target.results["create list"])
        print(f"  create list, {target.name}, each round: {rounds} r/s")
    print("\nratios (create list, requests/s, medians of the rounds):")
    if "WireMock" in rate:
        print(f"  serve --workers {cores} / WireMock: {many / rate['WireMock']:.2f} (target >= 1.0)")
        print(f"  serve --workers 1 / WireMock: {one / rate['WireMock']:.2f}")
    if "Prism" in rate:
        print(f"  serve --workers {cores} / Prism: {many / rate['Prism']:.2f}")
    print(f"  serve --workers 1 / bare Flask (same server): {one / rate['bare Flask']:.2f}")
    print(f"  serve --workers {cores} / serve --workers 1: {many / one:.2f}")
    bare = rate[f"bare Flask x{cores}"]
    alone = rate[f"server alone x{cores}"]
    print(f"  serve --workers {cores} / bare Flask x{cores} (same server): {many / bare:.2f} (floor >= 1.2)")
    print(f"  serve --workers {cores} / server alone x{cores}: {many / alone:.2f}")
    if "WireMock" in rate:
        print(f"  bare Flask x{cores} / WireMock: {bare / rate['WireMock']:.2f}")
        print(
            f"  server alone x{cores} / WireMock: {alone / rate['WireMock']:.2f} "
            "(a constant WSGI function: the ceiling of any app on this server)"
        )
    add = median(targets[0].results["add 1,000 ids"], lambda r: r.p50_ms)
    print(f"  add 1,000 ids at one client, p50 (1 worker): {add:.2f} ms (target <= 10)")


def rss_run(binary: str, target: Target, count: int, workdir: Path) -> None:
    if count <= 0:
        return
    load = LOADS["create list"]
    rate = median(target.results["create list"], lambda r: r.rps)
    seconds = max(1.0, count / rate)
    wrk(binary, target.server.base_url + LISTS, target.server.api_key, load, seconds, workdir)
    print(
        f"RSS, largest worker of {target.name} after ~{count:,} more requests: "
        f"{rss_mb(target.server.process.pid):.0f} MB (target <= 60)"
    )


if __name__ == "__main__":
    main()

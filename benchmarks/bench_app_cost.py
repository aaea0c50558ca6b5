"""The app's cost a request, in instructions: repeatable where wall time on this machine is not.

    .venv/bin/python benchmarks/bench_app_cost.py [--requests 300] [--client requests|httpx|urllib]

Runs the fake's WSGI app (file database, rate limit off) and the bare Flask app of ``bare_app.py``
on one create list, in process (no server, no socket: the in-process harness's ``respond``; with
``--client``, a whole call of that HTTP client to the in-process fake, a new list's name each), under
``valgrind --tool=callgrind`` (Debian's valgrind; installed with apt when missing), and prints the
instructions a request of each: the difference between a run of ``--requests`` calls and a run of
none after the same warm-up, so start-up is not counted. Two runs of the same code differ by well
under 1 %, so a change of a few percent shows; wall time here swings by 15 %.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
from pathlib import Path

from common import ensure_tool

HERE = Path(__file__).resolve().parent
CALLS = """
import os, sys, tempfile
sys.path.insert(0, {here!r})
from mock_infobip import fake
from mock_infobip.inprocess.wire import respond, split_request
import bare_app

count, which = int(sys.argv[1]), sys.argv[2]
with fake(db=os.path.join(tempfile.mkdtemp(), "cost.db"), rate_limit_create=0, clock="real") as infobip:
    app = infobip._app if which == "fake" else bare_app.app
    raw = (b"POST /saas/amplitude/1/lists HTTP/1.1\\r\\nHost: api.infobip.com\\r\\nAuthorization: App "
           + infobip.api_key.encode()
           + b"\\r\\nContent-Type: application/json\\r\\nContent-Length: 14\\r\\n\\r\\n"
           + b'{{"name":"abc"}}')
    request, _ = split_request(raw)
    client = sys.argv[3]
    if client == "none":
        for _ in range(50 + count):
            respond(app, request, "https", "api.infobip.com", 443)
        sys.exit(0)
    from mock_infobip.inprocess.router import ROUTER
    import json, urllib.request, httpx, requests
    url = "https://api.infobip.com/saas/amplitude/1/lists"
    if which == "bare":
        url = "https://bare.invalid/saas/amplitude/1/lists"
        ROUTER.add("https://bare.invalid", app)
    session, httpx_client = requests.Session(), httpx.Client()
    for i in range(50 + count):
        body = {{"name": f"n{{i}}"}}
        if client == "requests":
            session.post(url, json=body, headers=infobip.headers, timeout=10)
        elif client == "httpx":
            httpx_client.post(url, json=body, headers=infobip.headers)
        else:
            data = json.dumps(body).encode()
            headers = {{**infobip.headers, "Content-Type": "application/json"}}
            urllib.request.urlopen(urllib.request.Request(url, data, headers), timeout=10).read()
"""


def instructions(script: Path, count: int, which: str, client: str) -> int:
    out = subprocess.run(
        [
            "valgrind",
            "--tool=callgrind",
            "--callgrind-out-file=/dev/null",
            sys.executable,
            str(script),
            str(count),
            which,
            client,
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stderr
    found = re.search(r"Collected : (\d+)", out)
    assert found, out
    return int(found.group(1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--client", choices=("none", "requests", "httpx", "urllib"), default="none")
    args = parser.parse_args()
    count, client = args.requests, args.client
    ensure_tool("valgrind")
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "calls.py"
        script.write_text(CALLS.format(here=str(HERE)))
        cost = {
            which: (instructions(script, count, which, client) - instructions(script, 0, which, client))
            / count
            for which in ("fake", "bare")
        }
    through = "the harness's respond" if client == "none" else f"a {client} call"
    print(f"instructions a create list, in process through {through} ({count} requests):")
    print(f"  mock-infobip app: {cost['fake']:,.0f}")
    print(f"  bare Flask app:   {cost['bare']:,.0f}")
    print(f"  ratio: {cost['fake'] / cost['bare']:.2f}")


if __name__ == "__main__":
    main()

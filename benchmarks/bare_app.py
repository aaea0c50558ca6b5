"""The baselines: a bare Flask app on the fake's own server (``mock_infobip.serving``) answering
constant JSON, and with ``--wsgi`` a WSGI function answering the same with no framework at all:
what the server itself allows, the ceiling of any app on it. Any app that is not the fake is served
on the server's threads (the fake serves its small Infobip requests on the loop itself).

    python bare_app.py [PROCESSES] [--wsgi]
"""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Callable
from typing import Any

from flask import Flask, Response, request

from mock_infobip.serving.server import Limits, Server, listening_socket
from mock_infobip.serving.workers import die_with_parent

app = Flask("bare")
BODY = b'{"listId":1}'


@app.post("/saas/amplitude/1/lists")
@app.post("/saas/amplitude/1/lists/<list_id>/add")
def constant(list_id: str | None = None) -> Response:
    request.get_data()
    return Response(BODY, content_type="application/json;charset=UTF-8")


def constant_wsgi(environ: dict[str, Any], start_response: Callable[..., object]) -> list[bytes]:
    environ["wsgi.input"].read()
    headers = [("Content-Type", "application/json;charset=UTF-8"), ("Content-Length", str(len(BODY)))]
    start_response("200 OK", headers)
    return [BODY]


def main(processes: int, served: Any = app) -> None:
    """Serve on a free port; with ``processes`` > 1, that many processes accepting from one socket,
    as ``serve --workers`` does: the ceiling of Flask on this server."""
    sock = listening_socket("127.0.0.1", 0)
    shared = processes > 1
    for _ in range(processes - 1):
        if os.fork() == 0:
            die_with_parent()
            asyncio.run(Server(served, [sock], Limits(), shared=True).serve(asyncio.Event().wait()))
            os._exit(0)
    print(f"listening on http://127.0.0.1:{sock.getsockname()[1]}", flush=True)
    asyncio.run(Server(served, [sock], Limits(), shared=shared).serve(asyncio.Event().wait()))


if __name__ == "__main__":
    numbers = [arg for arg in sys.argv[1:] if arg.isdigit()]
    main(int(numbers[0]) if numbers else 1, constant_wsgi if "--wsgi" in sys.argv else app)

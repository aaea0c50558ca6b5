"""The baselines: a bare Flask app on waitress answering constant JSON (same threads as the fake),
and with ``--wsgi`` a WSGI function answering the same with no framework at all: what waitress
itself allows, the ceiling of any app on it.

    python bare_app.py [PROCESSES] [--wsgi]
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import Any

import waitress
from flask import Flask, Response, request

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
    """Serve on a free port; with ``processes`` > 1, that many processes on the port with
    ``SO_REUSEPORT`` sockets, as ``serve --workers`` does: the ceiling of Flask on waitress."""
    if processes <= 1:
        server = waitress.create_server(served, host="127.0.0.1", port=0, threads=4)
        print(f"listening on http://127.0.0.1:{server.effective_port}", flush=True)
        server.run()
        return
    from mock_infobip.serving.workers import die_with_parent, port_socket

    sockets = [port_socket("127.0.0.1", 0, listen=True)]
    port = sockets[0].getsockname()[1]
    sockets += [port_socket("127.0.0.1", port, listen=True) for _ in range(processes - 1)]
    for sock in sockets[1:]:
        if os.fork() == 0:
            die_with_parent()
            waitress.create_server(served, sockets=[sock], threads=4).run()
            os._exit(0)
    print(f"listening on http://127.0.0.1:{port}", flush=True)
    waitress.create_server(served, sockets=[sockets[0]], threads=4).run()


if __name__ == "__main__":
    numbers = [arg for arg in sys.argv[1:] if arg.isdigit()]
    main(int(numbers[0]) if numbers else 1, constant_wsgi if "--wsgi" in sys.argv else app)

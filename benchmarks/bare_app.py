"""The baseline: a bare Flask app on waitress answering constant JSON (same threads as the fake)."""

from __future__ import annotations

import os
import sys

import waitress
from flask import Flask, Response, request

app = Flask("bare")
BODY = b'{"listId":1}'


@app.post("/saas/amplitude/1/lists")
@app.post("/saas/amplitude/1/lists/<list_id>/add")
def constant(list_id: str | None = None) -> Response:
    request.get_data()
    return Response(BODY, content_type="application/json;charset=UTF-8")


def main(processes: int) -> None:
    """Serve on a free port; with ``processes`` > 1, that many processes on the port with
    ``SO_REUSEPORT`` sockets, as ``serve --workers`` does: the ceiling of Flask on waitress."""
    if processes <= 1:
        server = waitress.create_server(app, host="127.0.0.1", port=0, threads=4)
        print(f"listening on http://127.0.0.1:{server.effective_port}", flush=True)
        server.run()
        return
    from mock_infobip.workers import die_with_parent, port_socket

    sockets = [port_socket("127.0.0.1", 0, listen=True)]
    port = sockets[0].getsockname()[1]
    sockets += [port_socket("127.0.0.1", port, listen=True) for _ in range(processes - 1)]
    for sock in sockets[1:]:
        if os.fork() == 0:
            die_with_parent()
            waitress.create_server(app, sockets=[sock], threads=4).run()
            os._exit(0)
    print(f"listening on http://127.0.0.1:{port}", flush=True)
    waitress.create_server(app, sockets=[sockets[0]], threads=4).run()


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1)

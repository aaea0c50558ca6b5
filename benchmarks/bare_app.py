"""The baseline: a bare Flask app on waitress answering constant JSON (same threads as the fake)."""

from __future__ import annotations

import waitress
from flask import Flask, Response, request

app = Flask("bare")
BODY = b'{"listId":1}'


@app.post("/saas/amplitude/1/lists")
@app.post("/saas/amplitude/1/lists/<list_id>/add")
def constant(list_id: str | None = None) -> Response:
    request.get_data()
    return Response(BODY, content_type="application/json;charset=UTF-8")


if __name__ == "__main__":
    server = waitress.create_server(app, host="127.0.0.1", port=0, threads=4)
    print(f"listening on http://127.0.0.1:{server.effective_port}", flush=True)
    server.run()

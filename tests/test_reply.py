"""The fake's answers (``mock_infobip.http.reply``) reach the server as werkzeug's Response wrote them."""

from __future__ import annotations

from typing import Any

from flask import Flask
from hypothesis import given
from hypothesis import strategies as st
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Response

from mock_infobip.http.reply import CONTENT_TYPE, json_response

# every status the fake answers (never 204 or 304, whose length werkzeug drops), and unknown ones
STATUSES = st.sampled_from([200, 201, 400, 401, 403, 404, 405, 409, 413, 415, 429, 500, 503, 599, 299])
HEADERS = st.dictionaries(st.sampled_from(["Retry-After", "Allow", "X-Extra"]), st.text("abc0 ,", max_size=8))


def wsgi(app: Any, method: str) -> tuple[str, list[tuple[str, str]], bytes]:
    seen: list[Any] = []
    body = b"".join(app(EnvironBuilder(method=method).get_environ(), lambda s, h: seen.extend([s, h])))
    return seen[0], list(seen[1]), body


@given(
    body=st.recursive(
        st.none() | st.integers() | st.text(),
        lambda inner: st.lists(inner) | st.dictionaries(st.text(), inner),
        max_leaves=6,
    ),
    status=STATUSES,
    headers=HEADERS,
    method=st.sampled_from(["GET", "POST", "HEAD"]),
)
def test_an_answer_is_written_as_werkzeugs_response_wrote_it(
    body: Any, status: int, headers: dict[str, str], method: str
) -> None:
    reply = json_response(body, status, headers)
    theirs = Response(reply.data, status=status, content_type=CONTENT_TYPE, headers=headers or None)
    assert wsgi(reply, method) == wsgi(theirs, method)
    assert reply.status == theirs.status
    assert dict(reply.wsgi_headers())["Content-Type"] == theirs.headers["Content-Type"]


def test_a_cut_answer_keeps_the_full_length_and_its_headers() -> None:
    reply = json_response({"text": "x" * 10}, 429, {"Retry-After": "2"})
    status, headers, body = wsgi(reply.cut(), "POST")
    assert status == "429 TOO MANY REQUESTS"
    assert dict(headers)["Content-Length"] == str(len(reply.data))
    assert body == reply.data[: len(reply.data) // 2]
    assert dict(headers)["Retry-After"] == "2"


def test_a_flask_view_may_return_an_answer_as_it_is() -> None:
    app = Flask("t")
    app.add_url_rule(
        "/", "x", lambda: json_response({"a": 1}, 201, {"Allow": "GET"}), methods=["GET", "HEAD"]
    )
    got = app.test_client().get("/")
    assert (got.status_code, got.get_json(), got.headers["Allow"]) == (201, {"a": 1}, "GET")
    head = app.test_client().head("/")
    assert head.get_data() == b"" and head.headers["Content-Length"] == got.headers["Content-Length"]

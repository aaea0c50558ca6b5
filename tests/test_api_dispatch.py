"""The Infobip API's dispatch (``mock_infobip.http.dispatch``): routed as Flask routes them, without Flask's
per-request machinery; the controls still get Flask's."""

from __future__ import annotations

import io
import json
from typing import Any

from flask import Flask, request_started
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.exceptions import HTTPException
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

from mock_infobip.http.app import FakeApp
from mock_infobip.http.dispatch import ApiRequest
from mock_infobip.http.pipeline import authorization_header
from mock_infobip.runtime import Runtime
from tests.support import ContractClient

BOTH_BACKENDS = True  # SQLite and PostgreSQL (tests/conftest.py)

KEY = {"Authorization": "App test-key-1"}
PATHS = st.sampled_from(
    [
        "/saas/amplitude/1/lists",
        "/saas/amplitude/1/lists/",
        "/saas/amplitude/1/lists/7/add",
        "/saas/amplitude/1/lists/x y/remove",
        "/saas/amplitude/1/lists//add",
        "/sms/2/text/advanced",
        "/sms/2/text/advanced/",
        "/sms/1/reports",
        "/sms/3/messages",
        "/sms/3/logs",
        "/sms/1/inbox/reports",
        "/sms/1/text/query",
        "/mms/1/single",
        "/nothing/here",
        "/sms/9/unknown",
    ]
)
METHODS = st.sampled_from(["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"])
HOSTS = st.sampled_from(
    [
        "api.infobip.com",
        "localhost:8080",
        "[::1]:80",
        "a..b",
        ".leading",
        "x" * 64 + ".com",
        "\u00fcnicode.example",
        "\udcff.example",
        "",
    ]
)


def flask_routing(app: Flask, environ: dict[str, Any]) -> tuple[str | None, dict[str, Any], int | None]:
    """What Flask's own request context decides for ``environ``: the URL adapter it binds (which
    may refuse the Host) and the match of the request's path and method."""
    try:
        adapter = app.create_url_adapter(app.request_class(environ))
        assert adapter is not None
        endpoint, args = adapter.match()
    except HTTPException as exc:
        return None, {}, exc.code
    return str(endpoint), dict(args), None


# one app for every example on purpose: what the dispatch remembers carries over between them
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(METHODS, PATHS, HOSTS), min_size=1, max_size=6))
def test_routing_is_flasks_for_every_request_and_repeat(
    app: FakeApp, calls: list[tuple[str, str, str]]
) -> None:
    api = app.api
    assert api is not None
    for method, path, host in calls * 2:  # the second time from what the dispatch remembered
        environ = EnvironBuilder(path=path, method=method, headers={"Host": host}).get_environ()
        endpoint, args, refused = api._match(api.request(environ))
        assert (endpoint, args, refused.code if refused else None) == flask_routing(app, environ)


def test_a_host_that_is_no_name_is_a_400_in_infobips_shape_and_journaled(
    client: ContractClient, runtime: Runtime
) -> None:
    body = {"name": "a"}
    assert client.post("/saas/amplitude/1/lists", json=body, headers=KEY).status_code == 200
    refused = client.post("/saas/amplitude/1/lists", json=body, headers={**KEY, "Host": "a..b"})
    assert refused.status_code == 400
    assert refused.get_json()["requestError"]["serviceException"]["messageId"] == "BAD_REQUEST"
    assert [entry["status"] for entry in runtime.journal.entries()][:2] == [400, 200]
    # the same host name, remembered as good, does not let a bad one through after it
    assert (
        client.post("/saas/amplitude/1/lists", json=body, headers={**KEY, "Host": "a..b"}).status_code == 400
    )


def test_head_of_an_infobip_operation_is_its_get_without_the_body(client: ContractClient) -> None:
    got = client.get("/sms/1/reports", headers=KEY)
    head = client.head("/sms/1/reports", headers=KEY)
    assert got.status_code == head.status_code == 200
    assert head.get_data() == b""
    assert head.headers["Content-Length"] == got.headers["Content-Length"] == str(len(got.get_data()))
    assert head.headers["Content-Type"] == got.headers["Content-Type"]


def test_infobip_requests_skip_flasks_request_context_the_controls_keep_it(
    app: FakeApp, client: ContractClient
) -> None:
    started: list[str] = []

    def note(sender: Flask, **extra: Any) -> None:
        from flask import request

        started.append(request.path)

    with request_started.connected_to(note, app):
        assert client.post("/saas/amplitude/1/lists", json={"name": "a"}, headers=KEY).status_code == 200
        assert client.get("/nothing/here", headers=KEY).status_code == 404
        assert client.get("/__admin/health").status_code == 200
    assert started == ["/__admin/health"]


def test_an_error_in_the_journal_is_a_500_in_infobips_shape(
    app: FakeApp, runtime: Runtime, monkeypatch: Any
) -> None:
    def broken(entry: object, **options: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(runtime.journal, "record", broken)
    answer = FlaskClient(app).post("/saas/amplitude/1/lists", json={"name": "a"}, headers=KEY)
    assert answer.status_code == 500
    assert json.loads(answer.get_data())["requestError"]["serviceException"]["messageId"] == "GENERAL_ERROR"
    assert len(runtime.errors) == 1 and isinstance(runtime.errors[0], OSError)


class Trickle(io.BytesIO):
    """A server's stream that hands out at most ``step`` bytes a read."""

    def __init__(self, data: bytes, step: int) -> None:
        super().__init__(data)
        self.step = step

    def read(self, size: int | None = -1) -> bytes:
        return super().read(self.step if size is None or size < 0 else min(size, self.step))

    def readinto(self, buffer: Any) -> int:
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


def _body(request: Request) -> tuple[str, bytes | str]:
    try:
        first = request.get_data(cache=True)
        again = request.get_data(cache=True)
    except HTTPException as exc:
        return type(exc).__name__, b""
    assert first == again
    return "ok", first


@settings(max_examples=400, deadline=None)
@given(
    body=st.binary(max_size=40),
    declared=st.one_of(st.none(), st.integers(-2, 50).map(str), st.sampled_from(["", "x", "1e2", " 3"])),
    chunked=st.booleans(),
    terminated=st.booleans(),
    limit=st.one_of(st.none(), st.integers(0, 45)),
    step=st.integers(1, 50),
)
def test_a_body_is_read_as_werkzeug_reads_it(
    body: bytes, declared: str | None, chunked: bool, terminated: bool, limit: int | None, step: int
) -> None:
    def environ() -> dict[str, Any]:
        found: dict[str, Any] = EnvironBuilder(method="POST", path="/sms/2/text/advanced").get_environ()
        found.pop("CONTENT_LENGTH", None)
        if declared is not None:
            found["CONTENT_LENGTH"] = declared
        if chunked:
            found["HTTP_TRANSFER_ENCODING"] = "chunked"
        if terminated:
            found["wsgi.input_terminated"] = True
        found["wsgi.input"] = Trickle(body, step)
        return found

    ours, theirs = ApiRequest(environ(), limit), Request(environ())
    theirs.max_content_length = limit
    assert _body(ours) == _body(theirs)


@settings(max_examples=300, deadline=None)
@given(
    method=st.sampled_from(["GET", "post", "Head", ""]),
    path=st.one_of(PATHS, st.text(max_size=20).map(lambda text: text.encode().decode("latin-1"))),
    query=st.text(max_size=30),
    authorization=st.one_of(st.none(), st.sampled_from(["App k", "Basic eDp5", "", "App \xe9"])),
)
def test_a_request_reads_as_werkzeugs(method: str, path: str, query: str, authorization: str | None) -> None:
    """Method, path (PATH_INFO as WSGI gives it: UTF-8 bytes as latin-1, maybe not UTF-8 at all),
    query string and Authorization as werkzeug's Request reads them."""
    environ: dict[str, Any] = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "QUERY_STRING": query.encode().decode("latin-1"),
        "wsgi.input": io.BytesIO(b""),
    }
    if authorization is not None:
        environ["HTTP_AUTHORIZATION"] = authorization
    ours, theirs = ApiRequest(dict(environ), None), Request(dict(environ))
    assert (ours.method, ours.path) == (theirs.method, theirs.path)
    assert ours.query_string.encode("latin-1") == theirs.query_string
    assert authorization_header(ours) == theirs.headers.get("Authorization")
    assert ours.args == theirs.args


@settings(max_examples=200, deadline=None)
@given(
    fields=st.dictionaries(st.text(min_size=1, max_size=8), st.text(max_size=12), max_size=4),
    body_first=st.booleans(),
)
def test_a_form_reads_as_werkzeugs_whether_or_not_the_body_was_read_first(
    fields: dict[str, str], body_first: bool
) -> None:
    def environ() -> dict[str, Any]:
        built: dict[str, Any] = EnvironBuilder(
            method="POST", path="/sms/1/text/query", data=fields
        ).get_environ()
        return built

    ours, theirs = ApiRequest(environ(), 10_000), Request(environ())
    if body_first:
        assert ours.get_data() == theirs.get_data(cache=True)
    assert ours.form == theirs.form
    assert ours.get_data() == theirs.get_data(cache=True)

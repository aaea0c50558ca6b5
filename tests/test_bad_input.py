"""Bad input gets an Infobip-shaped answer and changes nothing; never a 5xx, a traceback or HTML.

The ``client`` fixture checks every response: JSON content type, no 5xx, valid against the
contract of the operation (or of the unmatched path) for its status.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mock_infobip.http.app import create_app
from mock_infobip.runtime import Runtime
from tests.conftest import make_settings
from tests.support import ContractClient

BOTH_BACKENDS = True  # SQLite and PostgreSQL (tests/conftest.py)

LISTS = "/saas/amplitude/1/lists"
KEY = {"Authorization": "App test-key-1"}


def state(runtime: Runtime) -> Any:
    lists = runtime.lists.summaries()
    members = [runtime.lists.describe(int(str(item["listId"])))["members"] for item in lists]
    return lists, members, runtime.reports.outbox({"limit": "100000"})


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"nope",
        b"{",
        b"[]",
        b"null",
        b"42",
        b'"name"',
        b'{"name": NaN}',
        b'{"name": Infinity}',
        b'{"name": "\\ud800"}',
        b'{"userIds": ["\\udfff@x.io"]}',
        b"\xff\xfe{}",
        b"[" * 100_000 + b"]" * 100_000,
        b'{"name": ' + b"1" * 5000 + b"}",
        '{"name": "\u0000"}'.encode(),
    ],
)
@pytest.mark.parametrize("path", [LISTS, f"{LISTS}/1/add", f"{LISTS}/1/remove"])
def test_broken_bodies_are_a_legacy_400(client, runtime, path, raw):
    client.post(LISTS, json={"name": "existing"}, headers=KEY)
    before = state(runtime)
    runtime.advance(60)
    response = client.post(path, data=raw, headers=KEY, content_type="application/json")
    assert response.status_code == 400
    assert response.json["requestError"]["serviceException"]["messageId"] == "BAD_REQUEST"
    assert state(runtime) == before


def test_escaped_control_characters_are_text(client, runtime, backend):
    if backend == "postgres":  # no text of PostgreSQL holds NUL: refused, nothing stored (docs/serve.md)
        refused = client.post(LISTS, data=b'{"name": "a\\u0000b"}', headers=KEY)
        assert refused.status_code == 400
        assert "NUL" in refused.json["requestError"]["serviceException"]["validationErrors"]["body"][0]
        assert runtime.lists.summaries() == []
        return
    list_id = client.post(LISTS, data=b'{"name": "a\\u0000b"}', headers=KEY).json["listId"]
    assert runtime.lists.describe(list_id)["name"] == "a\x00b"
    response = client.post(
        f"{LISTS}/{list_id}/add", data=b'{"userIds": ["\\u0000@x.io", "a\\u0000"]}', headers=KEY
    )
    assert response.json == {
        "modifiedCount": 0,
        "createdCount": 1,
        "errors": {"count": 1, "failed": {"VALIDATION_ERROR": ["a\x00"]}},
    }


def test_a_body_over_the_cap_is_a_legacy_413(client, runtime):
    body = b'{"userIds": ["' + b"a" * (16 * 1024 * 1024) + b'"]}'
    response = client.post(f"{LISTS}/1/add", data=body, headers=KEY)
    assert response.status_code == 413
    assert response.json == {
        "requestError": {
            "serviceException": {"messageId": "REQUEST_TOO_LARGE", "text": "Request entity too large"}
        }
    }


def test_the_cap_is_a_setting():
    runtime = Runtime(make_settings(max_body_bytes=100))
    app = create_app(runtime)
    app.test_client_class = ContractClient
    assert app.test_client().post(LISTS, json={"name": "x" * 200}, headers=KEY).status_code == 413


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", LISTS, 405),
        ("PUT", f"{LISTS}/1/add", 405),
        ("DELETE", f"{LISTS}/1/remove", 405),
        ("OPTIONS", LISTS, 405),
        ("PATCH", "/__admin/health", 405),
        ("GET", "/nope", 404),
        ("GET", "/saas", 404),
        ("POST", f"{LISTS}/", 404),
        ("POST", f"{LISTS}//1/add", 404),
        ("POST", f"{LISTS}/1/add/", 404),
        ("POST", f"{LISTS}/1/2/add", 404),
        ("GET", "/__admin/nope", 404),
        ("GET", "/%ff%fe", 404),
    ],
)
def test_unknown_paths_and_wrong_methods(client, method, path, status):
    response = client.open(path, method=method, headers=KEY)
    assert response.status_code == status
    if path.startswith("/__admin"):
        assert "error" in response.json
    else:
        assert response.json["requestError"]["serviceException"]["messageId"] == (
            "NOT_FOUND" if status == 404 else "METHOD_NOT_ALLOWED"
        )


def test_405_names_the_allowed_method(client):
    assert client.get(LISTS).headers["Allow"] == "POST"


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)
bodies = st.one_of(
    json_values.map(lambda v: json.dumps(v).encode()),
    st.fixed_dictionaries({"name": json_values}).map(lambda v: json.dumps(v).encode()),
    st.fixed_dictionaries(
        {"userIds": st.lists(st.one_of(st.emails(), st.text(), json_values), max_size=6)}
    ).map(lambda v: json.dumps(v).encode()),
    st.binary(max_size=64),
)
segments = st.one_of(
    st.sampled_from(["1", "0", "-1", "abc", "99999999999999999999", "007", "1e3", "%20", "%2F", "..", "١"]),
    st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="/?#"), max_size=6),
)
queries = st.dictionaries(
    st.sampled_from(
        ["limit", "bulkId", "messageId", "sentSince", "sentUntil", "generalStatus", "to", "from", "x"]
    ),
    st.one_of(st.text(max_size=12), st.sampled_from(["0", "1", "50", "1000", "1001", "-1", "DELIVERED"])),
    max_size=3,
).map(lambda q: "?" + "&".join(f"{k}={v}" for k, v in q.items()) if q else "")
paths = st.one_of(
    st.just(LISTS),
    st.sampled_from(["/sms/2/text/advanced", "/sms/3/messages"]),
    st.builds(
        lambda p, q: p + q,
        st.sampled_from(["/sms/1/reports", "/sms/3/reports", "/sms/1/logs", "/sms/3/logs"]),
        queries,
    ),
    st.builds(lambda s, op: f"{LISTS}/{s}/{op}", segments, st.sampled_from(["add", "remove", "ADD", ""])),
    st.builds(lambda s: f"/__admin/lists/{s}", segments),
    st.builds(lambda s: f"/{s}", segments),
)
methods = st.sampled_from(["POST", "POST", "POST", "GET", "GET", "PUT", "DELETE", "PATCH", "HEAD"])
headers = st.sampled_from(
    [KEY, {}, {"Authorization": "App nope"}, {"Authorization": "Basic dGVzdC1rZXktMTo="}]
)


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(method=methods, path=paths, body=bodies, auth=headers)
def test_any_request_gets_an_infobip_shaped_answer(method, path, body, auth):
    runtime = FUZZ_RUNTIME
    client = FUZZ_APP.test_client()
    before = state(runtime)
    response = client.open(path, method=method, data=body, headers=auth)  # checked by ContractClient
    if response.status_code >= 400:
        assert state(runtime) == before


FUZZ_RUNTIME = Runtime(make_settings(rate_limit_create=0, rate_limit_add=0, rate_limit_remove=0))
FUZZ_APP = create_app(FUZZ_RUNTIME)
FUZZ_APP.test_client_class = ContractClient
FUZZ_APP.test_client().post(LISTS, json={"name": "fuzz"}, headers=KEY)

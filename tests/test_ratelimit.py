"""Per-key, per-operation rate limits on the fake's clock (spec/lists-api.md, Rate limits)."""

from __future__ import annotations

import threading

import pytest

from mock_infobip.http.app import create_app
from mock_infobip.runtime import Runtime
from tests.conftest import make_settings

BOTH_BACKENDS = True  # SQLite and PostgreSQL (tests/conftest.py)

LISTS = "/saas/amplitude/1/lists"
TOO_MANY = {
    "requestError": {"serviceException": {"messageId": "TOO_MANY_REQUESTS", "text": "Too many requests"}}
}


@pytest.mark.parametrize(("operation", "interval"), [("create", 2.0), ("add", 10.0), ("remove", 5.0)])
def test_interval_per_operation(client, runtime, auth, operation, interval):
    list_id = client.post(LISTS, json={"name": "n"}, headers=auth).json["listId"]
    runtime.advance(60)
    path = LISTS if operation == "create" else f"{LISTS}/{list_id}/{operation}"
    body = {"name": "n"} if operation == "create" else {"userIds": ["a@b.co"]}
    assert client.post(path, json=body, headers=auth).status_code == 200
    runtime.advance(interval - 0.001)
    refused = client.post(path, json=body, headers=auth)
    assert refused.status_code == 429
    assert refused.json == TOO_MANY
    assert "Retry-After" not in refused.headers
    runtime.advance(0.001)
    assert client.post(path, json=body, headers=auth).status_code == 200


def test_a_refused_request_does_not_move_the_window(client, runtime, auth):
    assert client.post(LISTS, json={"name": "a"}, headers=auth).status_code == 200
    runtime.advance(1.5)
    assert client.post(LISTS, json={"name": "b"}, headers=auth).status_code == 429
    runtime.advance(0.5)
    assert client.post(LISTS, json={"name": "c"}, headers=auth).status_code == 200


def test_an_admitted_request_uses_the_slot_even_when_it_fails(client, runtime, auth):
    assert client.post(LISTS, json={"name": ""}, headers=auth).status_code == 400
    assert client.post(LISTS, json={"name": "ok"}, headers=auth).status_code == 429
    assert client.post(f"{LISTS}/999/add", json={"userIds": ["a@b.co"]}, headers=auth).status_code == 400
    assert client.post(f"{LISTS}/999/add", json={"userIds": ["a@b.co"]}, headers=auth).status_code == 429


def test_429_comes_before_validation(client, auth):
    client.post(LISTS, json={"name": "a"}, headers=auth)
    assert client.post(LISTS, data=b"garbage", headers=auth).json == TOO_MANY


def test_operations_and_keys_have_separate_budgets(client, runtime, auth):
    runtime.accounts.ensure_default(["test-key-2"], "email", lambda: "unused")
    second = {"Authorization": "App test-key-2"}
    list_id = client.post(LISTS, json={"name": "a"}, headers=auth).json["listId"]
    assert client.post(LISTS, json={"name": "b"}, headers=second).status_code == 200
    assert (
        client.post(f"{LISTS}/{list_id}/add", json={"userIds": ["a@b.co"]}, headers=auth).status_code == 200
    )
    assert (
        client.post(f"{LISTS}/{list_id}/remove", json={"userIds": ["a@b.co"]}, headers=auth).status_code
        == 200
    )
    assert (
        client.post(f"{LISTS}/{list_id}/add", json={"userIds": ["a@b.co"]}, headers=second).status_code == 200
    )
    assert client.post(LISTS, json={"name": "c"}, headers=auth).status_code == 429


def test_retry_after_header_is_a_setting():
    runtime = Runtime(make_settings(retry_after_header=True))
    client = create_app(runtime).test_client()
    headers = {"Authorization": f"App {runtime.api_key}"}
    client.post(LISTS, json={"name": "a"}, headers=headers)
    runtime.advance(0.2)
    assert client.post(LISTS, json={"name": "a"}, headers=headers).headers["Retry-After"] == "2"


def test_intervals_are_settings():
    runtime = Runtime(make_settings(rate_limit_create=0, rate_limit_add=30))
    client = create_app(runtime).test_client()
    headers = {"Authorization": f"App {runtime.api_key}"}
    ids = [client.post(LISTS, json={"name": str(i)}, headers=headers).json["listId"] for i in range(5)]
    assert len(set(ids)) == 5
    assert (
        client.post(f"{LISTS}/{ids[0]}/add", json={"userIds": ["a@b.co"]}, headers=headers).status_code == 200
    )
    runtime.advance(29)
    assert (
        client.post(f"{LISTS}/{ids[0]}/add", json={"userIds": ["a@b.co"]}, headers=headers).status_code == 429
    )


def test_sixteen_simultaneous_creates_admit_exactly_one_across_threads():
    # a real clock; a 60 s window so that a slow machine cannot outrun it
    runtime = Runtime(make_settings(clock="real", start=None, rate_limit_create=60))
    app = create_app(runtime)
    headers = {"Authorization": f"App {runtime.api_key}"}
    barrier = threading.Barrier(16)
    statuses: list[int] = []

    def call() -> None:
        client = app.test_client()
        barrier.wait()
        statuses.append(client.post(LISTS, json={"name": "n"}, headers=headers).status_code)

    threads = [threading.Thread(target=call) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [200] + [429] * 15

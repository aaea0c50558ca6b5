"""Authentication of every Infobip endpoint (spec/README.md)."""

from __future__ import annotations

import base64

import pytest

BOTH_BACKENDS = True  # SQLite and PostgreSQL (tests/conftest.py)

UNAUTHORIZED = {
    "requestError": {"serviceException": {"messageId": "UNAUTHORIZED", "text": "Invalid login details"}}
}
LISTS = "/saas/amplitude/1/lists"


def basic(text: str) -> str:
    return "Basic " + base64.b64encode(text.encode()).decode()


@pytest.mark.parametrize(
    "header",
    [
        "App test-key-1",
        "app test-key-1",
        "APP   test-key-1",
        "App test-key-1 ",
        basic("test-key-1:"),
        "basic " + base64.b64encode(b"test-key-1:").decode(),
    ],
)
def test_accepted_credentials(client, header):
    assert client.post(LISTS, json={"name": "n"}, headers={"Authorization": header}).status_code == 200


@pytest.mark.parametrize(
    "header",
    [
        None,
        "",
        "App",
        "App ",
        "App wrong",
        "Bearer test-key-1",
        "test-key-1",
        basic("test-key-1:x"),
        basic("test-key-1"),
        "Basic !!!notbase64",
        basic(":test-key-1"),
        "Basic " + base64.b64encode(b"\xff:").decode(),
    ],
)
def test_refused_credentials_get_one_and_the_same_401(client, runtime, header):
    headers = {} if header is None else {"Authorization": header}
    response = client.post(LISTS, json={"name": "n"}, headers=headers)
    assert response.status_code == 401
    assert response.json == UNAUTHORIZED
    assert runtime.lists.summaries() == []


def test_username_and_password(client, runtime):
    runtime.add_account("p", ["p-key"], username="ann", password="s3cret:x")
    assert (
        client.post(LISTS, json={"name": "n"}, headers={"Authorization": basic("ann:s3cret:x")}).status_code
        == 200
    )
    assert (
        client.post(LISTS, json={"name": "n"}, headers={"Authorization": basic("ann:wrong")}).status_code
        == 401
    )


def test_a_revoked_key_is_refused_and_a_restored_one_works(client, runtime, auth):
    runtime.accounts.set_revoked("test-key-1", True)
    assert client.post(LISTS, json={"name": "n"}, headers=auth).json == UNAUTHORIZED
    runtime.accounts.set_revoked("test-key-1", False)
    assert client.post(LISTS, json={"name": "n"}, headers=auth).status_code == 200


def test_401_comes_before_rate_limit_and_validation_and_uses_no_slot(client, auth):
    bad = {"Authorization": "App nope"}
    for _ in range(3):
        assert client.post(LISTS, data=b"not json", headers=bad).status_code == 401
    assert client.post(LISTS, json={"name": "n"}, headers=auth).status_code == 200


def test_a_key_of_account_a_never_sees_account_b(client, runtime, auth):
    runtime.add_account("b", ["b-key"])
    b = {"Authorization": "App b-key"}
    b_list = client.post(LISTS, json={"name": "secret"}, headers=b).json["listId"]
    client.post(f"{LISTS}/{b_list}/add", json={"userIds": ["x@y.io"]}, headers=b)
    runtime.advance(60)
    for op in ("add", "remove"):
        response = client.post(f"{LISTS}/{b_list}/{op}", json={"userIds": ["x@y.io"]}, headers=auth)
        assert response.json == {
            "statusCode": "TAG_NOT_FOUND",
            "message": f'Tag with id "{b_list}" does not exist',
        }
    assert runtime.lists.describe(b_list)["members"] == ["x@y.io"]
    # a person of account B is a new person for account A
    a_list = client.post(LISTS, json={"name": "secret"}, headers=auth).json["listId"]
    runtime.advance(60)
    assert client.post(f"{LISTS}/{a_list}/add", json={"userIds": ["x@y.io"]}, headers=auth).json == {
        "modifiedCount": 0,
        "createdCount": 1,
    }

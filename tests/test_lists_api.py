"""The three lists endpoints, body for body (spec/lists-api.md)."""

from __future__ import annotations

import json

import pytest

from mock_infobip.runtime import Runtime
from tests.support import ContractClient

BOTH_BACKENDS = True  # SQLite and PostgreSQL (tests/conftest.py)

LISTS = "/saas/amplitude/1/lists"
BAD_REQUEST_USER_IDS = {
    "requestError": {
        "serviceException": {
            "messageId": "BAD_REQUEST",
            "text": "Bad request",
            "validationErrors": {"userIds": ["property not found or blank"]},
        }
    }
}


def create(client: ContractClient, auth: dict[str, str], name: str = "[Amplitude] Churn: 1") -> int:
    response = client.post(LISTS, json={"name": name}, headers=auth)
    assert response.status_code == 200
    list_id: int = response.json["listId"]
    return list_id


def post(client: ContractClient, runtime: Runtime, path: str, body: object, auth: dict[str, str]):
    """A request in a fresh rate-limit window."""
    runtime.advance(60)
    return client.post(path, json=body, headers=auth)


def members(runtime: Runtime, list_id: int) -> list[str]:
    return list(runtime.lists.describe(list_id)["members"])  # type: ignore[call-overload]


def test_create_returns_a_numeric_list_id(client, auth):
    response = client.post(LISTS, json={"name": "[Amplitude] Churn risk: 8812"}, headers=auth)
    assert response.status_code == 200
    assert response.get_data(as_text=True) == json.dumps(
        {"listId": response.json["listId"]}, separators=(",", ":")
    )
    assert isinstance(response.json["listId"], int)


def test_create_accepts_amplitude_context_and_unknown_properties(client, auth):
    body = {
        "name": "n",
        "context": {"integration": {"name": "Amplitude Cohort Sync", "version": "1.0.0"}},
        "x": 1,
    }
    assert client.post(LISTS, json=body, headers=auth).status_code == 200


def test_same_name_returns_the_same_list(client, runtime, auth):
    first = create(client, auth, "same")
    assert post(client, runtime, LISTS, {"name": "same"}, auth).json == {"listId": first}
    assert post(client, runtime, LISTS, {"name": "other"}, auth).json["listId"] != first


@pytest.mark.parametrize(
    "body", [{}, {"name": None}, {"name": 5}, {"name": ""}, {"name": "  \t"}, {"name": ["x"]}]
)
def test_create_rejects_a_missing_or_blank_name(client, auth, body):
    response = client.post(LISTS, json=body, headers=auth)
    assert response.status_code == 400
    assert response.json == {
        "requestError": {
            "serviceException": {
                "messageId": "BAD_REQUEST",
                "text": "Bad request",
                "validationErrors": {"name": ["property not found or blank"]},
            }
        }
    }


def test_create_rejects_a_name_over_255_characters(client, runtime, auth):
    assert client.post(LISTS, json={"name": "x" * 256}, headers=auth).json["requestError"][
        "serviceException"
    ]["validationErrors"] == {"name": ["size must be between 1 and 255"]}
    assert post(client, runtime, LISTS, {"name": "x" * 255}, auth).status_code == 200


def test_add_counts_created_modified_and_groups_errors_in_request_order(client, runtime, auth):
    list_id = create(client, auth)
    response = client.post(
        f"{LISTS}/{list_id}/add",
        headers=auth,
        json={
            "userIds": ["ann@example.com", "invalid_mail.com", "bob@example.com", "no@dot", "cy@example.org"]
        },
    )
    assert response.status_code == 200
    assert response.get_data(as_text=True) == (
        '{"modifiedCount":0,"createdCount":3,"errors":{"count":2,'
        '"failed":{"VALIDATION_ERROR":["invalid_mail.com","no@dot"]}}}'
    )
    again = post(
        client, runtime, f"{LISTS}/{list_id}/add", {"userIds": ["ann@example.com", "dee@example.com"]}, auth
    )
    assert again.json == {"modifiedCount": 1, "createdCount": 1}
    assert members(runtime, list_id) == [
        "ann@example.com",
        "bob@example.com",
        "cy@example.org",
        "dee@example.com",
    ]


def test_people_are_shared_between_lists_of_an_account(client, runtime, auth):
    first = create(client, auth, "a")
    second = post(client, runtime, LISTS, {"name": "b"}, auth).json["listId"]
    client.post(f"{LISTS}/{first}/add", json={"userIds": ["ann@example.com"]}, headers=auth)
    response = post(client, runtime, f"{LISTS}/{second}/add", {"userIds": ["ann@example.com"]}, auth)
    assert response.json == {"modifiedCount": 1, "createdCount": 0}


def test_duplicates_in_one_request_count_once_and_emails_match_case_insensitively(client, runtime, auth):
    list_id = create(client, auth)
    ids = ["Ann@Example.com", "ann@example.com", "ANN@EXAMPLE.COM", "bad", "bad"]
    response = client.post(f"{LISTS}/{list_id}/add", json={"userIds": ids}, headers=auth)
    assert response.json == {
        "modifiedCount": 0,
        "createdCount": 1,
        "errors": {"count": 1, "failed": {"VALIDATION_ERROR": ["bad"]}},
    }
    assert members(runtime, list_id) == ["Ann@Example.com"]  # the first spelling seen is kept


def test_adding_is_idempotent(client, runtime, auth):
    list_id = create(client, auth)
    client.post(f"{LISTS}/{list_id}/add", json={"userIds": ["a@b.co"]}, headers=auth)
    response = post(client, runtime, f"{LISTS}/{list_id}/add", {"userIds": ["a@b.co"]}, auth)
    assert response.json == {"modifiedCount": 1, "createdCount": 0}
    assert members(runtime, list_id) == ["a@b.co"]


def test_counts_add_up_to_the_distinct_identifiers_sent(client, auth):
    list_id = create(client, auth)
    ids = [f"user{i % 700}@example.com" for i in range(1000)] + ["x"] * 3 + ["y@"]
    body = client.post(f"{LISTS}/{list_id}/add", json={"userIds": ids}, headers=auth).json
    assert body["createdCount"] + body["modifiedCount"] + body["errors"]["count"] == len(set(ids))


def test_remove_untags_and_ignores_unknown_and_invalid(client, runtime, auth):
    list_id = create(client, auth)
    client.post(f"{LISTS}/{list_id}/add", json={"userIds": ["a@b.co", "c@d.co"]}, headers=auth)
    response = client.post(
        f"{LISTS}/{list_id}/remove", headers=auth, json={"userIds": ["A@B.CO", "nobody@x.io", "invalid"]}
    )
    assert response.status_code == 200
    assert response.get_data(as_text=True) == "{}"
    assert members(runtime, list_id) == ["c@d.co"]
    # untagged, never deleted: adding again finds the person
    assert post(client, runtime, f"{LISTS}/{list_id}/add", {"userIds": ["a@b.co"]}, auth).json == {
        "modifiedCount": 1,
        "createdCount": 0,
    }


@pytest.mark.parametrize("operation", ["add", "remove"])
@pytest.mark.parametrize("list_ref", ["87881", "abc", "-1", "99999999999999999999", "1.0", "0"])
def test_unknown_list_is_tag_not_found_with_the_id_as_sent(client, auth, operation, list_ref):
    response = client.post(f"{LISTS}/{list_ref}/{operation}", json={"userIds": ["a@b.co"]}, headers=auth)
    assert response.status_code == 400
    assert response.json == {
        "statusCode": "TAG_NOT_FOUND",
        "message": f'Tag with id "{list_ref}" does not exist',
    }


def test_leading_zeros_name_the_same_list(client, auth):
    list_id = create(client, auth)
    response = client.post(f"{LISTS}/000{list_id}/add", json={"userIds": ["a@b.co"]}, headers=auth)
    assert response.json == {"modifiedCount": 0, "createdCount": 1}


def test_a_list_of_another_account_does_not_exist_for_the_caller(client, runtime, auth):
    list_id = create(client, auth)
    runtime.add_account("other", ["other-key"])
    other = {"Authorization": "App other-key"}
    response = client.post(f"{LISTS}/{list_id}/add", json={"userIds": ["a@b.co"]}, headers=other)
    assert response.json["statusCode"] == "TAG_NOT_FOUND"
    # the other account's list of the same name is its own
    assert client.post(LISTS, json={"name": "[Amplitude] Churn: 1"}, headers=other).json["listId"] != list_id
    assert members(runtime, list_id) == []


@pytest.mark.parametrize(
    ("user_ids", "message"),
    [
        (None, "property not found or blank"),
        ([], "property not found or blank"),
        ("a@b.co", "must be an array of strings"),
        (["a@b.co", 5], "must be an array of strings"),
        ([None], "must be an array of strings"),
        ({"a": 1}, "must be an array of strings"),
        ([f"u{i}@x.io" for i in range(10_001)], "size must be between 1 and 10000"),
    ],
)
@pytest.mark.parametrize("operation", ["add", "remove"])
def test_bad_user_ids_are_a_legacy_400_naming_the_field(client, runtime, auth, operation, user_ids, message):
    list_id = create(client, auth)
    body = {} if user_ids is None else {"userIds": user_ids}
    response = client.post(f"{LISTS}/{list_id}/{operation}", json=body, headers=auth)
    assert response.status_code == 400
    expected = json.loads(json.dumps(BAD_REQUEST_USER_IDS))
    expected["requestError"]["serviceException"]["validationErrors"]["userIds"] = [message]
    assert response.json == expected
    assert runtime.lists.describe(list_id)["memberCount"] == 0


def test_ten_thousand_identifiers_are_accepted(client, runtime, auth):
    list_id = create(client, auth)
    ids = [f"u{i}@x.io" for i in range(10_000)]
    assert client.post(f"{LISTS}/{list_id}/add", json={"userIds": ids}, headers=auth).json == {
        "modifiedCount": 0,
        "createdCount": 10_000,
    }
    assert runtime.lists.describe(list_id)["memberCount"] == 10_000


def test_validation_comes_before_tag_not_found(client, auth):
    response = client.post(f"{LISTS}/87881/add", json={"userIds": []}, headers=auth)
    assert response.json == BAD_REQUEST_USER_IDS


def test_a_deleted_list_is_tag_not_found_and_its_id_is_never_reused(client, runtime, auth):
    list_id = create(client, auth, "gone")
    runtime.lists.delete(list_id)
    response = post(client, runtime, f"{LISTS}/{list_id}/add", {"userIds": ["a@b.co"]}, auth)
    assert response.json["statusCode"] == "TAG_NOT_FOUND"
    assert post(client, runtime, LISTS, {"name": "gone"}, auth).json["listId"] > list_id


def test_list_ids_are_unique_across_accounts_and_resets(client, runtime, auth):
    first = create(client, auth, "a")
    runtime.reset()
    assert create(client, auth, "a") > first


@pytest.mark.parametrize(
    ("kind", "good", "bad"),
    [
        ("phone", ["+41793026727", "41793026727"], ["+1", "abc", "41 79 302"]),
        ("externalId", ["user-1", "Ü 2"], ["", "   ", "x" * 257]),
    ],
)
def test_identifier_kinds_per_account(client, runtime, kind, good, bad):
    runtime.add_account(kind, [f"{kind}-key"], identifier=kind)
    headers = {"Authorization": f"App {kind}-key"}
    list_id = create(client, headers)
    response = client.post(f"{LISTS}/{list_id}/add", json={"userIds": good + bad}, headers=headers)
    body = response.json
    assert body["errors"]["failed"] == {"VALIDATION_ERROR": bad}
    assert body["createdCount"] == (1 if kind == "phone" else 2)  # one number written two ways

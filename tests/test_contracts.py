"""The contracts themselves: valid schemas, every operation covered, the seed's examples valid."""

from __future__ import annotations

import json

import pytest
from jsonschema import Draft202012Validator

from mock_infobip.http.app import HANDLERS
from mock_infobip.wire import envelopes
from mock_infobip.wire.validation import contracts_dir, default_contracts, field_name

CONTRACTS = default_contracts()
LISTS = ["lists.create", "lists.add", "lists.remove"]

# The documented bodies of spec/lists-api.md, per operation and status.
SEED_EXAMPLES = [
    ("lists.create", 200, {"listId": 2568}),
    (
        "lists.create",
        400,
        {
            "requestError": {
                "serviceException": {
                    "messageId": "BAD_REQUEST",
                    "text": "Bad request",
                    "validationErrors": {"name": ["property not found or blank"]},
                }
            }
        },
    ),
    (
        "lists.create",
        401,
        {
            "requestError": {
                "serviceException": {"messageId": "UNAUTHORIZED", "text": "Invalid login details"}
            }
        },
    ),
    (
        "lists.create",
        429,
        {
            "requestError": {
                "serviceException": {"messageId": "TOO_MANY_REQUESTS", "text": "Too many requests"}
            }
        },
    ),
    (
        "lists.add",
        200,
        {
            "modifiedCount": 0,
            "createdCount": 3,
            "errors": {"count": 1, "failed": {"VALIDATION_ERROR": ["invalid_mail.com"]}},
        },
    ),
    ("lists.add", 400, {"statusCode": "TAG_NOT_FOUND", "message": 'Tag with id "87881" does not exist'}),
    ("lists.remove", 200, {}),
    ("lists.remove", 400, {"statusCode": "TAG_NOT_FOUND", "message": 'Tag with id "87881" does not exist'}),
]
SEED_REQUESTS = [
    ("lists.create", {"name": "[Amplitude] Churn risk: 8812"}),
    (
        "lists.create",
        {
            "name": "[Amplitude] x: 1",
            "context": {"integration": {"name": "Amplitude Cohort Sync", "version": "1.0.0"}},
        },
    ),
    ("lists.add", {"userIds": ["alice@example.com", "invalid_mail.com"]}),
    ("lists.remove", {"userIds": ["alice@example.com"]}),
]


@pytest.mark.parametrize("path", sorted(contracts_dir().rglob("*.schema.json")), ids=lambda p: p.name)
def test_every_schema_is_valid_2020_12(path):
    schema = json.loads(path.read_text())
    Draft202012Validator.check_schema(schema)
    assert schema["$id"].endswith(path.relative_to(contracts_dir()).as_posix())


def test_every_operation_has_a_route_and_resolvable_contracts():
    assert set(CONTRACTS.operations) == set(HANDLERS)
    for operation in CONTRACTS.operations.values():
        refs = [*operation.responses.values(), operation.request, operation.query]
        for ref in filter(None, refs):
            CONTRACTS.validator(ref).is_valid({})  # resolves every $ref or raises


@pytest.mark.parametrize(("op_id", "status", "body"), SEED_EXAMPLES)
def test_the_seeds_example_responses_are_valid(op_id, status, body):
    assert CONTRACTS.response_problems(CONTRACTS.operations[op_id], "legacy", status, body) == []


@pytest.mark.parametrize(("op_id", "body"), SEED_REQUESTS)
def test_the_seeds_example_requests_are_valid(op_id, body):
    assert CONTRACTS.errors(CONTRACTS.operations[op_id].request, body) == {}


@pytest.mark.parametrize("status", sorted(envelopes.LEGACY_MESSAGES))
def test_each_legacy_body_matches_its_pinned_contract(status):
    ref = CONTRACTS.response_ref(CONTRACTS.operations["lists.create"], "legacy", status)
    if ref is None:  # 403 is documented for no operation yet
        ref = "common/legacy-error.schema.json"
    assert CONTRACTS.validator(ref).is_valid(envelopes.legacy(status))


def test_contracts_catch_drift():
    create = CONTRACTS.operations["lists.create"]
    assert CONTRACTS.response_problems(create, "legacy", 200, {"listId": "2568"})
    assert CONTRACTS.response_problems(create, "legacy", 200, {"listId": 1, "extra": True})
    assert CONTRACTS.response_problems(create, "legacy", 401, envelopes.legacy(429))
    assert CONTRACTS.response_problems(create, "legacy", 418, {}) == [
        "lists.create: status 418 is not documented"
    ]
    add = CONTRACTS.operations["lists.add"]
    assert CONTRACTS.response_problems(
        add, "legacy", 200, {"modifiedCount": 0, "createdCount": 0, "errors": {"count": 0, "failed": {}}}
    )


def test_field_names():
    assert field_name([]) == "body"
    assert field_name(["userIds", 3]) == "userIds"
    assert field_name(["messages", 0, "destinations", 1, "to"]) == "messages[0].destinations[1].to"

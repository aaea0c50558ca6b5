"""The OpenAPI 3.1 document built from contracts/."""

from __future__ import annotations

import json

from jsonschema import Draft202012Validator
from referencing import Registry
from referencing.jsonschema import DRAFT202012

from mock_infobip.http.openapi import document
from mock_infobip.wire.validation import default_contracts
from tests.servers import run_cli

BOTH_BACKENDS = True  # SQLite and PostgreSQL (tests/conftest.py)


def resolve(doc: dict, ref: str) -> dict:
    node = doc
    for part in ref.removeprefix("#/").split("/"):
        node = node[part]
    return node


def all_refs(node) -> list[str]:
    if isinstance(node, dict):
        own = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return own + [r for v in node.values() for r in all_refs(v)]
    if isinstance(node, list):
        return [r for item in node for r in all_refs(item)]
    return []


def test_every_operation_is_documented_with_its_responses():
    doc = document()
    assert doc["openapi"] == "3.1.0"
    operations = {op["operationId"]: op for path in doc["paths"].values() for op in path.values()}
    assert set(operations) == set(default_contracts().operations)
    assert operations["lists.add"]["responses"]["400"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/lists.add-people.400"
    }
    assert operations["admin.clock.advance"]["tags"] == ["admin"]
    assert "security" not in operations["admin.health"] and operations["sms.send.v3"]["security"]
    assert {p["name"] for p in operations["sms.logs.v3"]["parameters"]} >= {
        "limit",
        "sentSince",
        "destination",
    }
    assert set(doc["webhooks"]) == {
        "sms.callback.v2",
        "sms.callback.v3",
        "sms.inbound",
        "mms.callback",
        "mms.callback.v1",
        "mms.inbound",
    }


def test_schemas_are_referenced_not_copied_and_every_reference_resolves():
    doc = document()
    for ref in all_refs(doc):
        assert ref.startswith("#/components/schemas/"), ref
        resolve(doc, ref)
    for path in doc["paths"].values():
        for op in path.values():
            for status, response in op["responses"].items():
                if status == "204":  # no content, nothing to reference
                    assert "content" not in response
                    continue
                assert set(response["content"]["application/json"]["schema"]) == {"$ref"}


def test_component_schemas_validate_like_the_contracts():
    doc = document()
    registry = Registry().with_resource("urn:doc", DRAFT202012.create_resource(doc))
    schema = {"$ref": "urn:doc#/components/schemas/sms.delivery-reports-v3"}
    validator = Draft202012Validator(schema, registry=registry)
    assert validator.is_valid({"results": []})
    assert not validator.is_valid({"results": [{"messageId": "x"}]})


def test_served_and_printed(client):
    assert client.get("/openapi.json").json == document()
    printed = run_cli("openapi")
    assert printed.returncode == 0 and json.loads(printed.stdout) == document()

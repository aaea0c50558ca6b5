"""Infobip's request examples, sent verbatim (production callback URLs included), all succeed, and
every answer is valid against the schema Infobip's document gives for its status. The examples and
schemas are facts taken from the document into ``tests/data/infobip-sms-examples.json`` by
``tests/data/extract_examples.py``."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import requests
from jsonschema import Draft202012Validator
from referencing import Registry, Resource

from mock_infobip import fake

FACTS = json.loads((Path(__file__).parent / "data" / "infobip-sms-examples.json").read_text())
DOCUMENT = Resource.from_contents(
    {"$schema": "https://json-schema.org/draft/2020-12/schema", "components": {"schemas": FACTS["schemas"]}}
)
REGISTRY = Registry().with_resource("urn:infobip-sms", DOCUMENT)


def _requests() -> Iterator[Any]:
    for operation in FACTS["operations"]:
        if operation["bodies"]:
            for name, body in operation["bodies"].items():
                yield pytest.param(operation, body, id=f"{operation['method']} {operation['url']}: {name}")
        else:
            yield pytest.param(operation, None, id=f"{operation['method']} {operation['url']}")


def _problems(operation: dict[str, Any], answer: requests.Response) -> list[str]:
    schema = operation["responses"].get(str(answer.status_code))
    if schema is None:
        return [f"status {answer.status_code} is not in Infobip's document for this operation"]
    rooted = Draft202012Validator(_rebased(schema), registry=REGISTRY)
    return [
        f"{'/'.join(map(str, e.absolute_path)) or '(root)'}: {e.message}"
        for e in rooted.iter_errors(answer.json())
    ]


def _rebased(schema: Any) -> Any:
    """The schema with its document references (#/components/...) pointed at the document."""
    if isinstance(schema, dict):
        return {
            key: ("urn:infobip-sms" + value if key == "$ref" and value.startswith("#/") else _rebased(value))
            for key, value in schema.items()
        }
    if isinstance(schema, list):
        return [_rebased(item) for item in schema]
    return schema


@pytest.fixture(scope="module")
def infobip() -> Iterator[Any]:
    with fake(logs_per_minute=100_000) as handle:
        yield handle


def scheduled_bulk(infobip: Any) -> dict[str, str]:
    """What a bulks example refers to: a scheduled bulk BULK-ID-123-xyz, of a new account (the send
    examples reuse that bulkId for messages sent at once; a reschedule to the past sends it)."""
    _, (key,) = infobip.runtime.add_account("Scheduler")
    headers = {"Authorization": f"App {key}"}
    later = (infobip.clock.now() + timedelta(days=30)).isoformat().replace("+00:00", "+0000")
    message = {"destinations": [{"to": "41793026727"}], "text": "Later", "sendAt": later}
    bulk = {"bulkId": "BULK-ID-123-xyz", "messages": [message]}
    made = requests.post(infobip.base_url + "/sms/2/text/advanced", headers=headers, json=bulk)
    assert made.status_code == 200, made.text
    return headers


@pytest.mark.parametrize(("operation", "body"), list(_requests()))
def test_every_request_example_succeeds_and_its_answer_is_valid(infobip, operation, body):
    url = operation["url"]
    if "{messageId}" in url:
        sent = requests.post(
            infobip.base_url + "/sms/3/messages",
            headers=infobip.headers,
            json={"messages": [{"destinations": [{"to": "41793026727"}], "content": {"text": "Tag me"}}]},
        )
        url = url.replace("{messageId}", sent.json()["messages"][0]["messageId"])
    headers = scheduled_bulk(infobip) if url.startswith("/sms/1/bulks") else infobip.headers
    answer = requests.request(
        operation["method"], infobip.base_url + url, headers=headers, json=body, params=operation["query"]
    )
    assert answer.status_code == 200, answer.text[:500]
    assert _problems(operation, answer) == []

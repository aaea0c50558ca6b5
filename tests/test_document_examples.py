"""Infobip's request examples, sent verbatim (production callback URLs included), all succeed, and
every answer is valid against the schema Infobip's document gives for its status: the SMS document
and the MMS document. The examples and schemas are facts taken from each document into
``tests/data/infobip-<sms|mms>-examples.json`` by ``tests/data/extract_examples.py``."""

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

DOCUMENTS = ("sms", "mms", "2fa")  # 2FA's examples need ids made first: tests/test_tfa_document.py
FACTS = {
    name: json.loads((Path(__file__).parent / "data" / f"infobip-{name}-examples.json").read_text())
    for name in DOCUMENTS
}
SAME_PLACE = ("allOf", "anyOf", "oneOf")  # keywords whose schemas apply to the same instance


def any_of(schema: Any) -> Any:
    """``schema`` with every ``oneOf`` read as ``anyOf``: the MMS document's send answer has items
    ``oneOf`` ``MessageResultBcc``, ``Cc``, ``To``, which require only ``status``, so its own example
    (``to``, ``status``, ``messageId``) matches all three and fails ``oneOf``. An answer still has
    to match one of them."""
    if isinstance(schema, dict):
        return {("anyOf" if key == "oneOf" else key): any_of(value) for key, value in schema.items()}
    if isinstance(schema, list):
        return [any_of(item) for item in schema]
    return schema


def _acyclic(schemas: dict[str, Any]) -> dict[str, Any]:
    """The document's schemas with every reference cycle that consumes no input broken. The MMS
    document's ``MessageResult`` is ``anyOf`` ``MessageResultTo`` (and Cc, Bcc), each of which is
    ``allOf`` ``MessageResult`` and its own fields: no validator can evaluate that (it recurses on
    the same value forever). A reference that closes such a cycle is read as ``{}`` (the fields
    the referring schema adds itself still apply); references under ``properties``, ``items`` and
    the like move into the value and are kept."""
    fixed = any_of(schemas)

    def refs(schema: Any) -> Iterator[tuple[list[Any], int, str]]:
        for keyword in SAME_PLACE:
            for index, sub in enumerate(schema.get(keyword, []) if isinstance(schema, dict) else []):
                if isinstance(sub, dict) and "$ref" in sub:
                    yield schema[keyword], index, sub["$ref"].rsplit("/", 1)[-1]
                else:
                    yield from refs(sub)

    def visit(name: str, path: list[str]) -> None:
        for owner, index, target in list(refs(fixed[name])):
            if target in path or target == name:
                owner[index] = {}
            elif target in fixed:
                visit(target, [*path, name])

    for name in fixed:
        visit(name, [])
    return fixed


REGISTRY = Registry().with_resources(
    (
        f"urn:infobip-{name}",
        Resource.from_contents(
            {
                "$schema": "https://json-schema.org/draft/2020-12/schema",
                "components": {"schemas": _acyclic(facts["schemas"])},
            }
        ),
    )
    for name, facts in FACTS.items()
)
MEDIA = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00"  # what an upload example's file would start with


def _requests() -> Iterator[Any]:
    for name, facts in FACTS.items():
        if name == "2fa":
            continue
        for operation in facts["operations"]:
            title = f"{name}: {operation['method']} {operation['url']}"
            if operation["bodies"]:
                for example, body in operation["bodies"].items():
                    yield pytest.param(name, operation, body, id=f"{title}: {example}")
            else:
                yield pytest.param(name, operation, None, id=title)


def problems(document: str, operation: dict[str, Any], answer: requests.Response) -> list[str]:
    schema = operation["responses"].get(str(answer.status_code))
    if schema is None:
        return [f"status {answer.status_code} is not in Infobip's document for this operation"]
    rooted = Draft202012Validator(any_of(rebased(schema, f"urn:infobip-{document}")), registry=REGISTRY)
    return [
        f"{'/'.join(map(str, e.absolute_path)) or '(root)'}: {e.message}"
        for e in rooted.iter_errors(answer.json())
    ]


def rebased(schema: Any, base: str) -> Any:
    """The schema with its document references (#/components/...) pointed at the document."""
    if isinstance(schema, dict):
        return {
            key: (base + value if key == "$ref" and value.startswith("#/") else rebased(value, base))
            for key, value in schema.items()
        }
    if isinstance(schema, list):
        return [rebased(item, base) for item in schema]
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


def headers_for(infobip: Any, operation: dict[str, Any]) -> dict[str, str]:
    """The credentials an example is sent with (a bulk's own account for the bulks examples) and the
    example's header parameters."""
    base = scheduled_bulk(infobip) if operation["url"].startswith("/sms/1/bulks") else infobip.headers
    return {**base, **{name: str(value) for name, value in operation["headers"].items()}}


def url_for(infobip: Any, operation: dict[str, Any]) -> str:
    """The example's URL, ``{messageId}`` a message just sent."""
    url = operation["url"]
    if "{messageId}" in url:
        sent = requests.post(
            infobip.base_url + "/sms/3/messages",
            headers=infobip.headers,
            json={"messages": [{"destinations": [{"to": "41793026727"}], "content": {"text": "Tag me"}}]},
        )
        url = url.replace("{messageId}", sent.json()["messages"][0]["messageId"])
    return infobip.base_url + url


@pytest.mark.parametrize(("document", "operation", "body"), list(_requests()))
def test_every_request_example_succeeds_and_its_answer_is_valid(infobip, document, operation, body):
    url = url_for(infobip, operation)
    headers = headers_for(infobip, operation)
    sent: dict[str, Any] = {"json": body}
    if operation["bodyType"] == "application/octet-stream":  # an upload: its example is a curl line
        sent = {"data": MEDIA, "headers": {**headers, "Content-Type": operation["bodyType"]}}
    answer = requests.request(
        operation["method"], url, params=operation["query"], **{"headers": headers, **sent}
    )
    assert answer.status_code == 200, answer.text[:500]
    assert problems(document, operation, answer) == []

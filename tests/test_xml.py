"""XML where Infobip's documents declare it: every XML request example of the SMS and MMS documents
is sent verbatim and succeeds (its JSON answer valid against the document's schema), and every
operation whose document shows an XML answer gives one when Accept prefers it: the root element and
the array items named as the document's example names them, and the answer, read as the document's
schema describes it, valid against that schema. Then bad XML."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from xml.etree import ElementTree

import pytest
import requests
from jsonschema import Draft202012Validator

from mock_infobip import fake
from mock_infobip.wire.nesting import MAX_DEPTH, TOO_DEEP
from mock_infobip.wire.xmlwire import read
from tests.sms_helpers import KEY
from tests.test_document_examples import FACTS, REGISTRY, any_of, headers_for, problems, rebased, url_for

BOTH_BACKENDS = True  # SQLite and PostgreSQL (tests/conftest.py)

XML = {"Content-Type": "application/xml"}
ACCEPT_XML = {"Accept": "application/xml"}


@pytest.fixture(scope="module")
def infobip() -> Iterator[Any]:
    with fake(logs_per_minute=100_000) as handle:
        yield handle


def _xml_requests() -> Iterator[Any]:
    for name, facts in FACTS.items():
        if name == "2fa":  # its examples need ids made first: tests/test_tfa_document.py
            continue
        for operation in facts["operations"]:
            for example, body in operation["xmlBodies"].items():
                title = f"{name}: {operation['method']} {operation['url']}: {example}"
                yield pytest.param(name, operation, body, id=title)


def _xml_answers() -> Iterator[Any]:
    for name, facts in FACTS.items():
        if name == "2fa":
            continue
        for operation in facts["operations"]:
            if "200" in operation["xmlAnswers"]:
                yield pytest.param(name, operation, id=f"{name}: {operation['method']} {operation['url']}")


@pytest.mark.parametrize(("document", "operation", "body"), list(_xml_requests()))
def test_every_xml_request_example_succeeds(infobip, document, operation, body):
    answer = requests.request(
        operation["method"],
        url_for(infobip, operation),
        params=operation["query"],
        headers={**headers_for(infobip, operation), **XML},
        data=body.encode("utf-8"),
    )
    assert answer.status_code == 200, answer.text[:500]
    assert problems(document, operation, answer) == []


def _items(element: ElementTree.Element, lists: set[str], item: bool = False) -> Iterator[tuple[str, str]]:
    """(array element, its items' element) for every array element (named in ``lists``; an item of
    an array is not one, whatever its name: ``<previews><previews>``) with items."""
    wrapper = not item and element.tag in lists
    for child in element:
        if wrapper:
            yield element.tag, child.tag
        yield from _items(child, lists, wrapper)


def _list_keys(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        for key, inner in value.items():
            if isinstance(inner, list):
                yield key
            yield from _list_keys(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from _list_keys(inner)


def _something_to_pull(infobip: Any, url: str) -> None:
    """A message with its report ready to pull (each is pulled once), or an inbound SMS."""
    if "inbox" in url:
        if not any(n["number"] == "385921004026" for n in infobip.runtime.inbound.numbers()):
            infobip.number("385921004026")
        infobip.handset("385916242493", "385921004026", "QUIZ Correct answer is Paris")
        return
    infobip.outcome("DELIVERED_TO_HANDSET", to="41793026799", delay_seconds=5)
    message = {"destinations": [{"to": "41793026799"}], "content": {"text": "Report me"}}
    sent = requests.post(
        infobip.base_url + "/sms/3/messages", headers=infobip.headers, json={"messages": [message]}
    )
    assert sent.status_code == 200
    infobip.clock.advance(10)


@pytest.mark.parametrize(("document", "operation"), list(_xml_answers()))
def test_every_documented_xml_answer(infobip, document, operation):
    """The same request in XML, then in JSON: the XML has the example's root and item names, and
    read as the document's schema describes it is valid against that schema. Reports, logs and
    inbound are asked for without the example's filters, so that there is something to show."""
    listing = operation["url"].endswith(("/reports", "/logs"))
    if listing:
        _something_to_pull(infobip, operation["url"])
    bodies = list(operation["bodies"].values())
    sent: dict[str, Any] = {"json": bodies[0]} if bodies else {}
    answers = [
        requests.request(
            operation["method"],
            url_for(infobip, operation),
            params={} if listing else operation["query"],
            headers={**headers_for(infobip, operation), **accept},
            **sent,
        )
        for accept in (ACCEPT_XML, {})
    ]
    as_xml, as_json = answers
    assert (as_json.status_code, as_xml.status_code) == (200, 200), as_xml.text[:500]
    assert as_xml.headers["Content-Type"].startswith("application/xml")
    example = ElementTree.fromstring(operation["xmlAnswers"]["200"].encode("utf-8"))
    ours = ElementTree.fromstring(as_xml.content)
    assert ours.tag == example.tag
    schema = any_of(rebased(operation["responses"]["200"], f"urn:infobip-{document}"))
    value = read(as_xml.content, schema, REGISTRY.resolver())
    errors = [e.message for e in Draft202012Validator(schema, registry=REGISTRY).iter_errors(value)]
    assert errors == []
    lists = set(_list_keys(value)) | set(_list_keys(as_json.json()))
    documented = dict(_items(example, lists))
    assert {(a, i) for a, i in _items(ours, lists) if a in documented} <= set(documented.items())
    if "results" in lists:
        assert value["results"], "nothing to compare: the answer's results are empty"


# --- bad XML, and what is not XML -----------------------------------------------------------------


def _send_xml(client: Any, body: bytes, path: str = "/sms/2/text/advanced", **headers: str) -> Any:
    return client.post(path, data=body, headers={**KEY, **XML, **headers})


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"<messages>",
        b"not xml at all",
        b'<!DOCTYPE a [<!ENTITY x "y">]><a>&x;</a>',
        b'<!DOCTYPE a [<!ENTITY x SYSTEM "file:///etc/passwd">]><a>&x;</a>',
        b'<!DOCTYPE l [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><l>&b;</l>',
    ],
)
def test_what_is_not_plain_xml_is_a_400_and_sends_nothing(client, body):
    answer = _send_xml(client, body, **ACCEPT_XML)
    assert answer.status_code == 400
    root = ElementTree.fromstring(answer.data)
    assert root.tag == "ApiException"
    assert root.find("requestError/serviceException/validationErrors/entry/key").text == "body"
    assert root.find("requestError/serviceException/validationErrors/entry/value").text == (
        "must be an XML document"
    )
    assert client.get("/__admin/messages").json["messages"] == []


@pytest.mark.parametrize("depth", [5_000, MAX_DEPTH + 1])
def test_xml_nested_deeper_than_the_limit_is_a_400_naming_body(client, depth):
    """Issue #36, 5: 5,000 levels were a RecursionError (a 500); the limit is far above what
    Infobip's documents need, and the whole of it is taken."""
    body = b"<a>" * depth + b"x" + b"</a>" * depth
    answer = _send_xml(client, b"<request><messages>" + body + b"</messages></request>")
    assert answer.status_code == 400
    errors = answer.json["requestError"]["serviceException"]["validationErrors"]
    assert errors == {"body": [TOO_DEEP]}
    assert client.get("/__admin/messages").json["messages"] == []
    nested_in_limit = b"<a>" * (MAX_DEPTH - 4) + b"x" + b"</a>" * (MAX_DEPTH - 4)
    within = _send_xml(
        client, b"<request><messages><message>" + nested_in_limit + b"</message></messages></request>"
    )
    assert within.status_code == 400  # read, and refused by the contract, not by the depth
    assert "body" not in within.json["requestError"]["serviceException"]["validationErrors"]


@pytest.mark.parametrize("depth", [5_000, MAX_DEPTH + 1])
def test_json_nested_deeper_than_the_limit_is_a_400_naming_body(client, depth):
    body = b'{"a":' * depth + b"1" + b"}" * depth
    answer = client.post(
        "/sms/2/text/advanced", data=body, headers={**KEY, "Content-Type": "application/json"}
    )
    assert answer.status_code == 400
    errors = answer.json["requestError"]["serviceException"]["validationErrors"]
    assert errors == {"body": [TOO_DEEP]}
    assert client.get("/__admin/messages").json["messages"] == []


def test_xml_values_are_typed_by_the_contract_and_misfits_named(client):
    body = (
        b"<r><messages><message><destinations><destination><to>41793026727</to></destination>"
        b"</destinations><text>Hi</text><flash>maybe</flash><validityPeriod>ten</validityPeriod>"
        b"</message></messages></r>"
    )
    answer = _send_xml(client, body)
    assert answer.status_code == 400
    assert answer.json["requestError"]["serviceException"]["validationErrors"] == {
        "messages[0].flash": ["must be a boolean"],
        "messages[0].validityPeriod": ["must be an integer"],
    }
    good = body.replace(b"maybe", b"true").replace(b">ten<", b">10<")
    assert _send_xml(client, good).status_code == 200
    (message,) = client.get("/__admin/messages").json["messages"]
    assert (message["to"], message["text"]) == ("41793026727", "Hi")


def test_one_array_item_is_still_an_array_and_an_empty_wrapper_is_empty(client):
    one = (
        b"<r><messages><message><destinations><destination><to>41793026727</to></destination>"
        b"</destinations><text>x</text></message></messages></r>"
    )
    assert _send_xml(client, one).status_code == 200
    empty = _send_xml(client, b"<r><messages/></r>")
    assert empty.json["requestError"]["serviceException"]["validationErrors"] == {
        "messages": ["must not be empty"]
    }


@pytest.mark.parametrize(
    ("accept", "xml"),
    [
        ("application/xml", True),
        ("application/xml, */*;q=0.5", True),
        ("application/json;q=0.5, application/xml", True),
        ("application/json, application/xml", False),  # a tie is JSON's
        ("application/xml;q=0.1, application/json", False),
        ("*/*", False),
        ("", False),
    ],
)
def test_accept_decides_the_answer(client, accept, xml):
    answer = client.get("/sms/1/logs", headers={**KEY, "Accept": accept})
    assert answer.status_code == 200
    assert answer.headers["Content-Type"].startswith("application/xml" if xml else "application/json")


def test_operations_without_xml_answer_json_and_take_no_xml(client):
    answer = client.get("/mms/2/logs", headers={**KEY, **ACCEPT_XML})
    assert answer.headers["Content-Type"].startswith("application/json")
    refused = _send_xml(client, b"<r/>", "/mms/2/messages")
    assert refused.status_code == 400
    assert refused.json["violations"] == [{"property": "body", "violation": "must be a JSON object"}]


def test_errors_in_xml_have_the_envelope_root(client):
    unauthorized = client.get("/sms/3/logs", headers={"Authorization": "App wrong", **ACCEPT_XML})
    assert unauthorized.status_code == 401
    assert ElementTree.fromstring(unauthorized.data).tag == "ApiError"
    not_found = client.get("/sms/1/bulks", query_string={"bulkId": "none"}, headers={**KEY, **ACCEPT_XML})
    assert not_found.status_code == 404
    root = ElementTree.fromstring(not_found.data)
    assert (root.tag, root.find("requestError/serviceException/text").text) == (
        "ApiException",
        "Bulk not found",
    )

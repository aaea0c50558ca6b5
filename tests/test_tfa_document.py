"""Infobip's 2FA document judges the 2FA API: every request example (JSON and XML) succeeds and every
answer is valid against the document's schema for its status; every XML answer has the root element
of the document's example. The examples name ids that exist at Infobip (``applicationId``
"1234567", ``messageId`` "7654321", ``{appId}`` …): each is replaced by an object of the same kind
made first, and nothing else of the example is changed. The verify example's PIN "1598" is forced
for its number, so that it verifies. One decision differs from the document: creating an application
answers 200 (the document: 201), as Infobip's SDKs read it (docs/2fa.md); its body is held to the
document's schema for 201."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any
from xml.etree import ElementTree

import pytest
import requests
from jsonschema import Draft202012Validator

from mock_infobip import fake
from mock_infobip.wire.xmlwire import read
from tests.test_document_examples import FACTS, REGISTRY, any_of, rebased

CH = "41793026727"
EXAMPLE_APP, EXAMPLE_MESSAGE = "1234567", "7654321"
DECIDED = {("POST", "/2fa/2/applications"): ("200", "201")}  # (ours, the document's): docs/2fa.md


def documented(operation: dict[str, Any], status: int) -> str:
    """The document's status for an answer of ``status`` (the decisions above mapped back)."""
    ours, theirs = DECIDED.get((operation["method"], operation["url"]), (None, None))
    return theirs if str(status) == ours else str(status)


class Ids:
    """The objects the examples refer to, made in a fake of their own."""

    def __init__(self, infobip: Any) -> None:
        self.infobip = infobip
        generous = {"sendPinPerPhoneNumberLimit": "1000/1d", "verifyPinLimit": "1000/1s"}
        self.config_app = self._post("/2fa/2/applications", {"name": "Examples: configuration"})[
            "applicationId"
        ]
        self.pin_app = self._post("/2fa/2/applications", {"name": "PINs", "configuration": generous})[
            "applicationId"
        ]
        text = {"messageText": "Hello {{firstName}}, your PIN is {{pin}}", "pinType": "NUMERIC"}
        self.config_sms = self._template(self.config_app, "messages", text)
        self.config_email = self._template(self.config_app, "email/messages", {"emailTemplateId": 1234})
        self.pin_sms = self._template(self.pin_app, "messages", text)
        self.pin_email = self._template(self.pin_app, "email/messages", {"emailTemplateId": 1234})
        infobip.force_pin(CH, "1598")

    def _post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        answer = requests.post(self.infobip.base_url + path, json=body, headers=self.infobip.headers)
        assert answer.status_code in (200, 201), answer.text
        found: dict[str, Any] = answer.json()
        return found

    def _template(self, app_id: str, kind: str, body: dict[str, Any]) -> str:
        return str(self._post(f"/2fa/2/applications/{app_id}/{kind}", body)["messageId"])

    def pin(self, channel: str) -> str:
        """A fresh PIN over ``channel`` (for resend and verify examples)."""
        path = {"sms": "/2fa/2/pin", "voice": "/2fa/2/pin/voice", "email": "/2fa/2/pin/email"}[channel]
        to = "john.smith@example.com" if channel == "email" else CH
        template = self.pin_email if channel == "email" else self.pin_sms
        self.infobip.clock.advance(1)
        return str(
            self._post(path, {"applicationId": self.pin_app, "messageId": template, "to": to})["pinId"]
        )

    def url(self, url: str) -> str:
        """The example's path with its ids: configuration paths on one application, the
        verification listing on the one PINs were sent from."""
        if "{pinId}" in url:
            channel = "email" if url.endswith("/email") else "voice" if url.endswith("/voice") else "sms"
            url = url.replace("{pinId}", self.pin(channel))
        kind = self.config_email if "/email/" in url else self.config_sms
        app_id = self.pin_app if url.endswith("/verifications") else self.config_app
        return url.replace("{appId}", app_id).replace("{msgId}", kind)

    def body_text(self, url: str, text: str) -> str:
        """An example body (JSON or XML text) with its application and template ids ours."""
        template = self.pin_email if url.endswith("/email") else self.pin_sms
        return text.replace(EXAMPLE_APP, self.pin_app).replace(EXAMPLE_MESSAGE, template)


@pytest.fixture(scope="module")
def ids() -> Iterator[Ids]:
    with fake() as infobip:
        yield Ids(infobip)


def _cases(kind: str) -> Iterator[Any]:
    for operation in FACTS["2fa"]["operations"]:
        title = f"{operation['method']} {operation['url']}"
        bodies = operation["bodies"] if kind == "json" else operation["xmlBodies"]
        if bodies:
            for example, body in bodies.items():
                yield pytest.param(operation, body, id=f"{title}: {example}")
        else:
            yield pytest.param(operation, None, id=title)


def _send(ids: Ids, operation: dict[str, Any], body: Any, xml: bool, accept_xml: bool = False) -> Any:
    headers = dict(ids.infobip.headers)
    if accept_xml:
        headers["Accept"] = "application/xml"
    url = ids.infobip.base_url + ids.url(operation["url"])
    sent: dict[str, Any] = {}
    if body is not None:
        text = body if xml else json.dumps(body)
        sent["data"] = ids.body_text(operation["url"], text).encode("utf-8")
        headers["Content-Type"] = "application/xml" if xml else "application/json"
    ids.infobip.clock.advance(5)  # past the verify limit of the example application (2/4s)
    return requests.request(operation["method"], url, params=operation["query"], headers=headers, **sent)


@pytest.mark.parametrize(("operation", "body"), list(_cases("json")))
def test_every_json_example(ids, operation, body):
    answer = _send(ids, operation, body, xml=False)
    assert answer.status_code == 200, answer.text[:500]
    schema = any_of(rebased(operation["responses"][documented(operation, 200)], "urn:infobip-2fa"))
    errors = Draft202012Validator(schema, registry=REGISTRY).iter_errors(answer.json())
    assert [e.message for e in errors] == []
    if operation["url"].endswith("/verify"):
        assert answer.json()["verified"] is True  # the example's PIN, forced for its number


@pytest.mark.parametrize(("operation", "body"), list(_cases("xml")))
def test_every_xml_example_and_xml_answer(ids, operation, body):
    answer = _send(ids, operation, body, xml=True, accept_xml=True)
    assert answer.status_code == 200, answer.text[:500]
    assert answer.headers["Content-Type"].startswith("application/xml")
    status = documented(operation, answer.status_code)
    example = ElementTree.fromstring(operation["xmlAnswers"][status].encode("utf-8"))
    assert ElementTree.fromstring(answer.content).tag == example.tag
    schema = any_of(rebased(operation["responses"][status], "urn:infobip-2fa"))
    value = read(answer.content, schema, REGISTRY.resolver())
    assert [e.message for e in Draft202012Validator(schema, registry=REGISTRY).iter_errors(value)] == []

"""Helpers for the SMS tests: sending through the API, checking callback bodies."""

from __future__ import annotations

from typing import Any

from mock_infobip.wire.validation import default_contracts
from tests.receivers import Receiver

KEY = {"Authorization": "App test-key-1"}
V2 = "/sms/2/text/advanced"
V3 = "/sms/3/messages"


def send_v2(client: Any, *numbers: str, **message: Any) -> dict[str, Any]:
    body = {
        "messages": [
            {"from": "Shop", "text": "Hello", **message, "destinations": [{"to": n} for n in numbers]}
        ]
    }
    response = client.post(V2, json=body, headers=KEY)
    assert response.status_code == 200, response.json
    result: dict[str, Any] = response.json
    return result


def send_v3(
    client: Any, *numbers: str, webhooks: dict[str, Any] | None = None, **message: Any
) -> dict[str, Any]:
    body = {
        "messages": [
            {
                "sender": "Shop",
                "content": {"text": "Hello"},
                **message,
                **({"webhooks": webhooks} if webhooks else {}),
                "destinations": [{"to": n} for n in numbers],
            }
        ]
    }
    response = client.post(V3, json=body, headers=KEY)
    assert response.status_code == 200, response.json
    result: dict[str, Any] = response.json
    return result


def rule(client: Any, **body: Any) -> None:
    response = client.post("/__admin/outcomes", json=body)
    assert response.status_code == 201, response.json


def callback_bodies(receiver: Receiver, version: int) -> list[dict[str, Any]]:
    """Every body the receiver got, each checked against the callback contract of ``version``."""
    contracts = default_contracts()
    ref = contracts.webhooks[f"sms.callback.v{version}"]
    for body in receiver.bodies:
        errors = [e.message for e in contracts.validator(ref).iter_errors(body)]
        assert not errors, errors
    return receiver.bodies


def statuses(receiver: Receiver, version: int = 2) -> list[tuple[str, str]]:
    return [
        (r["to"], r["status"]["name"]) for body in callback_bodies(receiver, version) for r in body["results"]
    ]

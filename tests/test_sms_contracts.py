"""Infobip's documented SMS example bodies are valid against our contracts; drift is caught."""

from __future__ import annotations

import copy

import pytest

from mock_infobip.wire.validation import default_contracts

CONTRACTS = default_contracts()
OPS = CONTRACTS.operations
DELIVERED = {
    "groupId": 3,
    "groupName": "DELIVERED",
    "id": 5,
    "name": "DELIVERED_TO_HANDSET",
    "description": "Message delivered to handset",
}
PENDING = {
    "description": "Message sent to next instance",
    "groupId": 1,
    "groupName": "PENDING",
    "id": 26,
    "name": "PENDING_ACCEPTED",
}
NO_ERROR = {
    "groupId": 0,
    "groupName": "OK",
    "id": 0,
    "name": "NO_ERROR",
    "description": "No Error",
    "permanent": False,
}
PRICE = {"pricePerMessage": 0.01, "currency": "EUR"}
V3_REPORT = {
    "bulkId": "BULK-ID-123-xyz",
    "price": PRICE,
    "status": DELIVERED,
    "error": NO_ERROR,
    "messageId": "MESSAGE-ID-123-xyz",
    "to": "41793026727",
    "sender": "InfoSMS",
    "sentAt": "2019-11-09T16:00:00.000+0100",
    "doneAt": "2019-11-09T16:00:00.000+0100",
    "messageCount": 1,
    "callbackData": "callbackData",
    "platform": {
        "entityId": "promotional-traffic-entity",
        "applicationId": "marketing-automation-application",
    },
}
V2_REPORT = {
    "bulkId": "BULK-ID-123-xyz",
    "messageId": "MESSAGE-ID-123-xyz",
    "to": "41793026727",
    "sentAt": "2019-11-09T16:00:00.000+0000",
    "doneAt": "2019-11-09T16:00:00.000+0000",
    "smsCount": 1,
    "callbackData": "callbackData",
    "price": PRICE,
    "status": DELIVERED,
    "error": {**NO_ERROR, "groupName": "Ok"},
    "entityId": "promotional-traffic-entity",
    "applicationId": "marketing-automation-application",
}
EXAMPLES = [
    (
        "sms.send.v2",
        200,
        {
            "bulkId": "2034072219640523072",
            "messages": [
                {
                    "messageId": "2250be2d4219-3af1-78856-aabe-1362af1edfd2",
                    "status": PENDING,
                    "to": "41793026727",
                }
            ],
        },
    ),
    (
        "sms.send.v3",
        200,
        {
            "bulkId": "2034072219640523072",
            "messages": [
                {
                    "messageId": "2250be2d4219-3af1-78856-aabe-1362af1edfd2",
                    "status": PENDING,
                    "destination": "41793026727",
                    "details": {"messageCount": 1},
                }
            ],
        },
    ),
    ("sms.reports.v3", 200, {"results": [V3_REPORT]}),
    ("sms.reports.v1", 200, {"results": [V2_REPORT]}),
    (
        "sms.logs.v3",
        200,
        {
            "results": [
                {
                    "destination": "41793026727",
                    "bulkId": "BULK-ID-123-xyz",
                    "messageId": "MESSAGE-ID-123-xyz",
                    "sentAt": "2019-11-09T16:00:00.000+0100",
                    "doneAt": "2019-11-09T16:00:00.000+0100",
                    "messageCount": 1,
                    "price": PRICE,
                    "status": DELIVERED,
                    "error": NO_ERROR,
                    "platform": {"entityId": "e"},
                    "content": {"text": "This is a sample message"},
                    "mccMnc": "22801",
                }
            ]
        },
    ),
    (
        "sms.send.v2",
        400,
        {"requestError": {"serviceException": {"messageId": "BAD_REQUEST", "text": "Bad request"}}},
    ),
    (
        "sms.send.v3",
        400,
        {
            "errorCode": "E400",
            "description": "Request cannot be processed.",
            "action": "Check the syntax, violations and adjust the request.",
            "violations": [{"property": "property.path", "violation": "Violation message."}],
            "resources": [],
        },
    ),
    (
        "sms.logs.v3",
        429,
        {
            "errorCode": "E429",
            "description": "Too many requests sent.",
            "action": "Check request rate limit specified in the API endpoint documentation resource.",
            "violations": [],
            "resources": [{"name": "Throttling handling errors", "url": "https://x"}],
        },
    ),
    (
        "sms.send.v3",
        500,
        {
            "errorCode": "E500",
            "description": "Something went wrong.",
            "action": "Contact the support.",
            "violations": [],
            "resources": [],
        },
    ),
]


@pytest.mark.parametrize(("op_id", "status", "body"), EXAMPLES, ids=lambda v: str(v)[:20])
def test_infobips_examples_are_valid(op_id, status, body):
    operation = OPS[op_id]
    assert CONTRACTS.response_problems(operation, operation.envelope, status, body) == []


def test_callback_contracts_accept_the_webhook_examples():
    for name, body in (
        ("sms.callback.v2", {"results": [V2_REPORT]}),
        ("sms.callback.v3", {"results": [V3_REPORT]}),
    ):
        assert CONTRACTS.validator(CONTRACTS.webhooks[name]).is_valid(body)


@pytest.mark.parametrize(
    "change",
    [
        lambda r: r.update(doneAt="2019-11-09T16:00:00Z"),  # not Infobip's format
        lambda r: r.update(callbackData=None),  # no nulls
        lambda r: r.pop("messageId"),
        lambda r: r.update(smsCount=1),  # a v2 field in a v3 report
        lambda r: r["status"].update(groupName="DONE"),
    ],
)
def test_drift_in_a_v3_report_is_caught(change):
    report = copy.deepcopy(V3_REPORT)
    change(report)
    assert not CONTRACTS.validator(CONTRACTS.webhooks["sms.callback.v3"]).is_valid({"results": [report]})

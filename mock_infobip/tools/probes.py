"""The probes ``mock-infobip check`` sends, in order, as a table: what each asks, the status it
expects and what else its answer must show. :meth:`mock_infobip.tools.check.Checker.run` sends them."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

LIST_NAME = "mock-infobip contract check"
SENT_TEXT = "mock-infobip contract check"  # the text of the sends (a token of the run appended)
TEST_NUMBER = "41793026727"  # the number Infobip's documentation sends to
NO_SUCH_MESSAGE = "mock-infobip-check-no-such-message"
WRONG_KEY = "mock-infobip-check-wrong-key"
THE_LIST = "{the list}"  # a path id: the id "create list" answered (skipped when it failed)
NO_MESSAGES: dict[str, list[Any]] = {"messages": []}


@dataclass(frozen=True)
class Case:
    name: str
    operation_id: str
    expected: int
    options: dict[str, Any] = field(default_factory=dict)  # Checker.probe's keyword options
    sends: bool = False  # sends an SMS to Infobip's test number: only when asked (--send-sms)


def names_field(name: str) -> Callable[[Any], str | None]:
    """An expectation: the legacy 400 names exactly ``name`` in validationErrors."""

    def expect(answer: Any) -> str | None:
        found = fields(answer)
        return None if found == {name} else f"validationErrors {found}, expected {name}"

    return expect


def fields(answer: Any) -> set[str]:
    try:
        return set(answer["requestError"]["serviceException"].get("validationErrors", {}))
    except (KeyError, TypeError, AttributeError):
        return set()


def tag_not_found(answer: Any) -> str | None:
    return None if answer.get("statusCode") == "TAG_NOT_FOUND" else "statusCode is not TAG_NOT_FOUND"


def violations_name(path: str) -> Callable[[Any], str | None]:
    def expect(answer: Any) -> str | None:
        named = [v.get("property") for v in answer.get("violations", [])]
        return None if path in named else f"the violation does not name {path}"

    return expect


FLOODED = (
    "rejected by Infobip's flooding mechanism (REJECTED_FLOODING_FILTER): more than 20 messages, or 6 "
    "with the same text, to {to} in the last hour; wait an hour, or ask Infobip (or the fake's "
    "PATCH /__admin/accounts/{{id}}) to turn it off for the account"
)


def not_flooded(answer: Any) -> str | None:
    """An expectation of a send: its message was not refused by the flooding mechanism."""
    try:
        statuses = [m["status"]["name"] for m in answer["messages"]]
    except (KeyError, TypeError):
        return None  # the contract check names what is wrong with the body
    return FLOODED.format(to=TEST_NUMBER) if "REJECTED_FLOODING_FILTER" in statuses else None


def nothing_pulled(what: str) -> Callable[[Any], str | None]:
    return lambda answer: None if answer.get("results") == [] else what


def failed_lists(identifier: str) -> Callable[[Any], str | None]:
    def expect(answer: Any) -> str | None:
        found = identifier in json.dumps(answer.get("errors", {}))
        return None if found else f"{identifier} is not in errors.failed"

    return expect


def remaining(count: int) -> Callable[[Any], str | None]:
    def expect(answer: Any) -> str | None:
        left = answer.get("previews", [{}])[0].get("charactersRemaining")
        return None if left == count else f"charactersRemaining is not {count}"

    return expect


ON_THE_LIST = {"path_id": THE_LIST, "needs": "create list"}
ONE_MESSAGE = {"messageId": NO_SUCH_MESSAGE, "limit": "1"}
ONE_APPLICATION = {"applicationId": NO_SUCH_MESSAGE, "limit": "1"}  # matches nothing: pulls nothing
ANOTHERS = "inbound messages of another application"

PROBES = (
    Case("create list", "lists.create", 200, {"body": {"name": LIST_NAME}}),
    Case(
        "create list: bad credentials",
        "lists.create",
        401,
        {"body": {"name": LIST_NAME}, "key": WRONG_KEY, "paced": False},
    ),
    Case("create list: rate limit", "lists.create", 429, {"body": {"name": LIST_NAME}, "paced": False}),
    Case(
        "create list: blank name", "lists.create", 400, {"body": {"name": " "}, "expect": names_field("name")}
    ),
    Case(
        "add people",
        "lists.add",
        200,
        {
            **ON_THE_LIST,
            "body": {"userIds": ["contract-check@example.com", "invalid_mail.com"]},
            "expect": failed_lists("invalid_mail.com"),
        },
    ),
    Case(
        "add people: unknown list",
        "lists.add",
        400,
        {"path_id": "0", "body": {"userIds": ["a@example.com"]}, "expect": tag_not_found},
    ),
    Case(
        "add people: no userIds",
        "lists.add",
        400,
        {**ON_THE_LIST, "body": {"userIds": []}, "expect": names_field("userIds")},
    ),
    Case(
        "remove people",
        "lists.remove",
        200,
        {**ON_THE_LIST, "body": {"userIds": ["contract-check@example.com"]}},
    ),
    Case(
        "remove people: unknown list",
        "lists.remove",
        400,
        {"path_id": "0", "body": {"userIds": ["a@example.com"]}, "expect": tag_not_found},
    ),
    *(
        Case(
            f"SMS reports v{version}",
            f"sms.reports.v{version}",
            200,
            {"query": ONE_MESSAGE, "expect": nothing_pulled("reports of another message were pulled")},
        )
        for version in (1, 3)
    ),
    *(
        Case(f"SMS logs v{version}", f"sms.logs.v{version}", 200, {"query": {"limit": "1"}})
        for version in (1, 3)
    ),
    Case("SMS send v2: no messages", "sms.send.v2", 400, {"body": NO_MESSAGES}),
    Case("SMS send v3: no messages", "sms.send.v3", 400, {"body": NO_MESSAGES}),
    Case("SMS binary v2: no messages", "sms.send.binary.v2", 400, {"body": NO_MESSAGES}),
    Case(
        "SMS over query v3: no text",
        "sms.query.v3",
        400,
        {
            "query": {"to": TEST_NUMBER},
            "expect": lambda a: (
                None if [v.get("property") for v in a.get("violations", [])] == ["text"] else "text"
            ),
        },
    ),
    Case(
        "SMS over query v1: bad credentials",
        "sms.query.v1",
        401,
        {
            "query": {"to": TEST_NUMBER, "username": "mock-infobip-check", "password": "wrong"},
            "key": WRONG_KEY,
        },
    ),
    Case(
        "SMS preview",
        "sms.preview",
        200,
        {
            "body": {"text": "Let's see how many characters remain unused in this message."},
            "expect": remaining(100),
        },
    ),
    Case("SMS scheduled bulk: unknown bulk", "sms.bulks.get", 404, {"query": {"bulkId": NO_SUCH_MESSAGE}}),
    Case("SMS bulk status: unknown bulk", "sms.bulks.status", 404, {"query": {"bulkId": NO_SUCH_MESSAGE}}),
    Case("conversion: unknown message", "ct.end", 404, {"path_id": NO_SUCH_MESSAGE}),
    Case("inbound SMS", "sms.inbox.v1", 200, {"query": ONE_APPLICATION, "expect": nothing_pulled(ANOTHERS)}),
    Case("inbound SMS: bad credentials", "sms.inbox.v1", 401, {"key": WRONG_KEY}),
    Case("inbound MMS", "mms.inbox", 200, {"query": ONE_APPLICATION, "expect": nothing_pulled(ANOTHERS)}),
    Case("MMS send: no messages", "mms.send", 400, {"body": NO_MESSAGES}),
    Case(
        "MMS send: no segment",
        "mms.send",
        400,
        {
            "body": {
                "messages": [{"destinations": [{"to": TEST_NUMBER}], "content": {"messageSegments": []}}]
            },
            "expect": violations_name("messages[0].content.messageSegments"),
        },
    ),
    Case(
        "MMS send: unknown segment type",
        "mms.send",
        400,
        {
            "body": {
                "messages": [
                    {
                        "destinations": [{"to": TEST_NUMBER}],
                        "content": {"messageSegments": [{"type": "HOLOGRAM"}]},
                    }
                ]
            }
        },
    ),
    Case("MMS reports", "mms.reports", 200, {"query": ONE_MESSAGE}),
    Case(
        "OAuth token: bad credentials",
        "auth.token",
        401,
        {
            "body": {
                "client_id": "mock-infobip-check",
                "client_secret": "wrong",
                "grant_type": "client_credentials",
            }
        },
    ),
    Case(
        "SMS send v2",
        "sms.send.v2",
        200,
        {
            "body": {"messages": [{"destinations": [{"to": TEST_NUMBER}], "text": SENT_TEXT}]},
            "expect": not_flooded,
        },
        sends=True,
    ),
    Case(
        "SMS send v3",
        "sms.send.v3",
        200,
        {
            "body": {
                "messages": [
                    {
                        "destinations": [{"to": TEST_NUMBER}],
                        "content": {"text": SENT_TEXT},
                    }
                ]
            },
            "expect": not_flooded,
        },
        sends=True,
    ),
)

"""Test numbers (issue #37, item 1): +1 202 555 0100 to 0199 choose their outcome, from any HTTP
client: the status at send time, the final status after its listed delay on the fake's clock, the
handset's reply; an explicit outcome rule wins; a setting turns them off."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import requests

from mock_infobip import fake
from mock_infobip.channels.sms.testnumbers import TABLE, describe
from tests.servers import run_cli

SHOP = "447491163443"  # one of the fake's numbers: handsets reply to it
DOCS = Path(__file__).resolve().parent.parent / "docs" / "test-numbers.md"
LISTED = {entry["number"]: entry for entry in describe()}


def send(infobip: Any, to: str, text: str = "Hello", **message: Any) -> dict[str, Any]:
    body = {"messages": [{"from": SHOP, "text": text, "destinations": [{"to": to}], **message}]}
    answer = requests.post(infobip.base_url + "/sms/2/text/advanced", json=body, headers=infobip.headers)
    assert answer.status_code == 200, answer.text
    (sent,) = answer.json()["messages"]
    return dict(sent)


def status_of(infobip: Any, message_id: str) -> str:
    """The message's status now (the admin listing: logs keep only 48 hours)."""
    messages = requests.get(infobip.base_url + "/__admin/messages").json()["messages"]
    (found,) = [m for m in messages if m["messageId"] == message_id]
    return str(found["status"])


@pytest.mark.parametrize("listed", [e for e in describe() if e["status"] and e["reply"] is None], ids=str)
def test_each_number_gives_its_listed_status_after_its_listed_delay(listed):
    with fake() as infobip:
        infobip.number(SHOP)
        delay = listed["reportDelaySeconds"]
        validity = {"validityPeriod": 120} if delay is None else {}  # minutes: expiry in 2 hours
        sent = send(infobip, listed["number"], **validity)
        if delay == 0 and listed["status"].startswith("REJECTED"):  # at send time
            assert sent["status"]["name"] == listed["status"]
            return
        assert sent["status"]["name"] == "PENDING_ACCEPTED"
        if delay is None:  # at the end of the validity period
            infobip.clock.advance(120 * 60 - 1)
            assert status_of(infobip, sent["messageId"]) != listed["status"]
            infobip.clock.advance(1)
        elif delay > 0:
            infobip.clock.advance(delay - 1)
            assert status_of(infobip, sent["messageId"]) != listed["status"]
            infobip.clock.advance(1)
        assert status_of(infobip, sent["messageId"]) == listed["status"]
        reports = requests.get(infobip.base_url + "/sms/1/reports", headers=infobip.headers).json()["results"]
        assert [r["status"]["name"] for r in reports] == [listed["status"]]


def test_the_pending_number_never_gets_a_report():
    with fake() as infobip:
        sent = send(infobip, "+12025550130")
        infobip.clock.advance(5 * 24 * 3600)
        assert status_of(infobip, sent["messageId"]) == "PENDING_WAITING_DELIVERY"
        assert (
            requests.get(infobip.base_url + "/sms/1/reports", headers=infobip.headers).json()["results"] == []
        )


def test_the_intermediate_number_reports_its_steps_when_asked():
    with fake() as infobip:
        received: list[Any] = []
        infobip.add_receiver(lambda body: received.append(body), "https://crm.example")
        send(infobip, "+12025550104", notifyUrl="https://crm.example/dlr", intermediateReport=True)
        infobip.clock.advance(60)
        steps = [r["status"]["name"] for body in received for r in body["results"]]
        assert steps == ["PENDING_ENROUTE", "DELIVERED_TO_OPERATOR", "DELIVERED_TO_HANDSET"]


@pytest.mark.parametrize(
    ("number", "text", "expected"),
    [
        ("+12025550140", "Reply YES to confirm", r"YES"),
        ("+12025550141", "Deals every week", r"STOP"),
        ("+12025550142", "How likely are you to recommend us? 0-10", r"([0-9]|10)"),
        ("+12025550143", "Your code is 482913", r"482913"),
    ],
)
def test_the_handsets_answer_after_5_seconds_pulled_as_any_inbound(number, text, expected):
    with fake() as infobip:
        infobip.number(SHOP)
        send(infobip, number, text)
        inbox = infobip.base_url + "/sms/1/inbox/reports"
        infobip.clock.advance(4)
        assert requests.get(inbox, headers=infobip.headers).json()["results"] == []
        infobip.clock.advance(1)
        (reply,) = requests.get(inbox, headers=infobip.headers).json()["results"]
        assert (reply["from"], reply["to"]) == (number.removeprefix("+"), SHOP)
        assert re.fullmatch(expected, reply["text"])


def test_a_2fa_pin_is_echoed_by_its_number():
    with fake() as infobip:
        infobip.number(SHOP)
        base, headers = infobip.base_url, infobip.headers

        def post(path: str, body: dict[str, Any]) -> Any:
            return requests.post(base + path, json=body, headers=headers).json()

        app_id = post("/2fa/2/applications", {"name": "Sign-up"})["applicationId"]
        template = {
            "messageText": "Your code is {{pin}}",
            "pinType": "NUMERIC",
            "pinLength": 6,
            "senderId": SHOP,
        }
        message_id = post(f"/2fa/2/applications/{app_id}/messages", template)["messageId"]
        pin_id = post("/2fa/2/pin", {"applicationId": app_id, "messageId": message_id, "to": "12025550143"})[
            "pinId"
        ]
        infobip.clock.advance(5)
        (reply,) = requests.get(base + "/sms/1/inbox/reports", headers=headers).json()["results"]
        assert post(f"/2fa/2/pin/{pin_id}/verify", {"pin": reply["text"]})["verified"] is True


def test_an_mms_to_a_rejecting_number_is_rejected():
    with fake() as infobip:
        body = {
            "messages": [
                {
                    "sender": SHOP,
                    "destinations": [{"to": "12025550120"}],
                    "content": {"messageSegments": [{"type": "TEXT", "text": "Hi"}]},
                }
            ]
        }
        answer = requests.post(infobip.base_url + "/mms/2/messages", json=body, headers=infobip.headers)
        assert answer.json()["messages"][0]["status"]["name"] == "REJECTED_DND"


def test_an_outcome_rule_wins_and_the_setting_turns_them_off():
    with fake() as infobip:
        infobip.outcome("UNDELIVERABLE_NOT_DELIVERED", to="12025550100")
        sent = send(infobip, "12025550100")
        infobip.clock.advance(1)
        assert status_of(infobip, sent["messageId"]) == "UNDELIVERABLE_NOT_DELIVERED"
    with fake(test_numbers=False) as infobip:
        assert requests.get(infobip.base_url + "/__admin/test-numbers").json() == []
        infobip.outcome("DELIVERED_TO_HANDSET", delay_seconds=0)
        assert send(infobip, "12025550120")["status"]["name"] == "PENDING_ACCEPTED"  # no longer rejected


def test_the_table_is_the_same_in_the_admin_api_the_cli_the_dashboard_and_the_docs():
    with fake() as infobip:
        listed = requests.get(infobip.base_url + "/__admin/test-numbers").json()
        page = requests.get(infobip.base_url + "/dashboard/test-numbers").text
    assert listed == describe() and len(listed) == len(TABLE) >= 17
    printed = run_cli("test-numbers").stdout
    docs = DOCS.read_text()
    for entry in listed:
        assert entry["number"].startswith("+120255501")
        for shown in (printed, page, docs):
            assert entry["number"] in shown and str(entry["description"]) in shown.replace("&#39;", "'")

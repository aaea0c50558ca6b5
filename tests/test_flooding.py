"""Infobip's flooding mechanism (DCL), issue #37 item 2: per account and destination, in a sliding
hour of the fake's clock, the 21st message and the 7th with identical text are rejected at once
with REJECTED_FLOODING_FILTER and not charged; on by default, off per account or by a setting;
exact across processes and hosts."""

from __future__ import annotations

import threading
from typing import Any

from flask import Flask

from mock_infobip.http.app import create_app
from mock_infobip.runtime import Runtime
from tests.conftest import make_settings
from tests.sms_helpers import KEY, V2, send_v2
from tests.support import ContractClient

BOTH_BACKENDS = True  # the tests given ``runtime`` or ``database`` (tests/conftest.py)
TO = "41793026727"
OTHER = "41793026834"


def statuses(answer: dict[str, Any]) -> list[str]:
    return [m["status"]["name"] for m in answer["messages"]]


def send_one(client: Any, text: str, to: str = TO) -> dict[str, Any]:
    (message,) = send_v2(client, to, text=text)["messages"]
    return message


def log_of(client: Any, message_id: str) -> dict[str, Any]:
    (log,) = [
        r for r in client.get("/sms/1/logs", headers=KEY).json["results"] if r["messageId"] == message_id
    ]
    return log


def test_the_21st_message_to_a_destination_in_an_hour_is_rejected_and_not_charged(client, runtime):
    for n in range(20):
        assert send_one(client, f"text {n}")["status"]["name"] == "PENDING_ACCEPTED"
    runtime.advance(59 * 60)  # still the same sliding hour
    rejected = send_one(client, "text 20")
    assert rejected["status"]["name"] == "REJECTED_FLOODING_FILTER"
    assert send_one(client, "to another", OTHER)["status"]["name"] == "PENDING_ACCEPTED"  # per destination
    (log,) = [
        r
        for r in client.get("/sms/1/logs", headers=KEY).json["results"]
        if r["messageId"] == rejected["messageId"]
    ]
    assert log["status"]["name"] == "REJECTED_FLOODING_FILTER"
    assert log["error"]["name"] == "EC_DESTINATION_FLOODING" and log["error"]["id"] == 4103
    assert log["price"]["pricePerMessage"] == 0
    reports = client.get("/sms/1/reports", headers=KEY).json["results"]  # pulled as any rejection
    assert [r["error"]["name"] for r in reports if r["messageId"] == rejected["messageId"]] == [
        "EC_DESTINATION_FLOODING"
    ]
    assert (
        send_one(client, "text 21")["status"]["name"] == "REJECTED_FLOODING_FILTER"
    )  # rejected: not counted
    runtime.advance(60)  # the first ones leave the hour
    assert send_one(client, "text 22")["status"]["name"] == "PENDING_ACCEPTED"


def test_the_7th_identical_text_is_rejected_and_another_text_still_goes(client):
    for _ in range(6):
        assert send_one(client, "Your code is 1234")["status"]["name"] == "PENDING_ACCEPTED"
    seventh = send_one(client, "Your code is 1234")
    assert seventh["status"]["name"] == "REJECTED_FLOODING_FILTER"
    (log,) = [
        r
        for r in client.get("/sms/1/logs", headers=KEY).json["results"]
        if r["messageId"] == seventh["messageId"]
    ]
    assert log["error"]["name"] == "EC_DESTINATION_TXT_FLOODING" and log["error"]["id"] == 4104
    assert send_one(client, "your code is 1234")["status"]["name"] == "PENDING_ACCEPTED"  # not the same text


def test_one_request_counts_its_own_messages(client):
    answer = send_v2(client, *[TO] * 25)
    assert statuses(answer) == ["PENDING_ACCEPTED"] * 6 + ["REJECTED_FLOODING_FILTER"] * 19  # same text
    body = {
        "messages": [{"from": "Shop", "text": f"n{n}", "destinations": [{"to": OTHER}]} for n in range(25)]
    }
    varied = client.post(V2, json=body, headers=KEY).json
    assert statuses(varied) == ["PENDING_ACCEPTED"] * 20 + ["REJECTED_FLOODING_FILTER"] * 5


def test_off_for_an_account_through_the_admin_api_or_by_the_setting(client, tmp_path):
    (account,) = client.get("/__admin/accounts").json["accounts"]
    assert account["floodingFilter"] is True  # on by default
    path = f"/__admin/accounts/{account['id']}"
    assert client.patch(path, json={"floodingFilter": False}).json["floodingFilter"] is False
    assert set(statuses(send_v2(client, *[TO] * 30))) == {"PENDING_ACCEPTED"}
    assert client.patch(path, json={"floodingFilter": True}).json["floodingFilter"] is True
    assert client.patch("/__admin/accounts/999999", json={"floodingFilter": True}).status_code == 404
    assert statuses(send_v2(client, TO))[0] == "REJECTED_FLOODING_FILTER"  # the 31st in the hour
    runtime = Runtime(make_settings(db=str(tmp_path / "off.db"), flooding_filter=False))
    try:
        app: Flask = create_app(runtime)
        app.test_client_class = ContractClient
        other = app.test_client()
        assert other.get("/__admin/accounts").json["accounts"][0]["floodingFilter"] is False
        assert set(statuses(send_v2(other, *[OTHER] * 30))) == {"PENDING_ACCEPTED"}
    finally:
        runtime.close()


def test_mms_do_not_count(client):
    body = {
        "messages": [
            {
                "sender": "447491163443",
                "destinations": [{"to": TO}],
                "content": {"messageSegments": [{"type": "TEXT", "text": "Hi"}]},
            }
        ]
        * 25
    }
    answer = client.post("/mms/2/messages", json=body, headers=KEY)
    assert answer.status_code == 200
    assert {m["status"]["name"] for m in answer.json["messages"]} == {"PENDING_ACCEPTED"}
    assert send_one(client, "an SMS after 25 MMS")["status"]["name"] == "PENDING_ACCEPTED"


def test_exact_across_processes_sharing_the_database(database):
    """Two runtimes on one database (two hosts on PostgreSQL, two workers on SQLite) send to one
    destination at once: exactly 20 accepted in the hour, whatever the interleaving."""
    runtimes = [Runtime(make_settings(db=database)) for _ in range(2)]
    accepted: list[int] = []
    lock = threading.Lock()

    def send_from(runtime: Runtime, start: int) -> None:
        app: Flask = create_app(runtime)
        app.test_client_class = ContractClient
        client = app.test_client()
        for n in range(start, start + 15):
            status = send_one(client, f"text {n}")["status"]["name"]
            with lock:
                accepted.append(status == "PENDING_ACCEPTED")

    try:
        threads = [threading.Thread(target=send_from, args=(r, 100 * i)) for i, r in enumerate(runtimes)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert len(accepted) == 30 and sum(accepted) == 20
    finally:
        for runtime in runtimes:
            runtime.close()


def test_2fa_pin_messages_count_and_are_counted(client):
    from tests.test_tfa import app, send, template

    for n in range(19):
        send_one(client, f"text {n}")
    app_id = app(client)
    pin = send(client, app_id, template(client, app_id), to=TO)
    assert pin.status_code == 200 and pin.json["smsStatus"] == "MESSAGE_SENT"  # the 20th
    assert send_one(client, "the 21st")["status"]["name"] == "REJECTED_FLOODING_FILTER"
    again = send(client, app_id, template(client, app_id), to=TO)  # the 22nd: a PIN's SMS rejected too
    assert again.json["smsStatus"] == "MESSAGE_NOT_SENT"
    newest = client.get("/__admin/messages").json["messages"][0]
    assert newest["text"].startswith("Your code is") and newest["status"] == "REJECTED_FLOODING_FILTER"

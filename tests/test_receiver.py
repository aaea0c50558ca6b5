"""The delivery-report receiver and the campaign sender (spec/clients.md), against the fake."""

from __future__ import annotations

import copy

import pytest

from mock_infobip.clients.campaign import send_campaign
from mock_infobip.clients.receiver import create_receiver_app
from mock_infobip.testing import NoReportsWarning
from mock_infobip.wire.validation import default_contracts

CH, CH_FAILS, REFUSED, GUAM = "41793026727", "41793026834", "41793026999", "16715551234"
EVENT = default_contracts().validator("clients/receiver-event.schema.json")
REPORT = {
    "bulkId": "b",
    "messageId": "m-1",
    "to": CH,
    "sentAt": "2026-11-22T10:00:00.000+0000",
    "doneAt": "2026-11-22T10:00:30.000+0000",
    "smsCount": 2,
    "price": {"pricePerMessage": 0.02, "currency": "EUR"},
    "status": {
        "groupId": 3,
        "groupName": "DELIVERED",
        "id": 5,
        "name": "DELIVERED_TO_HANDSET",
        "description": "d",
    },
    "error": {
        "groupId": 0,
        "groupName": "OK",
        "id": 0,
        "name": "NO_ERROR",
        "description": "No Error",
        "permanent": False,
    },
}


@pytest.fixture
def receiver_app(tmp_path):
    app = create_receiver_app(str(tmp_path / "events.db"))
    yield app
    app.extensions["events"].close()


def events(app) -> list[dict]:
    found = app.test_client().get("/events").json
    for event in found:
        assert EVENT.is_valid(event), event
    return found


def report(**changes) -> dict:
    body = copy.deepcopy(REPORT)
    body.update(changes)
    return body


def test_a_campaign_ends_as_the_receiver_expects(infobip, receiver_app):
    url = infobip.add_receiver(receiver_app, "http://crm.test")
    infobip.outcome("DELIVERED_TO_HANDSET", country="CH", delay_seconds=60, intermediate=[])
    infobip.outcome(
        "UNDELIVERABLE_NOT_DELIVERED", to=CH_FAILS, error="EC_ABSENT_SUBSCRIBER_SM", delay_seconds=90
    )
    infobip.outcome("REJECTED_NOT_ENOUGH_CREDITS", to=REFUSED)
    with pytest.warns(NoReportsWarning):  # Guam: no report of it will come, as the test expects
        infobip.outcome("DELIVERED_TO_HANDSET", to=GUAM)  # not left to the profile's 2 % of rejections
    store = receiver_app.extensions["events"]
    result = send_campaign(
        infobip.base_url,
        infobip.api_key,
        text="Sale! 20 % off",
        numbers=[CH, CH_FAILS, REFUSED, GUAM],
        callback_url=f"{url}/dlr",
        events=store,
    )
    assert sorted(result.enqueued.values()) == sorted([CH, CH_FAILS, GUAM])
    assert result.failed == [REFUSED]
    infobip.clock.advance(4 * 86400)
    seen = [(e["to"], e["status"], e.get("error"), e["status_code"]) for e in events(receiver_app)]
    assert seen == [
        (REFUSED, "rejected", None, 0),  # its report is pushed before the send call even returns
        (CH, "enqueued", None, 200),
        (CH_FAILS, "enqueued", None, 200),
        (REFUSED, "enqueue_failed", "REJECTED_NOT_ENOUGH_CREDITS", 200),
        (GUAM, "enqueued", None, 200),
        (CH, "delivered", None, 0),
        (CH_FAILS, "failed", "EC_ABSENT_SUBSCRIBER_SM", 6),
    ]  # Guam (no delivery reports) stays enqueued
    delivered = next(e for e in events(receiver_app) if e["status"] == "delivered")
    assert delivered["number_of_message_parts"] == 1 and delivered["action_type"] == "sms"
    failed = next(e for e in events(receiver_app) if e["status"] == "failed")
    assert failed["comment"] == "Absent subscriber"


def test_v3_campaigns_and_v3_reports(infobip, receiver_app):
    url = infobip.add_receiver(receiver_app, "http://crm.test")
    infobip.outcome("DELIVERED_TO_HANDSET", delay_seconds=1)
    send_campaign(
        infobip.base_url,
        infobip.api_key,
        text="x",
        numbers=[CH],
        callback_url=f"{url}/dlr",
        events=receiver_app.extensions["events"],
        version=3,
    )
    infobip.clock.advance(1)
    assert [e["status"] for e in events(receiver_app)] == ["enqueued", "delivered"]


def test_a_failed_send_call_is_enqueue_failed_with_the_http_status(infobip, receiver_app):
    store = receiver_app.extensions["events"]
    infobip.fault(path="/sms/2/*", status=503, times=1)
    send_campaign(
        infobip.base_url, infobip.api_key, text="x", numbers=[CH, GUAM], callback_url=None, events=store
    )
    infobip.fault(path="/sms/2/*", drop=True, times=1)
    send_campaign(infobip.base_url, infobip.api_key, text="x", numbers=[CH], callback_url=None, events=store)
    assert [(e["to"], e["status"], e["status_code"]) for e in events(receiver_app)] == [
        (CH, "enqueue_failed", 503),
        (GUAM, "enqueue_failed", 503),
        (CH, "enqueue_failed", 0),
    ]


def test_duplicate_and_late_reports_add_nothing(receiver_app):
    client = receiver_app.test_client()
    assert client.post("/dlr", json={"results": [report()]}).json == {"received": 1, "stored": 1}
    assert client.post("/dlr", json={"results": [report()]}).json == {"received": 1, "stored": 0}
    late = report(messageId="m-2", doneAt="2026-11-26T10:00:00.001+0000")  # 4 days and 1 ms after sending
    assert client.post("/dlr", json={"results": [late]}).status_code == 200
    just_in_time = report(messageId="m-3", doneAt="2026-11-26T10:00:00.000+0000")
    client.post("/dlr", json={"results": [just_in_time]})
    assert [e["message_id"] for e in events(receiver_app)] == ["m-1", "m-3"]


def test_intermediate_reports_make_no_event(receiver_app):
    client = receiver_app.test_client()
    enroute = report(status={"groupId": 1, "groupName": "PENDING", "id": 7, "name": "PENDING_ENROUTE"})
    operator = report(
        status={"groupId": 3, "groupName": "DELIVERED", "id": 2, "name": "DELIVERED_TO_OPERATOR"}
    )
    assert client.post("/dlr", json={"results": [enroute, operator]}).status_code == 200
    assert events(receiver_app) == []


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b"[]",
        b'{"results": {}}',
        b'{"results": [1]}',
        b'{"results": [{"status": {}}]}',
    ],
)
def test_malformed_bodies_are_a_400_and_store_nothing(receiver_app, body):
    client = receiver_app.test_client()
    response = client.post("/dlr", data=body, content_type="application/json")
    assert response.status_code == 400 and "error" in response.json
    assert events(receiver_app) == []


def test_one_bad_result_stores_nothing_of_its_body(receiver_app):
    client = receiver_app.test_client()
    response = client.post("/dlr", json={"results": [report(), report(messageId="m-9", sentAt="yesterday")]})
    assert response.status_code == 400
    assert events(receiver_app) == []


def test_events_export_as_json_lines(receiver_app):
    client = receiver_app.test_client()
    client.post("/dlr", json={"results": [report(), report(messageId="m-2")]})
    lines = client.get("/events?format=jsonl").get_data(as_text=True).splitlines()
    assert len(lines) == 2 and '"message_id": "m-2"' in lines[1]


def test_events_survive_a_restart(tmp_path):
    path = str(tmp_path / "e.db")
    first = create_receiver_app(path)
    first.test_client().post("/dlr", json={"results": [report()]})
    first.extensions["events"].close()
    again = create_receiver_app(path)
    assert [e["message_id"] for e in events(again)] == ["m-1"]

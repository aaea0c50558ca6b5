"""Pulling reports (each exactly once) and logs (current status, filters, 120 a minute)."""

from __future__ import annotations

import pytest

from mock_infobip.http.app import create_app
from mock_infobip.runtime import Runtime
from tests.conftest import make_settings
from tests.sms_helpers import KEY, rule, send_v2, send_v3

BOTH_BACKENDS = True  # SQLite and PostgreSQL (tests/conftest.py)

CH, CH2 = "41793026727", "41793026834"


def test_reports_without_a_callback_are_pulled_exactly_once(client, runtime):
    rule(client, status="DELIVERED_TO_HANDSET", delaySeconds=5)
    send_v2(client, CH, CH2, "999")
    first = client.get("/sms/1/reports", headers=KEY).json["results"]
    assert [r["status"]["name"] for r in first] == ["REJECTED_PREFIX_MISSING"]
    assert client.get("/sms/1/reports", headers=KEY).json["results"] == []
    runtime.advance(5)
    second = client.get("/sms/3/reports?limit=1", headers=KEY).json["results"]
    third = client.get("/sms/3/reports", headers=KEY).json["results"]
    assert sorted(r["to"] for r in second + third) == [CH, CH2]
    assert "messageCount" in second[0] and "smsCount" not in second[0]
    assert client.get("/sms/3/reports", headers=KEY).json["results"] == []


def test_pushed_reports_are_not_pullable(client, runtime, receiver):
    rule(client, status="DELIVERED_TO_HANDSET", delaySeconds=1)
    send_v2(client, CH, notifyUrl=receiver.url)
    runtime.advance(1)
    assert len(receiver.results) == 1
    assert client.get("/sms/1/reports", headers=KEY).json["results"] == []


def test_pending_messages_have_no_report_yet(client, runtime):
    rule(client, status="DELIVERED_TO_HANDSET", delaySeconds=100)
    send_v2(client, CH)
    runtime.advance(99)
    assert client.get("/sms/1/reports", headers=KEY).json["results"] == []


def test_report_filters(client, runtime):
    rule(client, status="DELIVERED_TO_HANDSET", delaySeconds=1)
    a = send_v2(client, CH)
    b = send_v2(client, CH2)
    runtime.advance(1)
    by_bulk = client.get(f"/sms/1/reports?bulkId={b['bulkId']}", headers=KEY).json["results"]
    assert [r["to"] for r in by_bulk] == [CH2]
    message_id = a["messages"][0]["messageId"]
    assert [
        r["messageId"]
        for r in client.get(f"/sms/1/reports?messageId={message_id}", headers=KEY).json["results"]
    ] == [message_id]


@pytest.mark.parametrize("path", ["/sms/1/reports", "/sms/3/reports", "/sms/1/logs", "/sms/3/logs"])
@pytest.mark.parametrize("limit", ["0", "1001", "x", "-1", "1.5"])
def test_limit_is_1_to_1000(client, path, limit):
    response = client.get(f"{path}?limit={limit}", headers=KEY)
    assert response.status_code == 400


def test_limit_caps_the_number_returned(client, runtime):
    send_v2(client, *[f"999{i}" for i in range(60)])  # 60 rejections, reported at once
    assert len(client.get("/sms/1/reports", headers=KEY).json["results"]) == 50  # the default
    assert len(client.get("/sms/1/reports?limit=1000", headers=KEY).json["results"]) == 10


def test_reports_and_logs_cover_48_hours(client, runtime):
    send_v2(client, "999")
    runtime.advance(48 * 3600 + 1)
    assert client.get("/sms/1/reports", headers=KEY).json["results"] == []
    assert client.get("/sms/1/logs", headers=KEY).json["results"] == []


def test_logs_show_every_message_with_its_current_status_newest_first(client, runtime):
    rule(client, match={"to": CH}, status="DELIVERED_TO_HANDSET", delaySeconds=10)
    rule(
        client,
        match={"to": CH2},
        status="UNDELIVERABLE_NOT_DELIVERED",
        error="EC_UNKNOWN_SUBSCRIBER",
        delaySeconds=100,
    )
    send_v2(client, CH, text="first")
    runtime.advance(1)
    send_v3(client, CH2, content={"text": "second"})
    runtime.advance(10)
    logs = client.get("/sms/1/logs", headers=KEY).json["results"]
    assert [(entry["to"], entry["status"]["name"], entry["text"]) for entry in logs] == [
        (CH2, "PENDING_ACCEPTED", "second"),
        (CH, "DELIVERED_TO_HANDSET", "first"),
    ]
    assert "doneAt" not in logs[0] and logs[1]["doneAt"] == "2026-11-22T10:00:10.000+0000"
    v3 = client.get("/sms/3/logs", headers=KEY).json["results"]
    assert [(entry["destination"], entry["content"]) for entry in v3] == [
        (CH2, {"text": "second"}),
        (CH, {"text": "first"}),
    ]


def test_log_filters(client, runtime):
    rule(client, match={"to": CH}, status="DELIVERED_TO_HANDSET", delaySeconds=1)
    a = send_v2(client, CH)
    runtime.advance(60)
    b = send_v2(client, CH2, **{"from": "Other"})
    runtime.advance(1)

    def tos(query: str, version: int = 1) -> list[str]:
        field = "to" if version == 1 else "destination"
        results = client.get(f"/sms/{version}/logs?{query}", headers=KEY).json["results"]
        return [entry[field] for entry in results]

    assert tos(f"to={CH}") == [CH]
    assert tos("from=Other") == [CH2]
    assert tos("sender=Other", 3) == [CH2]
    assert tos(f"destination={CH2}", 3) == [CH2]
    assert tos(f"bulkId={a['bulkId']},{b['bulkId']}") == [CH2, CH]
    assert tos(f"messageId={a['messages'][0]['messageId']}") == [CH]
    assert tos("generalStatus=DELIVERED") == [CH]
    assert tos("sentSince=2026-11-22T10:00:30.000%2B0000") == [CH2]
    assert tos("sentUntil=2026-11-22T10:00:30Z") == [CH]
    assert client.get("/sms/1/logs?sentSince=yesterday", headers=KEY).status_code == 400
    assert client.get("/sms/1/logs?generalStatus=GOOD", headers=KEY).status_code == 400


@pytest.mark.parametrize("version", [1, 3])
def test_logs_allow_120_requests_a_minute_per_key(version):
    runtime = Runtime(make_settings())
    app = create_app(runtime)
    client = app.test_client()
    path = f"/sms/{version}/logs"
    assert all(client.get(path, headers=KEY).status_code == 200 for _ in range(120))
    refused = client.get(path, headers=KEY)
    assert refused.status_code == 429
    if version == 1:
        assert refused.json["requestError"]["serviceException"]["messageId"] == "TOO_MANY_REQUESTS"
    else:
        assert refused.json["errorCode"] == "E429"
    runtime.advance(60)
    assert client.get(path, headers=KEY).status_code == 200


def test_a_key_sees_only_its_accounts_messages(client, runtime):
    runtime.add_account("other", ["other-key"])
    send_v2(client, "999")
    other = {"Authorization": "App other-key"}
    assert client.get("/sms/1/logs", headers=other).json["results"] == []
    assert client.get("/sms/1/reports", headers=other).json["results"] == []
    assert len(client.get("/sms/1/reports", headers=KEY).json["results"]) == 1

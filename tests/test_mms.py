"""MMS on the one engine: sending, reports pushed and pulled, logs, inbound MMS, bad input."""

from __future__ import annotations

from mock_infobip.wire.validation import default_contracts
from tests.sms_helpers import KEY, rule

BOTH_BACKENDS = True  # SQLite and PostgreSQL (tests/conftest.py)

CH, GU, SHOP = "41793026727", "16715551234", "447491163443"
IMAGE = {
    "type": "LINK",
    "contentId": "pic",
    "contentType": "image/png",
    "contentUrl": "https://cdn.test/p.png",
}


def mms(client, *numbers, webhook=None, segments=None, **message):
    body = {
        "messages": [
            {
                "sender": SHOP,
                "destinations": [{"to": n} for n in numbers],
                "content": {
                    "title": "Spring sale",
                    "messageSegments": [{"type": "TEXT", "text": "Hi"}, IMAGE]
                    if segments is None
                    else segments,
                },
                **({"webhooks": {"delivery": {"url": webhook}, "callbackData": "mms-1"}} if webhook else {}),
                **message,
            }
        ]
    }
    return client.post("/mms/2/messages", json=body, headers=KEY)


def valid(name, body):
    ref = default_contracts().webhooks[name]
    return not list(default_contracts().validator(ref).iter_errors(body))


def test_an_mms_is_accepted_and_reported_like_a_v3_message(client, runtime, receiver):
    rule(client, status="DELIVERED_TO_HANDSET", delaySeconds=20)
    answer = mms(client, CH, webhook=receiver.url)
    assert answer.status_code == 200
    (sent,) = answer.json["messages"]
    assert (sent["destination"], sent["status"]["name"], sent["details"]["messageCount"]) == (
        CH,
        "PENDING_ACCEPTED",
        1,
    )
    runtime.advance(20)
    (body,) = receiver.bodies
    assert valid("mms.callback", body)
    (report,) = body["results"]
    assert (report["messageId"], report["status"]["name"], report["callbackData"]) == (
        sent["messageId"],
        "DELIVERED_TO_HANDSET",
        "mms-1",
    )


def test_mms_reports_and_logs_are_apart_from_sms(client, runtime):
    rule(client, status="DELIVERED_TO_HANDSET", delaySeconds=1)
    message_id = mms(client, CH).json["messages"][0]["messageId"]
    runtime.advance(2)
    assert client.get("/sms/3/reports", headers=KEY).json["results"] == []
    assert client.get("/sms/3/logs", headers=KEY).json["results"] == []
    (log,) = client.get("/mms/2/logs", headers=KEY).json["results"]
    assert log["content"] == {
        "title": "Spring sale",
        "messageSegments": [{"type": "TEXT", "text": "Hi"}, IMAGE],
    }
    (report,) = client.get("/mms/2/reports", headers=KEY).json["results"]
    assert report["messageId"] == message_id
    assert client.get("/mms/2/reports", headers=KEY).json["results"] == []  # each once
    assert client.get("/__admin/messages").json["messages"][0]["channel"] == "mms"


def test_no_mms_report_from_a_country_without_reports(client, runtime, receiver):
    rule(client, status="DELIVERED_TO_HANDSET", delaySeconds=1)
    mms(client, GU, webhook=receiver.url)
    runtime.advance(3600)
    assert receiver.bodies == []
    (log,) = client.get("/mms/2/logs", headers=KEY).json["results"]
    assert log["status"]["name"] == "PENDING_WAITING_DELIVERY"


def test_bad_mms_is_a_400_naming_the_field_and_stores_nothing(client):
    cases = {
        "messages[0].content.messageSegments": [],
        "messages[0].content.messageSegments[0].type": [{"type": "VIDEO", "text": "x"}],
        "messages[0].content.messageSegments[0].contentUrl": [{"type": "LINK", "contentType": "image/png"}],
    }
    for field, segments in cases.items():
        response = mms(client, CH, segments=segments)
        assert response.status_code == 400, segments
        assert response.json["errorCode"] == "E400"
        assert field in [v["property"] for v in response.json["violations"]], response.json
    off = mms(client, CH, webhook="http://[::1/dlr")
    assert off.status_code == 400
    assert client.get("/__admin/messages").json["messages"] == []
    assert client.post("/mms/2/messages", json={"messages": []}).status_code == 401


def test_inbound_mms_is_forwarded_with_its_segments(client, receiver):
    client.post("/__admin/numbers", json={"number": SHOP, "forwardUrl": receiver.url})
    segments = [
        {"contentType": "text/plain", "value": "Look"},
        {"contentType": "image/jpeg", "url": "https://h.test/1.jpg"},
    ]
    stored = client.post("/__admin/inbound", json={"from": CH, "to": SHOP, "segments": segments})
    assert stored.status_code == 201
    assert (stored.json["channel"], stored.json["text"]) == ("mms", "Look")
    (body,) = receiver.bodies
    assert valid("mms.inbound", body)
    assert body["results"][0]["message"] == segments


def test_inbound_mms_is_pulled_once_apart_from_sms(client):
    client.post("/__admin/numbers", json={"number": SHOP})
    client.post(
        "/__admin/inbound",
        json={"from": CH, "to": SHOP, "segments": [{"contentType": "text/plain", "value": "7"}]},
    )
    client.post("/__admin/inbound", json={"from": CH, "to": SHOP, "text": "sms"})
    (pulled,) = client.get("/mms/1/inbox/reports", headers=KEY).json["results"]
    assert (pulled["from"], pulled["message"], pulled["mmsCount"]) == (CH, "7", 1)
    assert client.get("/mms/1/inbox/reports", headers=KEY).json == {"results": []}
    assert [r["text"] for r in client.get("/sms/1/inbox/reports", headers=KEY).json["results"]] == ["sms"]


def test_inbound_needs_text_or_segments(client):
    client.post("/__admin/numbers", json={"number": SHOP})
    response = client.post("/__admin/inbound", json={"from": CH, "to": SHOP})
    assert response.status_code == 400
    bad = client.post("/__admin/inbound", json={"from": CH, "to": SHOP, "segments": [{"contentType": "x"}]})
    assert bad.status_code == 400
    assert client.get("/__admin/inbound").json["messages"] == []


def test_a_group_destination_is_a_message_a_number(client):
    body = {
        "messages": [
            {
                "sender": SHOP,
                "destinations": [{"to": CH}, {"group": [{"to": GU}, {"to": SHOP, "messageId": "G-2"}]}],
                "content": {"messageSegments": [{"type": "TEXT", "text": "Hi"}]},
            }
        ]
    }
    answer = client.post("/mms/2/messages", json=body, headers=KEY)
    assert answer.status_code == 200
    assert [m["destination"] for m in answer.json["messages"]] == [CH, GU, SHOP]
    assert answer.json["messages"][2]["messageId"] == "G-2"
    too_many = {"group": [{"to": CH}] * 201}
    body["messages"][0]["destinations"] = [too_many]
    refused = client.post("/mms/2/messages", json=body, headers=KEY)
    assert refused.status_code == 400
    assert refused.json["violations"][0]["property"] == "messages[0].destinations[0].group"

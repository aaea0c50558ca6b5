"""An optional field sent as JSON null is "not given" on every endpoint; a required one is a 400
naming the field (Infobip's older official Python SDK sends every unset field as null)."""

from __future__ import annotations

from tests.sms_helpers import KEY, V2, V3

BOTH_BACKENDS = True  # SQLite and PostgreSQL (tests/conftest.py)


def test_v2_send_with_every_optional_field_null(client):
    body = {
        "bulkId": None,
        "messages": [
            {
                "from": None,
                "text": "Hi",
                "notifyUrl": None,
                "callbackData": None,
                "validityPeriod": None,
                "sendAt": None,
                "deliveryTimeWindow": None,
                "language": None,
                "destinations": [{"to": "41793026727", "messageId": None}],
            }
        ],
        "sendingSpeedLimit": None,
        "tracking": None,
    }
    response = client.post(V2, json=body, headers=KEY)
    assert response.status_code == 200
    assert response.json["messages"][0]["status"]["name"] == "PENDING_ACCEPTED"


def test_v3_send_with_null_options_and_webhooks(client):
    body = {
        "messages": [
            {
                "sender": None,
                "destinations": [{"to": "41793026727", "messageId": None, "networkId": None}],
                "content": {"text": "Hi", "transliteration": None, "language": None},
                "options": None,
                "webhooks": {"delivery": None, "callbackData": None},
            }
        ],
        "options": {"schedule": None, "tracking": None, "includeSmsCountInResponse": None},
    }
    response = client.post(V3, json=body, headers=KEY)
    assert response.status_code == 200


def test_a_required_field_sent_as_null_is_a_400_naming_it(client):
    response = client.post(V2, json={"messages": None}, headers=KEY)
    assert response.status_code == 400
    assert response.json["requestError"]["serviceException"]["validationErrors"] == {
        "messages": ["must not be empty"]
    }
    response = client.post(
        V3, json={"messages": [{"destinations": [{"to": "41793026727"}], "content": None}]}, headers=KEY
    )
    assert response.status_code == 400
    assert [v["property"] for v in response.json["violations"]] == ["messages[0].content"]


def test_null_list_name_is_missing(client):
    response = client.post("/saas/amplitude/1/lists", json={"name": None}, headers=KEY)
    assert response.status_code == 400
    assert "name" in response.json["requestError"]["serviceException"]["validationErrors"]


def test_null_elements_of_an_array_stay(client):
    response = client.post(V2, json={"messages": [{"destinations": [None], "text": "x"}]}, headers=KEY)
    assert response.status_code == 400

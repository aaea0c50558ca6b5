"""Sending SMS through /sms/2/text/advanced and /sms/3/messages (spec/sms-and-reports.md)."""

from __future__ import annotations

import pytest

from mock_infobip.channels.messages.parts import sms_count
from mock_infobip.http.app import create_app
from mock_infobip.runtime import Runtime
from tests.conftest import make_settings
from tests.sms_helpers import KEY, V2, V3, send_v2, send_v3

BOTH_BACKENDS = True  # SQLite and PostgreSQL (tests/conftest.py)

PENDING_ACCEPTED = {
    "groupId": 1,
    "groupName": "PENDING",
    "id": 26,
    "name": "PENDING_ACCEPTED",
    "description": "Message sent to next instance",
}


def test_v2_response_shape(client):
    body = send_v2(client, "41793026727", "41793026834")
    assert set(body) == {"bulkId", "messages"}
    assert [m["to"] for m in body["messages"]] == ["41793026727", "41793026834"]
    assert all(m["status"] == PENDING_ACCEPTED for m in body["messages"])
    assert all(set(m) == {"messageId", "status", "to"} for m in body["messages"])
    assert len({m["messageId"] for m in body["messages"]}) == 2


def test_v2_sms_count_only_when_asked(client):
    response = client.post(
        V2,
        headers=KEY,
        json={
            "includeSmsCountInResponse": True,
            "messages": [{"destinations": [{"to": "41793026727"}], "text": "x" * 161}],
        },
    )
    assert response.json["messages"][0]["smsCount"] == 2


def test_v3_response_shape(client):
    body = send_v3(client, "41793026727", content={"text": "ж" * 71})
    message = body["messages"][0]
    assert message["destination"] == "41793026727"
    assert message["status"] == PENDING_ACCEPTED
    assert message["details"] == {"messageCount": 2}


def test_given_ids_are_kept(client):
    response = client.post(
        V2,
        headers=KEY,
        json={
            "bulkId": "my-bulk",
            "messages": [{"destinations": [{"to": "41793026727", "messageId": "my-1"}], "text": "x"}],
        },
    )
    assert response.json["bulkId"] == "my-bulk"
    assert response.json["messages"][0]["messageId"] == "my-1"
    v3 = client.post(
        V3,
        headers=KEY,
        json={
            "options": {"schedule": {"bulkId": "b3"}},
            "messages": [
                {"destinations": [{"to": "41793026727", "messageId": "my-2"}], "content": {"text": "x"}}
            ],
        },
    )
    assert (v3.json["bulkId"], v3.json["messages"][0]["messageId"]) == ("b3", "my-2")


def test_a_reused_message_id_is_rejected_as_a_duplicate(client):
    first = client.post(
        V2,
        headers=KEY,
        json={
            "messages": [
                {
                    "destinations": [
                        {"to": "41793026727", "messageId": "dup"},
                        {"to": "41793026834", "messageId": "dup"},
                    ]
                }
            ]
        },
    )
    assert [m["status"]["name"] for m in first.json["messages"]] == [
        "PENDING_ACCEPTED",
        "REJECTED_DUPLICATE_MESSAGE_ID",
    ]


def test_same_seed_same_requests_same_ids():
    def ids(seed: int) -> list[str]:
        runtime = Runtime(make_settings(seed=seed))
        client = create_app(runtime).test_client()
        body = send_v2(client, "41793026727", "41793026834")
        return [body["bulkId"], *[m["messageId"] for m in body["messages"]]]

    assert ids(1) == ids(1)
    assert ids(1) != ids(2)


@pytest.mark.parametrize(
    ("text", "parts"),
    [
        ("", 1),
        ("a" * 160, 1),
        ("a" * 161, 2),
        ("a" * 306, 2),
        ("a" * 307, 3),
        ("€" * 80, 1),
        ("€" * 81, 2),
        ("[]{}" * 20, 1),
        ("[]{}" * 20 + "a", 2),
        ("[]{}" * 40, 3),
        ("ж" * 70, 1),
        ("ж" * 71, 2),
        ("ж" * 134, 2),
        ("ж" * 135, 3),
        ("a" * 159 + "ж", 3),
        ("😀" * 35, 1),
        ("😀" * 36, 2),
        ("Ça va? ñ ü ß", 1),
    ],
)
def test_sms_count_gsm_and_ucs2(text, parts):
    assert sms_count(text) == parts


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "messages"),
        ({"messages": []}, "messages"),
        ({"messages": "x"}, "messages"),
        ({"messages": [{}]}, "messages[0].destinations"),
        ({"messages": [{"destinations": []}]}, "messages[0].destinations"),
        ({"messages": [{"destinations": [{"to": 41793026727}]}]}, "messages[0].destinations[0].to"),
        (
            {"messages": [{"destinations": [{"to": "1"}], "validityPeriod": "x"}]},
            "messages[0].validityPeriod",
        ),
        (
            {"messages": [{"destinations": [{"to": "1"}], "callbackData": "x" * 4001}]},
            "messages[0].callbackData",
        ),
        (
            {"messages": [{"destinations": [{"to": "1"}], "notifyUrl": "ftp://127.0.0.1/x"}]},
            "messages[0].notifyUrl",
        ),
        ({"messages": [{"destinations": [{"to": "1"}], "sendAt": "tomorrow"}]}, "messages[0].sendAt"),
    ],
)
def test_v2_bad_requests_are_legacy_400_naming_the_field(client, runtime, body, field):
    response = client.post(V2, json=body, headers=KEY)
    assert response.status_code == 400
    exception = response.json["requestError"]["serviceException"]
    assert exception["messageId"] == "BAD_REQUEST"
    assert field in exception["validationErrors"]
    assert runtime.reports.outbox({}) == []


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"messages": []}, "messages"),
        ({"messages": [{"destinations": [{"to": "1"}]}]}, "messages[0].content"),
        ({"messages": [{"destinations": [{"to": "1"}], "content": {}}]}, "messages[0].content.text"),
        (
            {
                "messages": [
                    {
                        "destinations": [{"to": "1"}],
                        "content": {"text": "x"},
                        "webhooks": {"delivery": {"url": "gopher://10.0.0.1/x"}},
                    }
                ]
            },
            "messages[0].webhooks.delivery.url",
        ),
        (
            {
                "messages": [
                    {
                        "destinations": [{"to": "1"}],
                        "content": {"text": "x"},
                        "options": {"validityPeriod": {"amount": 1, "timeUnit": "DAYS"}},
                    }
                ]
            },
            "messages[0].options.validityPeriod.timeUnit",
        ),
    ],
)
def test_v3_bad_requests_are_new_envelope_400_with_violations(client, runtime, body, field):
    response = client.post(V3, json=body, headers=KEY)
    assert response.status_code == 400
    assert response.json["errorCode"] == "E400"
    assert field in [v["property"] for v in response.json["violations"]]
    assert runtime.reports.outbox({}) == []


def test_v3_errors_use_the_new_envelope_and_v2_the_legacy_one(client):
    assert client.post(V3, json={}, headers={}).json["errorCode"] == "E401"
    assert client.post(V3, data=b"{", headers=KEY).json["errorCode"] == "E400"
    assert (
        client.post(V2, json={}, headers={}).json["requestError"]["serviceException"]["messageId"]
        == "UNAUTHORIZED"
    )
    assert (
        client.get(V3, headers=KEY).json["requestError"]["serviceException"]["messageId"]
        == "METHOD_NOT_ALLOWED"
    )


def test_validity_period_is_stored_capped_at_48h(client, runtime):
    send_v2(client, "41793026727", validityPeriod=10)
    send_v2(client, "41793026834", validityPeriod=100_000)
    send_v3(client, "41793026835", options={"validityPeriod": {"amount": 30, "timeUnit": "SECONDS"}})
    with runtime.store.read() as conn:
        validity = dict(conn.execute("SELECT destination, validity_ms FROM messages").fetchall())
    assert validity == {"41793026727": 600_000, "41793026834": 2880 * 60_000, "41793026835": 30_000}

"""MMS as Infobip's MMS document has it beyond /mms/2: content uploads (/mms/1/content), the older
send (/mms/1/advanced: group destinations, Base64 content, uploaded references), its v1 reports
(pushed and pulled) and v1 logs. Every answer is checked against its contract by the test client."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from mock_infobip.wire.validation import default_contracts
from tests.sms_helpers import KEY, rule

BOTH_BACKENDS = True  # SQLite and PostgreSQL (tests/conftest.py)

CH, CH2, CH3 = "41793026727", "41793026728", "41793026729"
PNG = b"\x89PNG\r\n\x1a\n-a-picture"


def upload(client: Any, data: bytes = PNG, **headers: str) -> Any:
    sent = {"X-Content-Id": "pic_1", "X-Media-Type": "image/png", **headers}
    return client.post(
        "/mms/1/content",
        data=data,
        headers={**KEY, "Content-Type": "application/octet-stream", **{k: v for k, v in sent.items() if v}},
    )


def send(client: Any, *segments: dict[str, Any], destinations: Any = None, **message: Any) -> Any:
    body = {
        "bulkId": "BULK-MMS-1",
        "messages": [
            {
                "destinations": destinations or [{"to": CH}],
                "from": "InfoMMS",
                "title": "Spring sale",
                "messageSegments": list(segments) or [{"text": "Hi"}],
                **message,
            }
        ],
    }
    return client.post("/mms/1/advanced", json=body, headers=KEY)


def valid(name: str, body: Any) -> bool:
    contracts = default_contracts()
    return not list(contracts.validator(contracts.webhooks[name]).iter_errors(body))


def test_uploaded_content_is_kept_and_listed_until_it_expires(client, runtime):
    answer = upload(client, **{"X-Validity-Period-Minutes": "10"})
    assert answer.status_code == 200
    content_id = answer.json["uploadedContentId"]
    assert len(content_id) == 128 and content_id == content_id.upper()
    (listed,) = client.get("/__admin/uploads").json["uploads"]
    assert (listed["uploadedContentId"], listed["contentId"], listed["mediaType"], listed["size"]) == (
        content_id,
        "pic_1",
        "image/png",
        len(PNG),
    )
    runtime.advance(9 * 60)
    assert len(client.get("/__admin/uploads").json["uploads"]) == 1
    runtime.advance(60)
    assert client.get("/__admin/uploads").json["uploads"] == []


@pytest.mark.parametrize(
    ("headers", "data", "reason"),
    [
        ({"X-Content-Id": ""}, PNG, "Required request header 'X-Content-Id' for method parameter"),
        ({"X-Media-Type": ""}, PNG, "Required request header 'X-Media-Type' for method parameter"),
        ({"X-Media-Type": "jpeg"}, PNG, "X-Media-Type must be a media type"),
        ({"X-Validity-Period-Minutes": "0"}, PNG, "X-Validity-Period-Minutes must be a whole number"),
        ({"X-Validity-Period-Minutes": "ten"}, PNG, "X-Validity-Period-Minutes must be a whole number"),
        ({"X-Validity-Period-Minutes": "9" * 20}, PNG, "X-Validity-Period-Minutes must be a whole number"),
        ({}, b"", "Required request body is missing"),
    ],
)
def test_a_bad_upload_is_a_400_as_infobip_shows_it_and_keeps_nothing(client, headers, data, reason):
    answer = upload(client, data, **headers)
    assert answer.status_code == 400
    assert answer.json["bulkId"] == "" and answer.json["messages"] == []
    assert answer.json["errorMessage"].startswith(reason)
    assert client.get("/__admin/uploads").json["uploads"] == []


def test_an_upload_needs_credentials(client):
    headers = {"X-Content-Id": "a", "X-Media-Type": "image/png"}
    answer = client.post("/mms/1/content", data=PNG, headers=headers)
    assert answer.status_code == 401
    assert answer.json["requestError"]["serviceException"]["messageId"] == "UNAUTHORIZED"


def test_group_destinations_are_a_message_a_number_answered_with_to(client):
    group = {"group": [{"to": CH2}, {"to": CH3, "messageId": "M-3"}]}
    answer = send(client, destinations=[{"to": CH}, group])
    assert answer.status_code == 200
    assert answer.json["bulkId"] == "BULK-MMS-1"
    assert [m["to"] for m in answer.json["messages"]] == [CH, CH2, CH3]
    assert answer.json["messages"][2]["messageId"] == "M-3"
    assert {m["status"]["name"] for m in answer.json["messages"]} == {"PENDING_ACCEPTED"}
    assert [m["channel"] for m in client.get("/__admin/messages").json["messages"]] == ["mms"] * 3


def test_segments_are_kept_and_logged_in_both_versions(client, runtime):
    uploaded = upload(client).json["uploadedContentId"]
    inline = base64.b64encode(b"GIF89a-inline").decode()
    segments = [
        {"contentId": "body.txt", "text": "Hi"},
        {"contentId": "img", "contentType": "image/jpeg", "contentUrl": "https://cdn.test/a.jpg"},
        {"contentId": "gif", "contentType": "image/gif", "contentBase64": inline},
        {"contentId": "smil", "contentType": "application/smil", "smil": "<smil/>"},
        {"uploadedContentId": uploaded},
        {"uploadedContentId": "NEVER-UPLOADED"},
    ]
    assert send(client, *segments).status_code == 200
    kept = client.get("/__admin/uploads").json["uploads"]
    assert [(u["contentId"], u["mediaType"], u["size"]) for u in kept] == [
        ("gif", "image/gif", len(b"GIF89a-inline")),
        ("pic_1", "image/png", len(PNG)),
    ]
    inline_id = kept[0]["uploadedContentId"]
    (v1,) = client.get("/mms/1/logs", headers=KEY).json["results"]
    assert v1["title"] == "Spring sale" and v1["mmsCount"] == 1 and v1["from"] == "InfoMMS"
    assert v1["messageSegments"] == [
        segments[0],
        segments[1],
        {"contentId": "gif", "contentType": "image/gif", "uploadedContentId": inline_id},
        segments[3],
        segments[4],
        segments[5],
    ]
    (v2,) = client.get("/mms/2/logs", headers=KEY).json["results"]
    assert [s["type"] for s in v2["content"]["messageSegments"]] == [
        "TEXT",
        "LINK",
        "UPLOADED_REFERENCE",
        "SMIL",
        "UPLOADED_REFERENCE",
        "UPLOADED_REFERENCE",
    ]
    (message,) = client.get("/__admin/messages").json["messages"]
    references = [s for s in message["content"]["messageSegments"] if "uploadedContentId" in s]
    assert [(s["uploaded"] or {}).get("mediaType") for s in references] == ["image/gif", "image/png", None]
    page = client.get(f"/dashboard/messages/{message['messageId']}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "uploaded image/gif" in html and "not uploaded here" in html and "&lt;smil/&gt;" in html


def test_bad_base64_is_a_400_naming_the_segment_and_keeps_nothing(client):
    answer = send(client, {"text": "Hi"}, {"contentType": "image/png", "contentBase64": "not base64!"})
    assert answer.status_code == 400
    errors = answer.json["requestError"]["serviceException"]["validationErrors"]
    assert errors == {"messages[0].messageSegments[1].contentBase64": ["must be Base64"]}
    assert client.get("/__admin/uploads").json["uploads"] == []
    assert client.get("/__admin/messages").json["messages"] == []


@pytest.mark.parametrize(
    "segment",
    [{}, {"contentBase64": "AAAA"}, {"smil": "<smil/>"}, {"contentId": "a"}],
)
def test_a_segment_must_say_what_it_is(client, segment):
    answer = send(client, segment)
    assert answer.status_code == 400
    errors = answer.json["requestError"]["serviceException"]["validationErrors"]
    assert "messages[0].messageSegments" in errors


def test_v1_reports_are_pushed_and_pulled_in_the_v1_mms_shape(client, runtime, receiver):
    rule(client, status="DELIVERED_TO_HANDSET", delaySeconds=5)
    pushed = send(client, notifyUrl=receiver.url, callbackData="mms-v1").json["messages"][0]["messageId"]
    pulled = send(client, destinations=[{"to": CH2}]).json["messages"][0]["messageId"]
    runtime.advance(5)
    (body,) = receiver.bodies
    assert valid("mms.callback.v1", body)
    (report,) = body["results"]
    assert (report["messageId"], report["mmsCount"], report["callbackData"], report["from"]) == (
        pushed,
        1,
        "mms-v1",
        "InfoMMS",
    )
    assert client.get("/sms/1/reports", headers=KEY).json["results"] == []
    (report,) = client.get("/mms/1/reports", headers=KEY).json["results"]
    assert (report["messageId"], report["status"]["name"], report["mmsCount"]) == (
        pulled,
        "DELIVERED_TO_HANDSET",
        1,
    )
    assert client.get("/mms/1/reports", headers=KEY).json["results"] == []  # each once


def test_a_segment_with_several_contents_is_the_first_in_order_and_keeps_only_its_fields(client):
    segment = {"contentUrl": "https://cdn.test/a.png", "smil": "<smil/>", "text": "Hi", "extra": 1}
    assert send(client, segment).status_code == 200
    (log,) = client.get("/mms/1/logs", headers=KEY).json["results"]
    assert log["messageSegments"] == [{"text": "Hi"}]


def test_v1_logs_show_only_the_v1_fields_of_a_v2_message(client):
    body = {
        "messages": [
            {
                "destinations": [{"to": CH}],
                "content": {"messageSegments": [{"type": "TEXT", "text": "Hi", "unknown": [1]}]},
            }
        ]
    }
    assert client.post("/mms/2/messages", json=body, headers=KEY).status_code == 200
    (log,) = client.get("/mms/1/logs", headers=KEY).json["results"]
    assert log["messageSegments"] == [{"text": "Hi"}]


def test_base64_or_smil_without_a_content_type_is_not_what_a_segment_is(client):
    """contentBase64 and smil count with a contentType only (the contract's alternatives): a segment
    that has one of them without it is what else it has (a 500 before: the content type missing)."""
    uploaded = upload(client).json["uploadedContentId"]
    segments = (
        {"contentBase64": "ZA==", "uploadedContentId": uploaded},
        {"smil": "<smil/>", "uploadedContentId": uploaded},
    )
    for segment in segments:
        assert send(client, segment).status_code == 200
    logs = client.get("/mms/1/logs", headers=KEY).json["results"]
    assert [log["messageSegments"] for log in logs] == [[{"uploadedContentId": uploaded}]] * 2

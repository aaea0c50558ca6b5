"""The rest of Infobip's SMS operations: preview, binary, sending over query parameters, scheduled
bulks, conversion tracking, and the options that change when messages go out."""

from __future__ import annotations

import json

from tests.sms_helpers import KEY, V2, V3, rule, send_v2, send_v3

BOTH_BACKENDS = True  # SQLite and PostgreSQL (tests/conftest.py)

CH = "41793026727"
DE = "4915123456789"


# --- preview ----------------------------------------------------------------------------------


def test_preview_counts_parts_and_characters_left(client):
    text = "Let's see how many characters remain unused in this message."
    body = client.post("/sms/1/preview", json={"text": text}, headers=KEY).json
    assert body == {
        "originalText": text,
        "previews": [
            {"textPreview": text, "messageCount": 1, "charactersRemaining": 100, "configuration": {}}
        ],
    }


def test_preview_with_a_language_uses_its_national_table(client):
    text = (
        "Mesaj gönderimi yapmadan önce önizleme seçeneğini kullanmanız doğru karar vermenize yardımcı olur."
    )
    body = client.post("/sms/1/preview", json={"text": text, "languageCode": "TR"}, headers=KEY).json
    plain, turkish = body["previews"]
    assert (plain["messageCount"], plain["charactersRemaining"]) == (2, 36)  # UCS-2
    assert (turkish["messageCount"], turkish["charactersRemaining"]) == (1, 57)
    assert turkish["configuration"] == {"language": {"languageCode": "TR"}}


def test_preview_with_transliteration_rewrites_the_text(client):
    body = client.post(
        "/sms/1/preview", json={"text": "Ως Μεγαρικό ψήφισμα", "transliteration": "GREEK"}, headers=KEY
    ).json
    assert body["previews"][1]["textPreview"] == "ΩΣ MEΓAPIKO ΨHΦIΣMA"
    assert body["previews"][1]["configuration"] == {"transliteration": "GREEK"}


def test_preview_needs_text_and_known_options(client):
    assert client.post("/sms/1/preview", json={}, headers=KEY).status_code == 400
    response = client.post("/sms/1/preview", json={"text": "x", "languageCode": "XX"}, headers=KEY)
    assert "languageCode" in response.json["requestError"]["serviceException"]["validationErrors"]
    assert client.post("/sms/1/preview", json={"text": "x"}).status_code == 401


# --- binary -----------------------------------------------------------------------------------


def test_binary_v2_counts_parts_as_bytes_and_logs_keep_the_content(client):
    long_hex = " ".join(["41"] * 141)
    body = {
        "messages": [
            {"binary": {"hex": "48 65 6c 6c 6f", "dataCoding": 8}, "destinations": [{"to": CH}]},
            {"binary": {"hex": long_hex}, "destinations": [{"to": DE}]},
        ],
        "includeSmsCountInResponse": True,
    }
    response = client.post("/sms/2/binary/advanced", json=body, headers=KEY)
    assert [m["smsCount"] for m in response.json["messages"]] == [1, 2]
    logs = client.get("/sms/3/logs", headers=KEY).json["results"]
    contents = {log["destination"]: log["content"] for log in logs}
    assert contents[CH] == {"hex": "48 65 6c 6c 6f", "dataCoding": 8, "esmClass": 0}


def test_binary_content_in_v3_and_bad_hex(client):
    body = {"messages": [{"destinations": [{"to": CH}], "content": {"hex": "48656C6C6F", "esmClass": 64}}]}
    response = client.post(V3, json=body, headers=KEY)
    assert response.json["messages"][0]["details"]["messageCount"] == 1
    bad = {"messages": [{"binary": {"hex": "zz"}, "destinations": [{"to": CH}]}]}
    response = client.post("/sms/2/binary/advanced", json=bad, headers=KEY)
    assert response.status_code == 400
    assert "messages[0].binary.hex" in response.json["requestError"]["serviceException"]["validationErrors"]


# --- over query parameters --------------------------------------------------------------------


def test_text_query_v1_takes_username_and_password(client, runtime):
    runtime.add_account("Q", username="shop", password="s3cret")
    query = {"username": "shop", "password": "s3cret", "to": f"{CH},{DE}", "text": "Hi", "from": "Shop"}
    body = client.get("/sms/1/text/query", query_string=query).json
    assert [m["to"] for m in body["messages"]] == [CH, DE]
    assert all(m["status"]["name"] == "PENDING_ACCEPTED" for m in body["messages"])
    query["password"] = "wrong"
    assert client.get("/sms/1/text/query", query_string=query).status_code == 401


def test_text_query_v3_with_repeated_to(client):
    response = client.get(f"/sms/3/text/query?to={CH}&to={DE}&text=Hello&validityPeriod=60", headers=KEY)
    assert [m["destination"] for m in response.json["messages"]] == [CH, DE]
    response = client.get(f"/sms/3/text/query?to={CH}", headers=KEY)
    assert response.status_code == 400
    assert [v["property"] for v in response.json["violations"]] == ["text"]


# --- scheduled bulks --------------------------------------------------------------------------


def test_a_scheduled_bulk_can_be_read_and_moved(client, runtime, receiver):
    bulk_id = send_v3(client, CH, webhooks={"delivery": {"url": receiver.url}})["bulkId"]
    assert client.get("/sms/1/bulks", query_string={"bulkId": bulk_id}, headers=KEY).status_code == 404
    body = {
        "messages": [{"destinations": [{"to": CH}], "text": "Later", "notifyUrl": receiver.url}],
        "bulkId": "spring",
    }
    body["messages"][0]["sendAt"] = "2026-11-23T10:00:00.000+0000"
    client.post(V2, json=body, headers=KEY)
    q = {"bulkId": "spring"}
    assert client.get("/sms/1/bulks", query_string=q, headers=KEY).json == {
        "bulkId": "spring",
        "sendAt": "2026-11-23T10:00:00.000+0000",
    }
    assert client.get("/sms/1/bulks/status", query_string=q, headers=KEY).json["status"] == "PENDING"
    moved = client.put(
        "/sms/1/bulks", query_string=q, json={"sendAt": "2026-11-24T10:00:00.000+0000"}, headers=KEY
    )
    assert moved.json["sendAt"] == "2026-11-24T10:00:00.000+0000"
    runtime.advance(2 * 86400 - 1)
    assert {r["bulkId"] for r in receiver.results} == {bulk_id}  # nothing of the moved bulk yet
    runtime.advance(2 * 86400)
    (report,) = [r for r in receiver.results if r["bulkId"] == "spring"]
    assert report["sentAt"] == "2026-11-24T10:00:00.000+0000"
    assert client.get("/sms/1/bulks/status", query_string=q, headers=KEY).json["status"] == "FINISHED"


def _scheduled(client, bulk_id: str, url: str) -> dict[str, str]:
    """A bulk of one message to CH at 11:00 (an hour after the fake's start); its bulk query."""
    message = {"destinations": [{"to": CH}], "text": "x", "notifyUrl": url, "sendAt": "2026-11-22T11:00:00Z"}
    assert client.post(V2, json={"bulkId": bulk_id, "messages": [message]}, headers=KEY).status_code == 200
    return {"bulkId": bulk_id}


def test_a_paused_bulk_waits_and_a_resumed_one_goes(client, runtime, receiver):
    rule(client, status="DELIVERED_TO_HANDSET", delaySeconds=1)
    q = _scheduled(client, "p", receiver.url)
    paused = client.put("/sms/1/bulks/status", query_string=q, json={"status": "PAUSED"}, headers=KEY)
    assert paused.json == {"bulkId": "p", "status": "PAUSED"}
    runtime.advance(3 * 86400)
    assert receiver.results == []
    client.put("/sms/1/bulks/status", query_string=q, json={"status": "PROCESSING"}, headers=KEY)
    runtime.advance(4 * 86400)
    (report,) = receiver.results
    assert report["sentAt"] == "2026-11-25T10:00:00.000+0000"  # goes out when resumed


def test_a_canceled_bulk_sends_nothing_and_reports_cancelled(client, runtime, receiver):
    q = _scheduled(client, "c", receiver.url)
    answer = client.put("/sms/1/bulks/status", query_string=q, json={"status": "CANCELED"}, headers=KEY)
    assert answer.json["status"] == "CANCELED"
    (report,) = receiver.results
    assert (report["status"]["name"], report["error"]["name"]) == ("CANCELLED", "EC_MESSAGE_CANCELED")
    assert report["price"]["pricePerMessage"] == 0
    runtime.advance(5 * 86400)
    assert len(receiver.results) == 1
    again = client.put("/sms/1/bulks/status", query_string=q, json={"status": "PROCESSING"}, headers=KEY)
    assert again.status_code == 400
    assert "status" in again.json["requestError"]["serviceException"]["validationErrors"]


def test_bulks_of_another_account_are_not_found(client, runtime):
    _, (other,) = runtime.add_account("Other")
    client.post(
        V2,
        json={
            "bulkId": "mine",
            "messages": [{"destinations": [{"to": CH}], "sendAt": "2026-11-23T10:00:00Z"}],
        },
        headers=KEY,
    )
    response = client.get("/sms/1/bulks/status?bulkId=mine", headers={"Authorization": f"App {other}"})
    assert response.status_code == 404
    assert response.json["requestError"]["serviceException"]["text"] == "Bulk not found"
    assert client.get("/sms/1/bulks", headers=KEY).status_code == 400


# --- options ----------------------------------------------------------------------------------


def test_send_at_more_than_180_days_ahead_is_refused(client):
    far = "2027-05-22T10:00:01.000+0000"  # 181 days after the fake's start
    response = client.post(
        V2, json={"messages": [{"destinations": [{"to": CH}], "sendAt": far}]}, headers=KEY
    )
    assert response.json["requestError"]["serviceException"]["validationErrors"] == {
        "messages[0].sendAt": ["must be sooner than 180 days from now"]
    }
    body = {
        "messages": [{"destinations": [{"to": CH}], "content": {"text": "x"}}],
        "options": {"schedule": {"sendAt": far}},
    }
    response = client.post(V3, json=body, headers=KEY)
    assert [v["property"] for v in response.json["violations"]] == ["options.schedule.sendAt"]


def test_delivery_time_window_holds_a_message_until_it_opens(client, runtime, receiver):
    # 2026-11-22 is a Sunday; the window opens Monday 08:00 UTC
    window = {"days": ["MONDAY"], "from": {"hour": 8, "minute": 0}, "to": {"hour": 17, "minute": 0}}
    rule(client, status="DELIVERED_TO_HANDSET", delaySeconds=1)
    send_v2(client, CH, notifyUrl=receiver.url, deliveryTimeWindow=window)
    runtime.advance(22 * 3600 - 1)
    assert receiver.results == []
    runtime.advance(3600)
    (report,) = receiver.results
    assert report["sentAt"] == "2026-11-23T08:00:00.000+0000"


def test_delivery_time_window_needs_an_hour(client):
    window = {"days": ["MONDAY"], "from": {"hour": 8, "minute": 0}, "to": {"hour": 8, "minute": 30}}
    response = client.post(
        V2, json={"messages": [{"destinations": [{"to": CH}], "deliveryTimeWindow": window}]}, headers=KEY
    )
    assert (
        "messages[0].deliveryTimeWindow.to"
        in response.json["requestError"]["serviceException"]["validationErrors"]
    )


def test_sending_speed_limit_spreads_a_bulk(client, runtime):
    body = {
        "messages": [{"destinations": [{"to": f"4179302672{i}"} for i in range(5)], "text": "x"}],
        "sendingSpeedLimit": {"amount": 2, "timeUnit": "MINUTE"},
    }
    bulk_id = client.post(V2, json=body, headers=KEY).json["bulkId"]
    logs = client.get("/sms/1/logs", headers=KEY).json["results"]
    assert sorted(log["sentAt"][11:19] for log in logs) == [
        "10:00:00",
        "10:00:00",
        "10:01:00",
        "10:01:00",
        "10:02:00",
    ]
    status = client.get("/sms/1/bulks/status", query_string={"bulkId": bulk_id}, headers=KEY).json
    assert status["status"] == "PROCESSING"


def test_v3_validity_period_units(client, runtime, receiver):
    body = {
        "messages": [
            {
                "destinations": [{"to": CH}],
                "content": {"text": "x"},
                "options": {"validityPeriod": {"amount": 30, "timeUnit": "SECONDS"}},
                "webhooks": {"delivery": {"url": receiver.url}},
            }
        ]
    }
    client.post("/__admin/outcomes", json={"status": "DELIVERED_TO_HANDSET", "delaySeconds": 60})
    client.post(V3, json=body, headers=KEY)
    runtime.advance(30)
    (report,) = receiver.results
    assert report["status"]["name"] == "EXPIRED_EXPIRED"


def test_mcc_mnc_in_reports_and_log_filters(client, runtime):
    rule(client, status="DELIVERED_TO_HANDSET", delaySeconds=1)
    send_v2(client, CH, DE, "919876543210")
    logs = client.get("/sms/1/logs", headers=KEY).json["results"]
    networks = {log["to"]: log.get("mccMnc") for log in logs}
    assert networks[CH].startswith("228") and networks[DE].startswith("262")
    swiss = client.get("/sms/1/logs?mcc=228", headers=KEY).json["results"]
    assert [log["to"] for log in swiss] == [CH]
    exact = client.get(f"/sms/3/logs?mcc=228&mnc={networks[CH][3:]}", headers=KEY).json["results"]
    assert [log["destination"] for log in exact] == [CH]
    assert client.get("/sms/3/logs?mnc=01", headers=KEY).status_code == 400
    runtime.advance(60)
    reports = client.get("/sms/1/reports", headers=KEY).json["results"]
    assert {r["to"]: r.get("mccMnc") for r in reports}[CH] == networks[CH]


def test_v3_logs_paginate_with_a_cursor(client):
    send_v3(client, *[f"4179302672{i}" for i in range(5)])
    seen, cursor = [], None
    for _ in range(4):
        query = {"useCursor": "true", "limit": "2", **({"cursor": cursor} if cursor else {})}
        page = client.get("/sms/3/logs", query_string=query, headers=KEY).json
        seen += [log["destination"] for log in page["results"]]
        assert page["cursor"]["limit"] == 2
        cursor = page["cursor"].get("nextCursor")
        if cursor is None:
            break
    assert sorted(seen) == [f"4179302672{i}" for i in range(5)]
    bad = client.get("/sms/3/logs?useCursor=true&cursor=nonsense", headers=KEY)
    assert bad.status_code == 400


# --- conversion tracking ----------------------------------------------------------------------


def test_conversion_is_confirmed_once_per_message(client):
    message_id = send_v2(client, CH)["messages"][0]["messageId"]
    first = client.post(f"/ct/1/log/end/{message_id}", headers=KEY)
    assert first.status_code == 200
    assert first.json == client.post(f"/ct/1/log/end/{message_id}", headers=KEY).json
    missing = client.post("/ct/1/log/end/nope", headers=KEY)
    assert missing.status_code == 404
    assert missing.json["requestError"]["serviceException"]["text"] == "Message not found"


# --- OAuth 2.0 --------------------------------------------------------------------------------


def test_oauth_token_works_until_it_expires(client, runtime):
    runtime.add_account("O", username="ops", password="pw")
    form = {"client_id": "ops", "client_secret": "pw", "grant_type": "client_credentials"}
    answer = client.post("/auth/1/oauth2/token", data=form)
    assert answer.status_code == 200
    assert answer.json["expires_in"] == 7200
    bearer = {"Authorization": f"Bearer {answer.json['access_token']}"}
    assert client.post("/saas/amplitude/1/lists", json={"name": "x"}, headers=bearer).status_code == 200
    assert client.get("/sms/3/logs", headers=bearer).status_code == 200
    runtime.advance(7200)
    expired = client.get("/sms/3/logs", headers=bearer)
    assert (expired.status_code, expired.json["errorCode"]) == (401, "E401")
    assert client.get("/sms/1/logs", headers={"Authorization": "Bearer unknown"}).status_code == 401


def test_oauth_bad_credentials_and_grant(client, runtime):
    runtime.add_account("O", username="ops", password="pw")
    wrong = client.post(
        "/auth/1/oauth2/token",
        data={"client_id": "ops", "client_secret": "no", "grant_type": "client_credentials"},
    )
    assert wrong.status_code == 401
    grant = client.post(
        "/auth/1/oauth2/token", data={"client_id": "ops", "client_secret": "pw", "grant_type": "password"}
    )
    assert grant.status_code == 400
    assert "grant_type" in grant.json["requestError"]["serviceException"]["validationErrors"]


def test_a_query_send_to_no_number_is_a_400_naming_to(client):
    """``to=,`` names no number (found by Schemathesis: it was a 200 with no messages)."""
    for path in ("/sms/1/text/query", "/sms/3/text/query"):
        answer = client.get(path, query_string={"to": ",", "text": "x"}, headers=KEY)
        assert answer.status_code == 400, path
        assert "to" in json.dumps(answer.json)

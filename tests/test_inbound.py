"""Inbound SMS: numbers, handset messages forwarded through the delivery machinery or pulled once,
keywords, messages to nobody's number, and handsets that reply to outcome rules."""

from __future__ import annotations

from mock_infobip.wire.validation import default_contracts
from tests.sms_helpers import KEY, rule, send_v2

BOTH_BACKENDS = True  # SQLite and PostgreSQL (tests/conftest.py)

SHOP = "447491163443"
HANDSET = "41793026727"
INBOX = "/sms/1/inbox/reports"


def number(client, **body):
    response = client.post("/__admin/numbers", json={"number": SHOP, **body})
    assert response.status_code == 201, response.json
    return response.json


def handset(client, text, sender=HANDSET, to=SHOP, **extra):
    response = client.post("/__admin/inbound", json={"from": sender, "to": to, "text": text, **extra})
    assert response.status_code == 201, response.json
    return response.json


def forwarded(receiver):
    ref = default_contracts().webhooks["sms.inbound"]
    for body in receiver.bodies:
        assert not list(default_contracts().validator(ref).iter_errors(body))
    return receiver.bodies


def test_a_number_registered_twice_is_a_conflict_and_changes_nothing(client):
    first = number(client)
    again = client.post("/__admin/numbers", json={"number": SHOP, "keywords": ["OTHER"]})
    assert again.status_code == 409, again.json
    assert again.json == {"error": f"the number {SHOP} is registered already"}
    assert client.get("/__admin/numbers").json["numbers"] == [first]


def test_a_number_for_an_account_that_does_not_exist_is_a_404(client):
    response = client.post("/__admin/numbers", json={"number": SHOP, "account": 99})
    assert response.status_code == 404, response.json
    assert response.json == {"error": "account 99 not found"}
    assert client.get("/__admin/numbers").json["numbers"] == []


def test_a_forwarded_message_comes_in_infobips_mo_format(client, receiver):
    number(client, forwardUrl=receiver.url, keywords=["yes", "STOP"])
    stored = handset(client, "yes please")
    (body,) = forwarded(receiver)
    assert body["messageCount"] == 1 and body["pendingMessageCount"] == 0
    (result,) = body["results"]
    assert result == {
        "messageId": stored["messageId"],
        "from": HANDSET,
        "to": SHOP,
        "text": "yes please",
        "cleanText": "please",
        "keyword": "YES",
        "receivedAt": "2026-11-22T10:00:00.000+0000",
        "smsCount": 1,
        "price": {"pricePerMessage": 0.01, "currency": "EUR"},
    }
    assert client.get(INBOX, headers=KEY).json["results"] == []  # forwarded: not pullable


def test_without_forward_url_a_message_is_pulled_once(client):
    number(client)
    handset(client, "first")
    handset(client, "second")
    page = client.get(INBOX + "?limit=1", headers=KEY).json
    assert [r["text"] for r in page["results"]] == ["first"]
    assert (page["messageCount"], page["pendingMessageCount"]) == (1, 1)
    assert [r["text"] for r in client.get(INBOX, headers=KEY).json["results"]] == ["second"]
    assert client.get(INBOX, headers=KEY).json == {"results": [], "messageCount": 0, "pendingMessageCount": 0}
    assert client.get(INBOX).status_code == 401


def test_a_keyword_not_registered_is_no_keyword(client):
    number(client, keywords=["STOP"])
    stored = handset(client, "Hello there")
    assert "keyword" not in stored and stored["cleanText"] == "Hello there"
    assert handset(client, "stop")["keyword"] == "STOP"


def test_a_message_to_nobodys_number_is_kept_and_shown(client):
    stored = handset(client, "anyone?", to="4915123456789")
    assert stored["owned"] is False
    assert client.get("/__admin/inbound?to=4915123456789").json["messages"][0]["text"] == "anyone?"
    assert client.get(INBOX, headers=KEY).json["results"] == []


def test_other_accounts_do_not_see_a_numbers_messages(client, runtime):
    _, (other,) = runtime.add_account("Other")
    number(client)
    handset(client, "mine")
    assert client.get(INBOX, headers={"Authorization": f"App {other}"}).json["results"] == []


def test_bad_input_is_a_400_and_stores_nothing(client):
    assert client.post("/__admin/numbers", json={"number": "12"}).status_code == 400
    off = client.post("/__admin/numbers", json={"number": SHOP, "forwardUrl": "ftp://127.0.0.1/in"})
    assert off.status_code == 400 and "forwardUrl" in off.json["fields"]
    assert client.get("/__admin/numbers").json["numbers"] == []
    bad = client.post("/__admin/inbound", json={"from": "abc", "to": SHOP, "text": "x"})
    assert bad.status_code == 400 and "from" in bad.json["fields"]
    assert client.get("/__admin/inbound").json["messages"] == []


def test_an_unreachable_receiver_gets_the_retry_cycle_then_the_message_is_pullable(client, runtime, receiver):
    receiver.status = 503
    number(client, forwardUrl=receiver.url)
    handset(client, "hello?")
    runtime.advance(24 * 3600)
    attempts = client.get("/__admin/callbacks").json["callbacks"]
    assert [a["retry"] for a in attempts] == list(range(11))
    assert attempts[1]["at"] == "2026-11-22T10:01:00.000+0000"
    assert [r["text"] for r in client.get(INBOX, headers=KEY).json["results"]] == ["hello?"]


def test_a_message_received_later_arrives_then(client, runtime, receiver):
    number(client, forwardUrl=receiver.url)
    handset(client, "later", at="2026-11-22T10:05:00.000+0000")
    runtime.advance(299)
    assert receiver.bodies == []
    runtime.advance(1)
    assert [r["text"] for r in receiver.results] == ["later"]


def test_a_rule_reply_answers_a_delivered_message(client, runtime, receiver):
    number(client, forwardUrl=receiver.url)
    rule(client, status="DELIVERED_TO_HANDSET", delaySeconds=5, reply={"text": "YES", "delaySeconds": 60})
    message_id = send_v2(client, HANDSET, **{"from": SHOP})["messages"][0]["messageId"]
    runtime.advance(64)
    assert receiver.bodies == []
    runtime.advance(1)
    (reply,) = receiver.results
    assert (reply["from"], reply["to"], reply["text"]) == (HANDSET, SHOP, "YES")
    assert reply["receivedAt"] == "2026-11-22T10:01:05.000+0000"
    listed = client.get("/__admin/inbound").json["messages"][0]
    assert listed["replyTo"] == message_id


def test_no_reply_when_the_message_does_not_reach_the_handset(client, runtime, receiver):
    number(client, forwardUrl=receiver.url)
    rule(client, status="UNDELIVERABLE_NOT_DELIVERED", delaySeconds=5, reply={"text": "YES"})
    send_v2(client, HANDSET, **{"from": SHOP})
    runtime.advance(3600)
    assert receiver.bodies == []
    assert client.get("/__admin/inbound").json["messages"] == []


def test_handsets_reply_in_countries_without_reports(client, runtime):
    number(client)
    guam = "16715551234"
    rule(client, match={"to": guam}, status="DELIVERED_TO_HANDSET", delaySeconds=5, reply={"text": "7"})
    send_v2(client, guam, **{"from": SHOP})
    runtime.advance(5)
    (reply,) = client.get(INBOX, headers=KEY).json["results"]
    assert (reply["from"], reply["text"]) == (guam, "7")
    assert client.get("/__admin/outcomes").json["outcomes"][0]["reply"] == {"text": "7", "delaySeconds": 0}


def test_numbers_can_be_listed_and_deleted(client):
    created = number(client, keywords=["Yes"])
    assert created["keywords"] == ["YES"]
    assert client.get("/__admin/numbers").json["numbers"] == [created]
    assert client.delete(f"/__admin/numbers/{created['id']}").json == {"deleted": 1}
    assert client.delete(f"/__admin/numbers/{created['id']}").status_code == 404

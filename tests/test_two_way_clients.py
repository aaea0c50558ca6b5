"""The marketing platform's two-way side against the fake: double opt-in, STOP, NPS by reply, MMS
campaigns, and inbound messages forwarded to the receiver exactly once."""

from __future__ import annotations

import pytest

from mock_infobip.clients.campaign import ask_for_score, ask_to_confirm, send_campaign
from mock_infobip.clients.receiver import create_receiver_app
from mock_infobip.wire.validation import default_contracts

SHOP = "447491163443"
ANNA, BEN, CARL = "41793026727", "41793026728", "41793026729"
EVENT = default_contracts().validator("clients/receiver-event.schema.json")
pytestmark = pytest.mark.infobip(start="2026-11-22T10:00:00Z")


@pytest.fixture
def platform(tmp_path, infobip):
    app = create_receiver_app(str(tmp_path / "events.db"))
    url = infobip.add_receiver(app, "http://crm.test")
    infobip.number(SHOP, forward_url=f"{url}/inbound", keywords=["YES", "STOP"])
    yield app
    app.extensions["events"].close()


def events(app) -> list[dict]:
    found = app.test_client().get("/events").json
    assert all(EVENT.is_valid(e) for e in found), found
    return [e for e in found if e["status"] not in ("enqueued", "delivered")]


def test_double_opt_in_subscribes_those_who_answer_in_time(infobip, platform):
    store = platform.extensions["events"]
    infobip.outcome("DELIVERED_TO_HANDSET", to=ANNA, delay_seconds=5, reply="yes", reply_delay_seconds=60)
    infobip.outcome("DELIVERED_TO_HANDSET", to=BEN, delay_seconds=5, reply="YES", reply_delay_seconds=7200)
    infobip.outcome("DELIVERED_TO_HANDSET", to=CARL, delay_seconds=5)  # never answers
    ask_to_confirm(
        infobip.base_url,
        infobip.api_key,
        numbers=[ANNA, BEN, CARL],
        sender=SHOP,
        events=store,
        closes_at="2026-11-22T11:00:00.000+0000",
    )
    infobip.clock.advance(3 * 3600)
    assert platform.test_client().get("/subscriptions").json == {
        ANNA: "subscribed",
        BEN: "pending",
        CARL: "pending",
    }
    assert [(e["to"], e["status"]) for e in events(platform)] == [(ANNA, "subscribed"), (BEN, "inbound")]


def test_stop_unsubscribes(infobip, platform):
    store = platform.extensions["events"]
    ask_to_confirm(
        infobip.base_url,
        infobip.api_key,
        numbers=[ANNA],
        sender=SHOP,
        events=store,
        closes_at="2026-11-23T10:00:00.000+0000",
    )
    infobip.handset(ANNA, SHOP, "YES")
    infobip.handset(ANNA, SHOP, "stop")
    assert platform.test_client().get("/subscriptions").json == {ANNA: "unsubscribed"}
    assert [e["status"] for e in events(platform)] == ["subscribed", "unsubscribed"]


def test_nps_answers_become_scores_once(infobip, platform):
    store = platform.extensions["events"]
    infobip.outcome("DELIVERED_TO_HANDSET", to=ANNA, delay_seconds=1, reply="9", reply_delay_seconds=30)
    ask_for_score(
        infobip.base_url, infobip.api_key, numbers=[ANNA, BEN], sender=SHOP, events=store, campaign="q4"
    )
    infobip.clock.advance(60)
    infobip.handset(ANNA, SHOP, "10")  # a second answer is a plain inbound message
    infobip.handset(BEN, SHOP, "eleven")
    found = [(e["to"], e["status"], e.get("score")) for e in events(platform)]
    assert found == [(ANNA, "nps_response", 9), (ANNA, "inbound", None), (BEN, "inbound", None)]


def test_an_inbound_message_forwarded_twice_is_one_event(infobip, platform):
    message = infobip.handset(ANNA, SHOP, "hello")
    body = {
        "results": [
            {
                "messageId": message["messageId"],
                "from": ANNA,
                "to": SHOP,
                "text": "hello",
                "receivedAt": message["receivedAt"],
            }
        ],
        "messageCount": 1,
        "pendingMessageCount": 0,
    }
    answer = platform.test_client().post("/inbound", json=body).json
    assert answer == {"received": 1, "stored": 0}
    assert len(events(platform)) == 1


def test_no_event_for_a_number_that_never_answered(infobip, platform):
    store = platform.extensions["events"]
    infobip.outcome("DELIVERED_TO_HANDSET", delay_seconds=1)
    ask_for_score(infobip.base_url, infobip.api_key, numbers=[CARL], sender=SHOP, events=store, campaign="q4")
    infobip.clock.advance(86400)
    assert events(platform) == []


def test_malformed_inbound_is_a_400(platform):
    client = platform.test_client()
    assert client.post("/inbound", json={"results": [{"from": ANNA}]}).status_code == 400
    assert client.post("/inbound", data="x").status_code == 400


def test_an_mms_campaign(infobip, platform):
    store = platform.extensions["events"]
    infobip.outcome("DELIVERED_TO_HANDSET", delay_seconds=1)
    result = send_campaign(
        infobip.base_url,
        infobip.api_key,
        text="Spring is here",
        title="Spring sale",
        media=[("image/jpeg", "https://cdn.test/spring.jpg")],
        numbers=[ANNA],
        callback_url=None,
        events=store,
        sender=SHOP,
    )
    assert len(result.enqueued) == 1
    (sent,) = infobip.messages()
    assert sent["channel"] == "mms"


def test_an_inbound_mms_reaches_the_receiver(infobip, platform):
    infobip.handset(ANNA, SHOP, segments=[{"contentType": "text/plain", "value": "STOP"}])
    assert [e["status"] for e in events(platform)] == ["unsubscribed"]

"""Redeliver now (#38, item 5): a message's report pushed again at once through the same delivery
machinery, its attempt recorded; from the admin API and the dashboard's callbacks page."""

from __future__ import annotations

from tests.sms_helpers import rule, send_v2

BOTH_BACKENDS = True  # SQLite and PostgreSQL (tests/conftest.py)

CH = "41793026727"


def redeliver(client, message_id):
    return client.post(f"/__admin/messages/{message_id}/redeliver")


def test_a_delivered_report_is_pushed_again_and_its_attempt_recorded(client, runtime, receiver):
    rule(client, status="DELIVERED_TO_HANDSET", delaySeconds=10)
    message_id = send_v2(client, CH, notifyUrl=receiver.url)["messages"][0]["messageId"]
    runtime.advance(10)
    assert len(receiver.bodies) == 1
    answer = redeliver(client, message_id)
    assert answer.status_code == 200 and answer.json == {"redelivered": 1}
    assert receiver.bodies == [receiver.bodies[0]] * 2  # the same report, again
    attempts = client.get("/__admin/callbacks").json["callbacks"]
    assert [(a["status"], a["messageIds"]) for a in attempts] == [(200, [message_id])] * 2


def test_an_exhausted_report_is_pushed_again_once_the_receiver_is_back(client, runtime, receiver):
    rule(client, status="DELIVERED_TO_HANDSET", delaySeconds=10)
    receiver.status = 503
    message_id = send_v2(client, CH, notifyUrl=receiver.url)["messages"][0]["messageId"]
    runtime.advance(3 * 86400)  # every retry failed: exhausted
    tried = len(client.get("/__admin/callbacks").json["callbacks"])
    receiver.status = 200
    assert redeliver(client, message_id).status_code == 200
    attempts = client.get("/__admin/callbacks").json["callbacks"]
    assert len(attempts) == tried + 1 and attempts[-1]["status"] == 200
    runtime.advance(3 * 86400)
    assert len(client.get("/__admin/callbacks").json["callbacks"]) == tried + 1  # delivered: done


def test_a_message_without_a_report_to_push_is_a_404(client, runtime):
    pulled = send_v2(client, CH)["messages"][0]["messageId"]  # no notifyUrl: its reports are pulled
    for message_id in (pulled, "no-such-message"):
        answer = redeliver(client, message_id)
        assert answer.status_code == 404 and "not found" in answer.json["error"]
    assert client.get("/__admin/callbacks").json["callbacks"] == []


def test_the_callbacks_page_redelivers_an_attempts_reports(receiver):
    import requests

    from mock_infobip import server

    with server(clock="manual") as infobip:
        infobip.outcome("DELIVERED_TO_HANDSET", delay_seconds=1)
        message = {"destinations": [{"to": CH}, {"to": "41793026728"}], "notifyUrl": receiver.url}
        requests.post(
            infobip.base_url + "/sms/2/text/advanced", json={"messages": [message]}, headers=infobip.headers
        )
        infobip.clock.advance(1)
        page = requests.get(infobip.base_url + "/dashboard/callbacks").text
        assert page.count("redeliver now") == 1  # one attempt: both reports in one push
        (attempt,) = infobip.callbacks()
        mids = attempt["messageIds"]
        answered = requests.post(infobip.base_url + "/dashboard/callbacks/redeliver", data={"message": mids})
        assert answered.status_code == 200 and answered.url.endswith("/dashboard/callbacks")
        with receiver.arrived:
            assert receiver.arrived.wait_for(lambda: len(receiver.bodies) == 2, timeout=30)
        assert receiver.bodies[1] == receiver.bodies[0]
        assert requests.post(infobip.base_url + "/dashboard/callbacks/redeliver", data={}).status_code == 404

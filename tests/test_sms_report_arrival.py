"""Report arrival: the status moment (doneAt, within validity) and the moment the operator's report
reaches Infobip (pushed or pullable then) are two moments; reports arrive up to 4 days after sending."""

from __future__ import annotations

import random

from mock_infobip.channels.sms.outcomes import draw_default
from mock_infobip.http.app import create_app
from mock_infobip.runtime import Runtime
from tests.conftest import make_settings
from tests.sms_helpers import KEY, rule, send_v2, send_v3

BOTH_BACKENDS = True  # SQLite and PostgreSQL (tests/conftest.py)

CH = "41793026727"
DAY = 24 * 3600


def test_a_report_pushed_three_days_after_sending_keeps_its_delivery_moment(client, runtime, receiver):
    rule(client, match={"to": CH}, status="DELIVERED_TO_HANDSET", delaySeconds=60, reportDelaySeconds=3 * DAY)
    send_v2(client, CH, notifyUrl=receiver.url)
    runtime.advance(3 * DAY + 59)
    assert receiver.bodies == []
    (message,) = client.get("/__admin/messages").json["messages"]
    assert message["status"] == "PENDING_ACCEPTED"  # Infobip has no report yet
    runtime.advance(1)
    (report,) = receiver.results
    assert report["status"]["name"] == "DELIVERED_TO_HANDSET"
    assert report["sentAt"] == "2026-11-22T10:00:00.000+0000"
    assert report["doneAt"] == "2026-11-22T10:01:00.000+0000"


def test_a_late_report_is_pullable_for_48_hours_from_its_arrival(client, runtime):
    rule(client, match={"to": CH}, status="DELIVERED_TO_HANDSET", delaySeconds=10, reportDelaySeconds=3 * DAY)
    message_id = send_v3(client, CH)["messages"][0]["messageId"]
    runtime.advance(3 * DAY + 9)
    assert client.get("/sms/3/reports", headers=KEY).json["results"] == []
    runtime.advance(1 + 47 * 3600)  # 47 h after the report arrived, 5 days after sending
    (report,) = client.get("/sms/3/reports", headers=KEY).json["results"]
    assert report["messageId"] == message_id
    assert report["doneAt"] == "2026-11-22T10:00:10.000+0000"


def test_a_report_not_pulled_within_48_hours_of_arrival_is_gone(client, runtime):
    rule(client, match={"to": CH}, status="DELIVERED_TO_HANDSET", delaySeconds=10, reportDelaySeconds=DAY)
    send_v2(client, CH)
    runtime.advance(DAY + 10 + 48 * 3600 + 1)
    assert client.get("/sms/1/reports", headers=KEY).json["results"] == []


def test_arrival_is_capped_at_four_days_after_sending(client, runtime, receiver):
    rule(
        client,
        match={"to": CH},
        status="DELIVERED_TO_HANDSET",
        delaySeconds=2 * DAY,
        reportDelaySeconds=4 * DAY,
    )
    send_v2(client, CH, notifyUrl=receiver.url, validityPeriod=2880)
    runtime.advance(4 * DAY - 1)
    assert receiver.bodies == []
    runtime.advance(1)
    (report,) = receiver.results
    assert report["doneAt"] == "2026-11-24T10:00:00.000+0000"


def test_a_late_expiry_report_keeps_the_end_of_validity_as_done_at(client, runtime, receiver):
    rule(client, match={"to": CH}, status="DELIVERED_TO_HANDSET", delaySeconds=7200, reportDelaySeconds=DAY)
    send_v2(client, CH, notifyUrl=receiver.url, validityPeriod=60)
    runtime.advance(3600 + DAY)
    (report,) = receiver.results
    assert report["status"]["name"] == "EXPIRED_EXPIRED"
    assert report["doneAt"] == "2026-11-22T11:00:00.000+0000"


def test_rules_show_their_report_delay(client):
    created = client.post(
        "/__admin/outcomes", json={"status": "DELIVERED_TO_HANDSET", "reportDelaySeconds": 90}
    ).json
    assert created["reportDelaySeconds"] == 90
    assert client.get("/__admin/outcomes").json["outcomes"][0]["reportDelaySeconds"] == 90


def test_a_report_delay_over_four_days_is_refused(client):
    response = client.post(
        "/__admin/outcomes", json={"status": "DELIVERED_TO_HANDSET", "reportDelaySeconds": 4 * DAY + 1}
    )
    assert response.status_code == 400
    assert "reportDelaySeconds" in response.json["fields"]


def test_the_default_profile_has_a_report_tail_only_in_its_regions():
    settings = make_settings(profile_report_tail=0.5, profile_report_tail_regions="IN")
    late = [draw_default(settings, random.Random(i), "IN").report_delay_ms for i in range(400)]
    tail = [d for d in late if d]
    assert 100 < len(tail) < 300
    assert all(3600_000 <= d < 4 * DAY * 1000 for d in tail)
    assert max(tail) > 2 * DAY * 1000
    elsewhere = [draw_default(settings, random.Random(i), "DE").report_delay_ms for i in range(400)]
    assert set(elsewhere) == {0}


def test_default_profile_reports_can_arrive_days_later_end_to_end(receiver):
    runtime = Runtime(
        make_settings(
            profile_report_tail=1.0,
            profile_report_tail_regions="IN",
            profile_delivered=1.0,
            profile_failed=0,
            profile_expired=0,
            profile_rejected=0,
        )
    )
    try:
        client = create_app(runtime).test_client()
        send_v2(client, "919876543210", notifyUrl=receiver.url)
        runtime.advance(3600)
        assert receiver.bodies == []
        runtime.advance(4 * DAY)
        (report,) = receiver.results
        assert report["status"]["name"] == "DELIVERED_TO_HANDSET"
    finally:
        runtime.close()

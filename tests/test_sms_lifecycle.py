"""Outcomes and their timing on the fake's clock, and the countries without delivery reports."""

from __future__ import annotations

import pytest

from mock_infobip.channels.messages.catalog import catalog
from mock_infobip.http.app import create_app
from mock_infobip.runtime import Runtime
from tests.conftest import make_settings
from tests.sms_helpers import KEY, rule, send_v2, send_v3, statuses
from tests.support import ContractClient

BOTH_BACKENDS = True  # SQLite and PostgreSQL (tests/conftest.py)

CH, DE, GU, AS = "41793026727", "4915123456789", "16715551234", "16845551234"
STATUSES = catalog().statuses
ERRORS = catalog().errors


def test_rejections_are_in_the_send_response_and_pushed_at_once(client, receiver):
    body = send_v2(client, "999123", "4179", CH, notifyUrl=receiver.url)
    assert [m["status"]["name"] for m in body["messages"]] == [
        "REJECTED_PREFIX_MISSING",
        "REJECTED_DESTINATION",
        "PENDING_ACCEPTED",
    ]
    assert sorted(statuses(receiver)) == [
        ("4179", "REJECTED_DESTINATION"),
        ("999123", "REJECTED_PREFIX_MISSING"),
    ]
    assert len(receiver.bodies) == 1  # due at the same moment for one URL: one callback


def test_missing_or_empty_to_is_missing_to(client, receiver):
    response = client.post(
        "/sms/2/text/advanced",
        headers=KEY,
        json={"messages": [{"destinations": [{}, {"to": ""}, {"to": None}], "notifyUrl": receiver.url}]},
    )
    assert [m["status"]["name"] for m in response.json["messages"]] == ["MISSING_TO"] * 3
    assert [s for _, s in statuses(receiver)] == ["MISSING_TO"] * 3


def test_delivered_after_its_delay_and_not_before(client, runtime, receiver):
    rule(client, match={"to": CH}, status="DELIVERED_TO_HANDSET", delaySeconds=30)
    send_v2(client, CH, notifyUrl=receiver.url)
    runtime.advance(29.999)
    assert receiver.bodies == []
    runtime.advance(0.001)
    (report,) = receiver.results
    assert report["status"]["name"] == "DELIVERED_TO_HANDSET"
    assert report["sentAt"] == "2026-11-22T10:00:00.000+0000"
    assert report["doneAt"] == "2026-11-22T10:00:30.000+0000"
    assert report["error"] == {
        "groupId": 0,
        "groupName": "OK",
        "id": 0,
        "name": "NO_ERROR",
        "description": "No Error",
        "permanent": False,
    }


def test_failed_with_error_from_a_rule(client, runtime, receiver):
    rule(
        client,
        match={"prefix": "4179"},
        status="UNDELIVERABLE_NOT_DELIVERED",
        error="EC_ABSENT_SUBSCRIBER_SM",
        delaySeconds=3600,
    )
    send_v2(client, CH, notifyUrl=receiver.url)
    runtime.advance(3600)
    (report,) = receiver.results
    assert (report["status"]["groupName"], report["error"]["name"], report["error"]["id"]) == (
        "UNDELIVERABLE",
        "EC_ABSENT_SUBSCRIBER_SM",
        6,
    )


def test_the_most_recent_matching_rule_wins(client, runtime):
    rule(client, match={}, status="DELIVERED_TO_HANDSET", delaySeconds=1)
    rule(client, match={"country": "CH"}, status="REJECTED_NOT_ENOUGH_CREDITS")
    rule(client, match={"to": "41793026834"}, status="UNDELIVERABLE_NOT_SENT", delaySeconds=1)
    body = send_v2(client, CH, "41793026834", DE)
    assert [m["status"]["name"] for m in body["messages"]] == [
        "REJECTED_NOT_ENOUGH_CREDITS",
        "PENDING_ACCEPTED",
        "PENDING_ACCEPTED",
    ]
    runtime.advance(1)
    logs = {m["to"]: m["status"]["name"] for m in client.get("/sms/1/logs", headers=KEY).json["results"]}
    assert logs == {
        CH: "REJECTED_NOT_ENOUGH_CREDITS",
        "41793026834": "UNDELIVERABLE_NOT_SENT",
        DE: "PENDING_WAITING_DELIVERY",
    }  # DE has no reports


@pytest.mark.parametrize("status", STATUSES, ids=lambda s: s.key)
def test_every_status_can_be_produced(client, runtime, status):
    rule(client, status=status.key, delaySeconds=5)
    send_v2(client, CH)
    runtime.advance(5)
    log = client.get("/sms/1/logs", headers=KEY).json["results"][0]
    assert (log["status"]["groupId"], log["status"]["id"], log["status"]["name"]) == (
        status.group_id,
        status.id,
        status.name,
    )


@pytest.mark.parametrize("error", ERRORS, ids=lambda e: e.key)
def test_every_error_can_be_produced(client, runtime, error):
    rule(client, status="UNDELIVERABLE_NOT_DELIVERED", error=error.key, delaySeconds=1)
    send_v2(client, CH)
    runtime.advance(1)
    reported = client.get("/sms/1/reports", headers=KEY).json["results"][0]["error"]
    assert (reported["groupName"], reported["id"], reported["name"], reported["permanent"]) == (
        error.group_name,
        error.id,
        error.name,
        error.permanent,
    )


def test_unknown_names_are_a_400_naming_them(client):
    response = client.post(
        "/__admin/outcomes",
        json={"status": "DELIVERED", "error": "EC_NOPE", "intermediate": ["PENDING_ENROUTE", "SOON"]},
    )
    assert response.status_code == 400
    assert response.json["fields"] == {
        "status": ["unknown status 'DELIVERED'"],
        "error": ["unknown error 'EC_NOPE'"],
        "intermediate[1]": ["unknown status 'SOON'"],
    }
    assert client.get("/__admin/outcomes").json == {"outcomes": []}


def test_outcome_rules_list_and_delete(client):
    rule(client, match={"to": "+41793026727"}, status="DELIVERED_TO_HANDSET", delaySeconds=2)
    rule(client, match={"country": "de"}, status="REJECTED_NETWORK", delaySeconds=99)
    listed = client.get("/__admin/outcomes").json["outcomes"]
    assert [r["match"] for r in listed] == [{"country": "DE"}, {"to": "41793026727"}]
    assert listed[0]["delaySeconds"] == 0  # a rejection is reported at once
    assert client.delete(f"/__admin/outcomes/{listed[0]['id']}").json == {"deleted": 1}
    assert client.delete("/__admin/outcomes").json == {"deleted": 1}
    assert client.delete("/__admin/outcomes/99").status_code == 404


def test_a_delay_past_validity_expires_at_the_end_of_validity(client, runtime, receiver):
    rule(client, status="DELIVERED_TO_HANDSET", delaySeconds=3600)
    send_v2(client, CH, notifyUrl=receiver.url, validityPeriod=30)
    runtime.advance(30 * 60)
    (report,) = receiver.results
    assert (report["status"]["name"], report["error"]["name"]) == ("EXPIRED_EXPIRED", "EC_VALIDITY_EXPIRED")
    assert report["doneAt"] == "2026-11-22T10:30:00.000+0000"


def test_default_validity_is_48_hours(client, runtime, receiver):
    rule(client, status="DELIVERED_TO_HANDSET", delaySeconds=3 * 86400)
    send_v2(client, CH, notifyUrl=receiver.url)
    runtime.advance(48 * 3600 - 1)
    assert receiver.results == []
    runtime.advance(1)
    assert receiver.results[0]["status"]["name"] == "EXPIRED_EXPIRED"


def test_intermediate_reports_only_when_asked(client, runtime, receiver):
    rule(client, status="DELIVERED_TO_HANDSET", delaySeconds=90)
    send_v2(client, CH, notifyUrl=receiver.url, intermediateReport=True)
    send_v2(client, "41793026834", notifyUrl=receiver.url)
    runtime.advance(90)
    assert statuses(receiver) == [
        (CH, "PENDING_ENROUTE"),
        (CH, "DELIVERED_TO_OPERATOR"),
        (CH, "DELIVERED_TO_HANDSET"),
        ("41793026834", "DELIVERED_TO_HANDSET"),
    ]
    assert [r["doneAt"][11:19] for r in receiver.results] == ["10:00:30", "10:01:00", "10:01:30", "10:01:30"]


def test_default_profile_gives_a_mix_within_4_days(client, runtime):
    numbers = [f"4179302{i:04d}" for i in range(300)]
    send_v2(client, *numbers)
    runtime.advance(4 * 86400)
    with runtime.store.read() as conn:
        rows = conn.execute("SELECT status, done_at - sent_at AS took FROM messages").fetchall()
    groups = {r["status"].split("/")[0] for r in rows}
    assert {"DELIVERED", "UNDELIVERABLE"} <= groups
    assert all(r["took"] is not None and 0 <= r["took"] <= 4 * 86400 * 1000 for r in rows)
    delivered = [r for r in rows if r["status"].startswith("DELIVERED")]
    assert len(delivered) > 200  # 90 % by default


def test_the_profile_is_a_setting():
    runtime = Runtime(
        make_settings(profile_delivered=0, profile_failed=0, profile_expired=0, profile_rejected=1)
    )
    client = create_app(runtime).test_client()
    body = send_v2(client, CH, "41793026834")
    assert {m["status"]["groupName"] for m in body["messages"]} == {"REJECTED"}


@pytest.mark.parametrize(
    ("number", "region", "reports"),
    [
        (GU, "GU", False),
        (AS, "AS", True),
        ("6857712345", "WS", False),
        ("67077212345", "TL", False),
        ("16702345678", "MP", False),
        (DE, "DE", False),
        ("5511987654321", "BR", False),
        (CH, "CH", True),
    ],
)
def test_countries_without_reports_by_phonenumbers_region(client, runtime, receiver, number, region, reports):
    rule(client, status="DELIVERED_TO_HANDSET", delaySeconds=10)
    send_v2(client, number, notifyUrl=receiver.url, intermediateReport=True)
    runtime.advance(4 * 86400)
    assert bool(receiver.results) == reports
    (message,) = client.get("/__admin/messages").json["messages"]
    assert message["region"] == region
    assert message["noReports"] is not reports
    if not reports:
        assert message["status"] == "PENDING_WAITING_DELIVERY"
        assert client.get("/sms/1/reports", headers=KEY).json["results"] == []


def test_without_reports_rejections_are_still_reported_at_once(client, receiver):
    rule(client, match={"country": "GU"}, status="REJECTED_FLOODING_FILTER")
    body = send_v2(client, GU, notifyUrl=receiver.url)
    assert body["messages"][0]["status"]["name"] == "REJECTED_FLOODING_FILTER"
    assert statuses(receiver) == [(GU, "REJECTED_FLOODING_FILTER")]


@pytest.mark.parametrize(
    ("mode", "status", "at"),
    [
        ("delivered_to_operator", "DELIVERED_TO_OPERATOR", "2026-11-22T10:00:10.000+0000"),
        ("expire", "EXPIRED_DLR_UNKNOWN", "2026-11-24T10:00:00.000+0000"),
    ],
)
def test_no_report_modes(receiver, mode, status, at):
    runtime = Runtime(make_settings(no_dlr_mode=mode))
    app = create_app(runtime)
    app.test_client_class = ContractClient
    client = app.test_client()
    rule(client, status="DELIVERED_TO_HANDSET", delaySeconds=10)
    send_v2(client, GU, notifyUrl=receiver.url)
    runtime.advance(4 * 86400)
    assert [(r["status"]["name"], r["doneAt"]) for r in receiver.results] == [(status, at)]


def test_the_country_list_is_a_setting(receiver):
    runtime = Runtime(make_settings(no_dlr_countries=("CH",)))
    client = create_app(runtime).test_client()
    rule(client, status="DELIVERED_TO_HANDSET", delaySeconds=1)
    send_v2(client, CH, GU, notifyUrl=receiver.url)
    runtime.advance(60)
    assert statuses(receiver) == [(GU, "DELIVERED_TO_HANDSET")]


def test_v3_reports_have_the_v3_shape(client, runtime, receiver):
    rule(client, status="DELIVERED_TO_HANDSET", delaySeconds=1)
    send_v3(
        client,
        CH,
        webhooks={"delivery": {"url": receiver.url}, "callbackData": "ref-1"},
        options={"platform": {"entityId": "e1"}, "campaignReferenceId": "c1"},
    )
    runtime.advance(1)
    (report,) = [r for body in receiver.bodies for r in body["results"]]
    statuses(receiver, version=3)  # validates the v3 contract
    assert report["messageCount"] == 1 and "smsCount" not in report
    assert (report["callbackData"], report["platform"], report["campaignReferenceId"]) == (
        "ref-1",
        {"entityId": "e1"},
        "c1",
    )
    assert report["sender"] == "Shop"


def test_v3_notify_false_means_pull(client, runtime, receiver):
    rule(client, status="DELIVERED_TO_HANDSET", delaySeconds=1)
    send_v3(client, CH, webhooks={"delivery": {"url": receiver.url, "notify": False}})
    runtime.advance(1)
    assert receiver.bodies == []
    assert [r["to"] for r in client.get("/sms/3/reports", headers=KEY).json["results"]] == [CH]


def test_no_nulls_and_callback_data_echoed(client, runtime, receiver):
    rule(client, status="DELIVERED_TO_HANDSET", delaySeconds=1)
    send_v2(client, CH, notifyUrl=receiver.url, callbackData="order-7")
    client.post(
        "/sms/2/text/advanced",
        headers=KEY,
        json={"messages": [{"destinations": [{"to": CH}], "notifyUrl": receiver.url}]},
    )
    runtime.advance(1)
    first, second = receiver.results
    assert first["callbackData"] == "order-7"
    assert "callbackData" not in second and "from" not in second
    assert None not in [v for r in receiver.results for v in r.values()]


def test_send_at_schedules_the_message(client, runtime, receiver):
    rule(client, status="DELIVERED_TO_HANDSET", delaySeconds=5)
    send_v2(client, CH, notifyUrl=receiver.url, sendAt="2026-11-22T11:00:00.000+0000")
    runtime.advance(3600)
    assert receiver.results == []
    runtime.advance(5)
    assert receiver.results[0]["sentAt"] == "2026-11-22T11:00:00.000+0000"


def test_price_per_part_and_region(client, runtime):
    runtime2 = Runtime(make_settings(region_prices={"CH": 0.05}, price_per_part=0.02))
    client2 = create_app(runtime2).test_client()
    send_v2(client2, CH, DE, text="x" * 200)
    send_v2(client2, "999")
    prices = {
        m["to"]: m["price"]["pricePerMessage"]
        for m in client2.get("/sms/1/logs", headers=KEY).json["results"]
    }
    assert prices == {CH: 0.1, DE: 0.04, "999": 0.0}


def test_the_default_profiles_rejections_are_spread_over_infobips_refusals():
    import random

    from mock_infobip.channels.sms.outcomes import PROFILE_REJECTIONS, draw_default

    settings = make_settings(profile_delivered=0, profile_failed=0, profile_expired=0, profile_rejected=1)
    drawn = {draw_default(settings, random.Random(n)).status for n in range(300)}
    assert drawn == set(PROFILE_REJECTIONS)


def test_a_rule_for_a_country_without_reports_says_so(client):
    answer = client.post(
        "/__admin/outcomes", json={"match": {"country": "GU"}, "status": "DELIVERED_TO_HANDSET"}
    )
    assert answer.json["noReports"] is True
    by_number = client.post("/__admin/outcomes", json={"match": {"to": GU}, "status": "DELIVERED_TO_HANDSET"})
    assert by_number.json["noReports"] is True
    elsewhere = client.post("/__admin/outcomes", json={"match": {"to": CH}, "status": "DELIVERED_TO_HANDSET"})
    assert "noReports" not in elsewhere.json
    assert [r.get("noReports", False) for r in client.get("/__admin/outcomes").json["outcomes"]] == [
        False,
        True,
        True,
    ]


def test_the_handle_warns_about_a_rule_whose_reports_never_come():
    import warnings

    from mock_infobip import fake
    from mock_infobip.testing import NoReportsWarning

    with fake() as infobip, warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        infobip.outcome("DELIVERED_TO_HANDSET", country="GU")
        infobip.outcome("REJECTED_NOT_ENOUGH_CREDITS", country="GU")  # rejections are reported there
        infobip.outcome("DELIVERED_TO_HANDSET", country="CH")
    assert [type(w.message) for w in caught] == [NoReportsWarning]


def test_a_scheduled_message_without_reports_changes_nothing_before_send_at(client, runtime):
    """Issue #37, 3: it showed PENDING_WAITING_DELIVERY at once, with a history entry dated in the
    future, and after a cancel read "12:00 ACCEPTED, 13:00 WAITING, 12:00 CANCELED"."""
    rule(client, status="DELIVERED_TO_HANDSET", delaySeconds=10)
    later = send_v2(client, GU, sendAt="2026-11-22T11:00:00.000+0000")
    canceled = send_v2(client, GU, sendAt="2026-11-22T11:00:00.000+0000")

    def history(message_id: str) -> list[tuple[str, str]]:
        listed = {m["messageId"]: m for m in client.get("/__admin/messages").json["messages"]}
        return [(h["at"][11:16], h["status"]) for h in listed[message_id]["history"]]

    later_id, canceled_id = later["messages"][0]["messageId"], canceled["messages"][0]["messageId"]
    (log,) = [r for r in client.get("/sms/1/logs", headers=KEY).json["results"] if r["messageId"] == later_id]
    assert log["status"]["name"] == "PENDING_ACCEPTED"
    assert history(later_id) == [("10:00", "PENDING_ACCEPTED")]
    bulk = canceled["bulkId"]
    answer = client.put(f"/sms/1/bulks/status?bulkId={bulk}", json={"status": "CANCELED"}, headers=KEY)
    assert answer.status_code == 200, answer.json
    runtime.advance(3600)
    assert history(later_id) == [("10:00", "PENDING_ACCEPTED"), ("11:00", "PENDING_WAITING_DELIVERY")]
    assert history(canceled_id) == [("10:00", "PENDING_ACCEPTED"), ("10:00", "CANCELLED")]

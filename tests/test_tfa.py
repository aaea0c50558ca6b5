"""2FA (Infobip's 2FA document): applications and templates, PINs over SMS through the SMS engine,
voice and email recorded, verification on the fake's clock, the limits exact, and the test's view
of the PIN (the handset's text, ``last_pin``, a forced PIN). Every answer is checked against its
contract by the test client."""

from __future__ import annotations

import re
import threading
from typing import Any

import pytest

from tests.sms_helpers import KEY, rule

BOTH_BACKENDS = True  # SQLite and PostgreSQL (tests/conftest.py)

CH, GB = "41793026727", "447491163443"


def app(client: Any, **configuration: Any) -> str:
    body = {"name": "Sign-up", **({"configuration": configuration} if configuration else {})}
    answer = client.post("/2fa/2/applications", json=body, headers=KEY)
    assert answer.status_code == 200, answer.json  # 200 as the SDKs read it, not the document's 201
    return str(answer.json["applicationId"])


def template(client: Any, app_id: str, **fields: Any) -> str:
    body = {"messageText": "Your code is {{pin}}", "pinType": "NUMERIC", "pinLength": 6, **fields}
    answer = client.post(f"/2fa/2/applications/{app_id}/messages", json=body, headers=KEY)
    assert answer.status_code == 200, answer.json
    return str(answer.json["messageId"])


def send(
    client: Any, app_id: str, message_id: str, to: str = CH, path: str = "/2fa/2/pin", **extra: Any
) -> Any:
    body = {"applicationId": app_id, "messageId": message_id, "to": to, **extra}
    return client.post(path, json=body, headers=KEY)


def verify(client: Any, pin_id: str, pin: str) -> Any:
    return client.post(f"/2fa/2/pin/{pin_id}/verify", json={"pin": pin}, headers=KEY)


def pin_of(client: Any, pin_id: str) -> str:
    (found,) = client.get("/__admin/2fa/pins", query_string={"pinId": pin_id}).json["pins"]
    return str(found["pin"])


# --- configuration --------------------------------------------------------------------------------


def test_an_application_has_infobips_defaults_and_can_be_changed(client):
    app_id = app(client)
    got = client.get(f"/2fa/2/applications/{app_id}", headers=KEY).json
    assert got["configuration"] == {
        "pinAttempts": 10,
        "allowMultiplePinVerifications": True,
        "pinTimeToLive": "15m",
        "verifyPinLimit": "1/3s",
        "sendPinPerApplicationLimit": "10000/1d",
        "sendPinPerPhoneNumberLimit": "3/1d",
    }
    assert got["enabled"] is True and got["name"] == "Sign-up"
    changed = client.put(
        f"/2fa/2/applications/{app_id}",
        json={"name": "Login", "enabled": False, "configuration": {"pinAttempts": 3}},
        headers=KEY,
    ).json
    assert (changed["name"], changed["enabled"], changed["configuration"]["pinAttempts"]) == (
        "Login",
        False,
        3,
    )
    assert changed["configuration"]["pinTimeToLive"] == "15m"  # what was not given is kept
    assert [a["applicationId"] for a in client.get("/2fa/2/applications", headers=KEY).json] == [app_id]


@pytest.mark.parametrize(
    ("configuration", "field"),
    [
        ({"pinTimeToLive": "15 minutes"}, "configuration.pinTimeToLive"),
        ({"pinTimeToLive": "400d"}, "configuration.pinTimeToLive"),
        ({"verifyPinLimit": "1/2d"}, "configuration.verifyPinLimit"),
        ({"sendPinPerPhoneNumberLimit": "3"}, "configuration.sendPinPerPhoneNumberLimit"),
        ({"pinAttempts": 0}, "configuration.pinAttempts"),
    ],
)
def test_a_bad_configuration_is_a_400_naming_it_and_creates_nothing(client, configuration, field):
    answer = client.post(
        "/2fa/2/applications", json={"name": "x", "configuration": configuration}, headers=KEY
    )
    assert answer.status_code == 400
    assert field in answer.json["requestError"]["serviceException"]["validationErrors"]
    assert client.get("/2fa/2/applications", headers=KEY).json == []


def test_templates_sms_and_email(client):
    app_id = app(client)
    sms = template(client, app_id, senderId="ACME", language="en")
    email_body = {"emailTemplateId": 1234, "from": "company@example.com", "pinLength": 8}
    email = client.post(f"/2fa/2/applications/{app_id}/email/messages", json=email_body, headers=KEY).json
    assert email["pinType"] == "NUMERIC" and email["pinLength"] == 8 and email["emailTemplateId"] == 1234
    listed = client.get(f"/2fa/2/applications/{app_id}/messages", headers=KEY).json
    assert [t["messageId"] for t in listed] == [sms, email["messageId"]]
    got = client.get(f"/2fa/2/applications/{app_id}/messages/{sms}", headers=KEY).json
    assert (got["pinPlaceholder"], got["senderId"], got["pinLength"]) == ("{{pin}}", "ACME", 6)
    changed = client.put(
        f"/2fa/2/applications/{app_id}/messages/{sms}", json={"pinType": "HEX"}, headers=KEY
    ).json
    assert (changed["pinType"], changed["messageText"]) == ("HEX", "Your code is {{pin}}")
    wrong_path = client.put(f"/2fa/2/applications/{app_id}/email/messages/{sms}", json={}, headers=KEY)
    assert wrong_path.status_code == 400


def test_a_template_needs_the_pin_placeholder(client):
    app_id = app(client)
    answer = client.post(
        f"/2fa/2/applications/{app_id}/messages",
        json={"messageText": "Hi", "pinType": "NUMERIC"},
        headers=KEY,
    )
    assert answer.status_code == 400
    assert "messageText" in answer.json["requestError"]["serviceException"]["validationErrors"]


def test_what_another_account_has_is_not_found(client, runtime):
    app_id = app(client)
    runtime.accounts.create("Other", ["other-key"])
    other = "other-key"
    answer = client.get(f"/2fa/2/applications/{app_id}", headers={"Authorization": f"App {other}"})
    assert answer.status_code == 404
    assert answer.json["requestError"]["serviceException"]["text"] == "Application not found"
    assert client.get(f"/2fa/2/applications/{app_id}/messages/NOPE", headers=KEY).status_code == 404
    assert verify(client, "NOPE", "1234").status_code == 404


# --- PINs over SMS ----------------------------------------------------------------------------------


def test_a_pin_goes_out_as_an_sms_of_the_engine(client, runtime):
    rule(client, status="DELIVERED_TO_HANDSET", delaySeconds=5)
    app_id = app(client)
    message_id = template(client, app_id, messageText="Hi {{name}}, {{pin}} is your code", senderId="ACME")
    answer = send(client, app_id, message_id, placeholders={"name": "Ana"}, trackDelivery=True)
    assert answer.status_code == 200
    sent = answer.json
    assert (sent["to"], sent["ncStatus"], sent["smsStatus"]) == (
        CH,
        "NC_DESTINATION_REACHABLE",
        "MESSAGE_SENT",
    )
    pin = pin_of(client, sent["pinId"])
    assert re.fullmatch(r"[0-9]{6}", pin)
    (sms,) = client.get("/__admin/messages").json["messages"]
    assert (sms["text"], sms["sender"], sms["messageId"]) == (
        f"Hi Ana, {pin} is your code",
        "ACME",
        sent["externalMessageId"],
    )
    (log,) = client.get("/sms/3/logs", headers=KEY).json["results"]
    assert log["content"]["text"] == f"Hi Ana, {pin} is your code"
    runtime.advance(5)
    (report,) = client.get("/sms/3/reports", headers=KEY).json["results"]
    assert report["messageId"] == sent["externalMessageId"]


def test_a_pin_to_a_number_that_is_none_is_not_sent(client):
    app_id, message_id = (a := app(client)), template(client, a)
    sent = send(client, app_id, message_id, to="12").json
    assert (sent["ncStatus"], sent["smsStatus"]) == ("NC_DESTINATION_UNKNOWN", "MESSAGE_NOT_SENT")
    without_lookup = client.post(
        "/2fa/2/pin",
        json={"applicationId": app_id, "messageId": message_id, "to": GB},
        query_string={"ncNeeded": "false"},
        headers=KEY,
    ).json
    assert "ncStatus" not in without_lookup and "externalMessageId" not in without_lookup


@pytest.mark.parametrize(
    ("pin_type", "alphabet"),
    [("NUMERIC", "0-9"), ("ALPHA", "A-Z"), ("HEX", "0-9A-F"), ("ALPHANUMERIC", "0-9A-Z")],
)
def test_the_pin_is_of_the_templates_type_and_length(client, pin_type, alphabet):
    app_id = app(client)
    message_id = template(client, app_id, pinType=pin_type, pinLength=12)
    pin = pin_of(client, send(client, app_id, message_id).json["pinId"])
    assert re.fullmatch(f"[{alphabet}]{{12}}", pin)


def test_a_forced_pin_and_last_pin_read_it_as_a_test_needs():
    from mock_infobip import fake

    with fake() as infobip:
        import requests

        base = infobip.base_url
        made = requests.post(base + "/2fa/2/applications", json={"name": "A"}, headers=infobip.headers).json()
        app_id = made["applicationId"]
        body = {"messageText": "{{pin}}", "pinType": "NUMERIC"}
        message_id = requests.post(
            f"{base}/2fa/2/applications/{app_id}/messages", json=body, headers=infobip.headers
        ).json()["messageId"]
        infobip.force_pin(CH, "1234")
        pin_body = {"applicationId": app_id, "messageId": message_id, "to": CH}
        pin_id = requests.post(base + "/2fa/2/pin", json=pin_body, headers=infobip.headers).json()["pinId"]
        assert infobip.last_pin(CH) == "1234"
        assert infobip.messages(to=CH)[0]["text"] == "1234"
        wrong = requests.post(
            f"{base}/2fa/2/pin/{pin_id}/verify", json={"pin": "9999"}, headers=infobip.headers
        )
        assert wrong.json()["pinError"] == "WRONG_PIN"
        infobip.clock.advance(3)
        right = requests.post(
            f"{base}/2fa/2/pin/{pin_id}/verify", json={"pin": "1234"}, headers=infobip.headers
        )
        assert right.json()["verified"] is True
        infobip.force_pin(CH, None)
        requests.post(base + "/2fa/2/pin", json=pin_body, headers=infobip.headers)
        assert infobip.last_pin(CH) != "1234"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"placeholders": {"pin": "1"}}, "placeholders.pin"),
        ({"placeholders": {"{x}": "1"}}, "placeholders.{x}"),
    ],
)
def test_placeholders_may_not_be_the_pin(client, body, field):
    app_id = app(client)
    answer = send(client, app_id, template(client, app_id), **body)
    assert answer.status_code == 400
    assert field in answer.json["requestError"]["serviceException"]["validationErrors"]
    assert client.get("/__admin/messages").json["messages"] == []


def test_a_disabled_application_sends_nothing(client):
    app_id = app(client)
    message_id = template(client, app_id)
    client.put(f"/2fa/2/applications/{app_id}", json={"name": "x", "enabled": False}, headers=KEY)
    assert send(client, app_id, message_id).status_code == 400
    assert client.get("/__admin/2fa/pins").json["pins"] == []


# --- verification ---------------------------------------------------------------------------------


def test_wrong_pins_use_up_the_attempts(client, runtime):
    app_id = app(client, pinAttempts=2)
    pin_id = send(client, app_id, template(client, app_id)).json["pinId"]
    pin = pin_of(client, pin_id)
    answers = []
    for given in ("000000", "111111", pin):
        answers.append(verify(client, pin_id, given).json)
        runtime.advance(3)
    assert [(a["verified"], a["attemptsRemaining"], a.get("pinError")) for a in answers] == [
        (False, 1, "WRONG_PIN"),
        (False, 0, "WRONG_PIN"),
        (False, 0, "NO_MORE_PIN_ATTEMPTS"),
    ]


def test_a_pin_expires_on_the_fakes_clock(client, runtime):
    app_id = app(client, pinTimeToLive="10m")
    pin_id = send(client, app_id, template(client, app_id)).json["pinId"]
    pin = pin_of(client, pin_id)
    runtime.advance(600)
    answer = verify(client, pin_id, pin).json
    assert (answer["verified"], answer["pinError"]) == (False, "TTL_EXPIRED")


def test_verifying_twice_is_allowed_or_not_as_the_application_says(client, runtime):
    for allowed, second in ((True, (True, None)), (False, (False, "PIN_ALREADY_VERIFIED"))):
        app_id = app(client, allowMultiplePinVerifications=allowed)
        pin_id = send(client, app_id, template(client, app_id), to=GB if allowed else CH).json["pinId"]
        pin = pin_of(client, pin_id)
        assert verify(client, pin_id, pin).json["verified"] is True
        runtime.advance(3)
        again = verify(client, pin_id, pin).json
        assert (again["verified"], again.get("pinError")) == second


def test_the_verify_limit_is_a_429_until_its_window_passes(client, runtime):
    app_id = app(client, verifyPinLimit="2/10s")
    pin_id = send(client, app_id, template(client, app_id)).json["pinId"]
    assert [verify(client, pin_id, "0").status_code for _ in range(3)] == [200, 200, 429]
    runtime.advance(9)
    assert verify(client, pin_id, "0").status_code == 429
    runtime.advance(1)
    assert verify(client, pin_id, "0").status_code == 200
    assert verify(client, pin_id, "0").json["attemptsRemaining"] == 6  # 4 wrong PINs: the 429s used none


def test_the_send_limits_per_number_and_per_application(client, runtime):
    app_id = app(client, sendPinPerPhoneNumberLimit="2/1h", sendPinPerApplicationLimit="3/1d")
    message_id = template(client, app_id)
    statuses = [send(client, app_id, message_id, to=to).status_code for to in (CH, CH, CH, GB, GB)]
    assert statuses == [200, 200, 429, 200, 429]  # the 5th: the application's 3 a day
    assert len(client.get("/__admin/messages").json["messages"]) == 3  # nothing sent for a 429
    runtime.advance(24 * 3600)
    assert send(client, app_id, message_id, to=CH).status_code == 200


def test_the_send_limit_is_exact_under_concurrent_requests(client):
    app_id = app(client, sendPinPerPhoneNumberLimit="3/1d")
    message_id = template(client, app_id)
    statuses: list[int] = []
    barrier = threading.Barrier(8)

    def one() -> None:
        barrier.wait()
        statuses.append(send(client, app_id, message_id).status_code)

    threads = [threading.Thread(target=one) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [200] * 3 + [429] * 5


def test_a_resend_is_the_same_pin_again(client, runtime):
    app_id = app(client)
    message_id = template(client, app_id)
    pin_id = send(client, app_id, message_id).json["pinId"]
    again = client.post(f"/2fa/2/pin/{pin_id}/resend", json={}, headers=KEY)
    assert again.status_code == 200 and again.json["pinId"] == pin_id
    texts = [m["text"] for m in client.get("/__admin/messages").json["messages"]]
    assert len(texts) == 2 and texts[0] == texts[1]
    assert verify(client, pin_id, pin_of(client, pin_id)).json["verified"] is True
    refused = client.post(f"/2fa/2/pin/{pin_id}/resend", json={}, headers=KEY)
    assert refused.status_code == 400


def test_voice_and_email_pins_are_recorded_and_verified(client, runtime):
    app_id = app(client)
    voice = send(client, app_id, template(client, app_id), path="/2fa/2/pin/voice").json
    assert voice["callStatus"] == "PENDING_ACCEPTED"
    email_template = client.post(
        f"/2fa/2/applications/{app_id}/email/messages", json={"emailTemplateId": 1}, headers=KEY
    ).json["messageId"]
    email = send(client, app_id, email_template, to="ana@example.com", path="/2fa/2/pin/email").json
    assert email["emailStatus"]["name"] == "PENDING_ACCEPTED"
    assert client.get("/__admin/messages").json["messages"] == []  # no SMS for either
    answer = verify(client, email["pinId"], pin_of(client, email["pinId"])).json
    assert (answer["verified"], answer["msisdn"]) == (True, "ana@example.com")
    wrong_kind = send(client, app_id, email_template, to=CH)
    assert wrong_kind.status_code == 400


def test_verifications_list_the_pins_of_a_number(client, runtime):
    app_id = app(client)
    message_id = template(client, app_id)
    first = send(client, app_id, message_id).json["pinId"]
    runtime.advance(60)
    send(client, app_id, message_id)
    verify(client, first, pin_of(client, first))
    listed = client.get(
        f"/2fa/2/applications/{app_id}/verifications", query_string={"msisdn": CH}, headers=KEY
    )
    found = listed.json["verifications"]
    assert [v["verified"] for v in found] == [False, True]
    assert found[1]["verifiedAt"] >= found[1]["sentAt"] and found[0]["sentAt"] - found[1]["sentAt"] == 60_000
    only = client.get(
        f"/2fa/2/applications/{app_id}/verifications",
        query_string={"msisdn": CH, "verified": "true"},
        headers=KEY,
    ).json["verifications"]
    assert len(only) == 1
    missing = client.get(f"/2fa/2/applications/{app_id}/verifications", headers=KEY)
    assert missing.status_code == 400


def test_the_messages_dashboard_page_shows_its_pin(client):
    app_id = app(client)
    sent = send(client, app_id, template(client, app_id), trackDelivery=True).json
    page = client.get(f"/dashboard/messages/{sent['externalMessageId']}").get_data(as_text=True)
    assert f"2FA PIN <b>{pin_of(client, sent['pinId'])}</b>" in page
    assert "not verified, 10 attempt(s) left" in page


def test_a_pin_to_a_country_without_reports_is_as_any_sms_there(client, runtime):
    app_id = app(client)
    sent = send(client, app_id, template(client, app_id), to="4915123456789", trackDelivery=True).json
    assert sent["smsStatus"] == "MESSAGE_SENT"
    (message,) = client.get("/__admin/messages").json["messages"]
    assert message["noReports"] is True and message["messageId"] == sent["externalMessageId"]
    runtime.advance(5 * 24 * 3600)
    assert client.get("/sms/3/reports", headers=KEY).json["results"] == []
    assert verify(client, sent["pinId"], pin_of(client, sent["pinId"])).json["verified"] is False  # expired

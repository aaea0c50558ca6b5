import requests

BASE = "https://api.infobip.com"


def test_a_pin_sent_read_and_verified(infobip):
    headers = infobip.headers
    application = requests.post(
        f"{BASE}/2fa/2/applications",
        headers=headers,
        json={"name": "Sign-up", "configuration": {"pinAttempts": 3, "verifyPinLimit": "1/3s"}},
    ).json()
    template = requests.post(
        f"{BASE}/2fa/2/applications/{application['applicationId']}/messages",
        headers=headers,
        json={
            "messageText": "Your code is {{pin}}",
            "pinType": "NUMERIC",
            "pinLength": 6,
            "senderId": "ACME",
        },
    ).json()
    sent = requests.post(
        f"{BASE}/2fa/2/pin",
        headers=headers,
        json={
            "applicationId": application["applicationId"],
            "messageId": template["messageId"],
            "to": "41793026727",
        },
    ).json()
    assert sent["smsStatus"] == "MESSAGE_SENT"

    wrong = requests.post(f"{BASE}/2fa/2/pin/{sent['pinId']}/verify", headers=headers, json={"pin": "000000"})
    assert (wrong.json()["verified"], wrong.json()["pinError"]) == (False, "WRONG_PIN")

    infobip.clock.advance(3)  # past verifyPinLimit (1/3s)
    pin = infobip.last_pin("41793026727")  # what the handset got
    right = requests.post(f"{BASE}/2fa/2/pin/{sent['pinId']}/verify", headers=headers, json={"pin": pin})
    assert right.json()["verified"] is True

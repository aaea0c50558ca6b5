"""The inbox (issue #38), first part: every message in the admin listing carries ``otp`` (a 2FA
message's PIN, else the first code of 4 to 10 digits in its text, or null) and ``links`` (the
URLs in its text); inbound messages too."""

from __future__ import annotations

import pytest
import requests

from mock_infobip import fake
from mock_infobip.channels.messages.extract import code_in, links_in

SHOP = "447491163443"


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Your code is 482913.", "482913"),
        ("Order 12 shipped; code 0042", "0042"),  # 12 is too short: the first run of 4 to 10 digits
        ("Call +41 79 302 67 27", None),  # 2 or 3 digits a group: no code
        ("12345678901 is too long", None),
        ("", None),
    ],
)
def test_the_code_of_a_text(text, code):
    assert code_in(text) == code


def test_the_links_of_a_text():
    text = "Confirm at https://shop.example/c?t=1, or http://x.io/a). Not ftp://y or https:/z"
    assert links_in(text) == ["https://shop.example/c?t=1", "http://x.io/a"]


def test_the_admin_listing_gives_each_message_its_otp_and_links():
    with fake() as infobip:
        base, headers = infobip.base_url, infobip.headers
        body = {
            "messages": [
                {
                    "destinations": [{"to": "41793026727"}],
                    "text": "Sale 2026: code 7731 at https://shop.example/s",
                },
                {"destinations": [{"to": "41793026728"}], "text": "Hello"},
            ]
        }
        requests.post(base + "/sms/2/text/advanced", json=body, headers=headers)
        app_id = requests.post(base + "/2fa/2/applications", json={"name": "A"}, headers=headers).json()[
            "applicationId"
        ]
        template = {"messageText": "Ref 1234567: your PIN is {{pin}}", "pinType": "NUMERIC", "pinLength": 6}
        message_id = requests.post(
            f"{base}/2fa/2/applications/{app_id}/messages", json=template, headers=headers
        ).json()["messageId"]
        requests.post(
            base + "/2fa/2/pin",
            json={"applicationId": app_id, "messageId": message_id, "to": "41793026729"},
            headers=headers,
        )
        listed = {m["to"]: m for m in requests.get(base + "/__admin/messages").json()["messages"]}
        assert (listed["41793026727"]["otp"], listed["41793026727"]["links"]) == (
            "2026",
            ["https://shop.example/s"],
        )
        assert (listed["41793026728"]["otp"], listed["41793026728"]["links"]) == (None, [])
        assert listed["41793026729"]["otp"] == infobip.last_pin("41793026729")  # the PIN, not the reference
        infobip.number(SHOP)
        infobip.handset("41793026727", SHOP, "my code was 7731, see https://x.example")
        (inbound,) = requests.get(base + "/__admin/inbound").json()["messages"]
        assert (inbound["otp"], inbound["links"]) == ("7731", ["https://x.example"])

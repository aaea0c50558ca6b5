import requests

SHOP = "447491163443"


def test_double_opt_in_by_reply(infobip):
    infobip.number(SHOP, keywords=["YES", "STOP"])  # no forward URL: replies are pulled
    infobip.outcome("DELIVERED_TO_HANDSET", delay_seconds=5, reply="yes please", reply_delay_seconds=60)

    requests.post(
        "https://api.infobip.com/sms/2/text/advanced",
        headers=infobip.headers,
        json={
            "messages": [
                {"from": SHOP, "text": "Reply YES to subscribe", "destinations": [{"to": "41793026727"}]}
            ]
        },
    )
    infobip.clock.advance(65)  # delivered after 5 s, answered 60 s later

    inbox = requests.get("https://api.infobip.com/sms/1/inbox/reports", headers=infobip.headers).json()
    (reply,) = inbox["results"]
    assert (reply["from"], reply["keyword"], reply["cleanText"]) == ("41793026727", "YES", "please")


def test_an_mms_and_a_picture_back(infobip):
    infobip.number(SHOP)
    sent = requests.post(
        "https://api.infobip.com/mms/2/messages",
        headers=infobip.headers,
        json={
            "messages": [
                {
                    "sender": SHOP,
                    "destinations": [{"to": "41793026727"}],
                    "content": {
                        "title": "Spring sale",
                        "messageSegments": [
                            {"type": "TEXT", "text": "20% off today"},
                            {
                                "type": "LINK",
                                "contentType": "image/jpeg",
                                "contentUrl": "https://cdn.test/a.jpg",
                            },
                        ],
                    },
                }
            ]
        },
    ).json()
    assert sent["messages"][0]["status"]["groupName"] == "PENDING"

    infobip.runtime.inbound.receive(  # a handset sends a picture back (an inbound MMS)
        {
            "from": "41793026727",
            "to": SHOP,
            "segments": [{"contentType": "image/jpeg", "url": "https://h.test/b.jpg"}],
        }
    )
    (mms,) = requests.get("https://api.infobip.com/mms/1/inbox/reports", headers=infobip.headers).json()[
        "results"
    ]
    assert (mms["from"], mms["mmsCount"]) == ("41793026727", 1)

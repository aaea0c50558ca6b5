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

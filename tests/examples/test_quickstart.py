import requests


def test_a_delivery_report_30_seconds_later(infobip):
    infobip.outcome("DELIVERED_TO_HANDSET", delay_seconds=30)
    sent = requests.post(
        "https://api.infobip.com/sms/2/text/advanced",
        headers=infobip.headers,
        json={"messages": [{"from": "Shop", "text": "Hi", "destinations": [{"to": "41793026727"}]}]},
    ).json()
    infobip.clock.advance(30)  # the fake's clock: nobody waits
    reports = requests.get("https://api.infobip.com/sms/1/reports", headers=infobip.headers).json()
    assert reports["results"][0]["messageId"] == sent["messages"][0]["messageId"]
    assert reports["results"][0]["status"]["name"] == "DELIVERED_TO_HANDSET"

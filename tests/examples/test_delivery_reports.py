import requests
from flask import Flask, request

received = []
receiver = Flask("receiver")


@receiver.post("/dlr")
def dlr():
    received.extend(request.get_json()["results"])
    return "", 204


def test_reports_arrive_at_their_time(infobip):
    url = infobip.add_receiver(receiver, "http://crm.test")  # callbacks to it stay in process
    infobip.outcome("DELIVERED_TO_HANDSET", country="CH", delay_seconds=30)
    infobip.outcome("REJECTED_NOT_ENOUGH_CREDITS", to="41793026834")

    requests.post(
        "https://api.infobip.com/sms/2/text/advanced",
        headers=infobip.headers,
        json={
            "messages": [
                {
                    "from": "Shop",
                    "text": "Your code: 1234",
                    "notifyUrl": f"{url}/dlr",
                    "destinations": [{"to": "41793026727"}, {"to": "41793026834"}],
                }
            ]
        },
    )
    assert [r["status"]["name"] for r in received] == ["REJECTED_NOT_ENOUGH_CREDITS"]  # at once

    infobip.clock.advance(30)  # everything due by then, callbacks included, is done
    assert [r["status"]["name"] for r in received] == ["REJECTED_NOT_ENOUGH_CREDITS", "DELIVERED_TO_HANDSET"]

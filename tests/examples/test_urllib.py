import json
import urllib.request


def test_urllib_in_process(infobip):
    call = urllib.request.Request(
        "https://api.infobip.com/saas/amplitude/1/lists",
        method="POST",
        data=json.dumps({"name": "[Amplitude] VIPs: 7"}).encode(),
        headers={**infobip.headers, "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(call, timeout=5) as answer:
        assert json.load(answer)["listId"] >= 1

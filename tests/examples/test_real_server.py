import json
import urllib.request


def test_a_client_without_requests(infobip_server):
    # infobip_server is a real server on loopback, shared by the session, reset per test.
    call = urllib.request.Request(
        infobip_server.base_url + "/saas/amplitude/1/lists",
        method="POST",
        data=json.dumps({"name": "[Amplitude] VIPs: 7"}).encode(),
        headers={**infobip_server.headers, "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(call) as answer:
        assert json.load(answer)["listId"] >= 1
    assert [entry["name"] for entry in infobip_server.lists()] == ["[Amplitude] VIPs: 7"]

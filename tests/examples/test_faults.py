import pytest
import requests


@pytest.mark.infobip(rate_limit_create=0)  # settings for this test's fake
def test_a_client_survives_two_503s_and_a_dropped_connection(infobip):
    infobip.fault(path="/saas/amplitude/1/lists", status=503, times=2)
    url = "https://api.infobip.com/saas/amplitude/1/lists"

    statuses = [requests.post(url, json={"name": "x"}, headers=infobip.headers).status_code for _ in range(3)]
    assert statuses == [503, 503, 200]

    infobip.fault(method="POST", path="/saas/*", drop=True, times=1)
    with pytest.raises(requests.ConnectionError):  # just as a dropped connection would
        requests.post(url, json={"name": "y"}, headers=infobip.headers)

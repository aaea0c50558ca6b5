import pytest
import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry


@pytest.mark.infobip(rate_limit_create=0)
def test_requests_with_retries(infobip):
    # The fake sits below urllib3: the adapter's Retry sees the 503s and retries, as over a network.
    session = requests.Session()
    session.mount(
        "https://", HTTPAdapter(max_retries=Retry(total=3, status_forcelist=[503], allowed_methods=None))
    )
    infobip.fault(path="/saas/amplitude/1/lists", status=503, times=2)

    url = "https://api.infobip.com/saas/amplitude/1/lists"
    answer = session.post(url, json={"name": "x"}, headers=infobip.headers, timeout=5)

    assert answer.status_code == 200
    infobip.assert_requested("POST", "/saas/amplitude/1/lists", times=3)

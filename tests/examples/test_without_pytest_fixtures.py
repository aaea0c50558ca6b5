import requests

from mock_infobip import fake


@fake("https://my-tenant.api.infobip.com", rate_limit_create=0)
def test_the_decorator_serves_any_base_url(infobip):
    url = "https://my-tenant.api.infobip.com/saas/amplitude/1/lists"
    assert requests.post(url, json={"name": "a"}, headers=infobip.headers).status_code == 200


def test_the_context_manager():
    with fake() as infobip:
        response = requests.get("https://api.infobip.com/sms/1/logs", headers=infobip.headers)
        assert response.json() == {"results": []}

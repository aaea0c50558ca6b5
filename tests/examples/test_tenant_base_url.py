import pytest
import requests


@pytest.mark.infobip(base_urls=["https://my-tenant.api.infobip.com"])
def test_a_tenant_base_url(infobip):
    # Also as an ini option: infobip_base_urls = https://my-tenant.api.infobip.com
    answer = requests.get("https://my-tenant.api.infobip.com/sms/1/logs", headers=infobip.headers)
    assert answer.json() == {"results": []}
    assert infobip.base_url == "https://my-tenant.api.infobip.com"

import pytest
import requests

from mock_infobip import RealInfobipBlocked


def test_a_call_to_the_real_infobip_is_refused(infobip):
    # Only https://api.infobip.com is served here: another Infobip host is refused, and the test
    # that expects it says so with pytest.raises (caught in the test, it does not fail the test).
    with pytest.raises(RealInfobipBlocked, match=r"eu\.api\.infobip\.com"):
        requests.get("https://eu.api.infobip.com/sms/1/logs", headers=infobip.headers)

"""The example of docs/2fa.md ("Testing OTP flows"), run as it is shown there (the page includes
this file between the markers)."""

from __future__ import annotations

# --8<-- [start:example]
from mock_infobip.clients.signup import SignupVerifier

PHONE = "41793026727"


def test_signup_with_a_wrong_then_the_right_pin(infobip):
    verifier = SignupVerifier(infobip.base_url, infobip.api_key)  # your code, on the 2FA API
    verifier.setup()
    assert verifier.start(PHONE).ok  # POST /2fa/2/pin: the PIN goes out by SMS
    assert verifier.confirm(PHONE, "000000").reason == "WRONG_PIN"
    infobip.clock.advance(3)  # past verifyPinLimit (1/3s), on the fake's clock
    assert verifier.confirm(PHONE, infobip.last_pin(PHONE)).ok
    assert PHONE in verifier.verified


def test_a_known_pin(infobip):
    infobip.force_pin(PHONE, "1234")  # every PIN to that number is 1234 from now on
    verifier = SignupVerifier(infobip.base_url, infobip.api_key)
    verifier.setup()
    verifier.start(PHONE)
    assert "1234" in infobip.messages(to=PHONE)[0]["text"]  # the handset's view
    assert verifier.confirm(PHONE, "1234").ok
    infobip.force_pin(PHONE, None)  # generated again


# --8<-- [end:example]

"""The real clients through the test numbers (issue #37): a campaign sender and its receiver, and a
sign-up verifier, against numbers whose handsets answer by themselves; no admin call chooses an
outcome."""

from __future__ import annotations

from datetime import timedelta

from mock_infobip.clients.campaign import ask_for_score, ask_to_confirm
from mock_infobip.clients.signup import SignupVerifier
from scenarios.platform import Platform

SHOP = "447491163443"
YES, STOP, SCORE, ECHO, SILENT, NEVER = (
    "12025550140",
    "12025550141",
    "12025550142",
    "12025550143",
    "12025550100",
    "12025550130",
)


def test_a_campaign_to_test_numbers_gets_their_own_answers():
    platform = Platform(start="2026-11-22T10:00:00Z")
    try:
        infobip = platform.infobip
        infobip.number(SHOP, forward_url=f"{platform.url}/inbound", keywords=["YES", "STOP"])
        closes = (infobip.clock.now() + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%S.000%z")
        base, key, events = infobip.base_url, infobip.api_key, platform.events
        dlr = f"{platform.url}/dlr"
        to_confirm = [YES, STOP, SILENT]
        ask_to_confirm(
            base, key, numbers=to_confirm, sender=SHOP, events=events, closes_at=closes, callback_url=dlr
        )
        ask_for_score(
            base, key, numbers=[SCORE], sender=SHOP, events=events, campaign="nps", callback_url=dlr
        )
        infobip.clock.advance(10)
        subscriptions = {YES: "subscribed", STOP: "unsubscribed", SILENT: "pending"}  # it never answers
        assert platform.events.subscriptions() == subscriptions
        (score,) = [e.score for e in platform.events.events() if e.score is not None]
        assert 0 <= score <= 10
        delivered = {e.to for e in platform.events.events() if e.status == "delivered"}
        assert {YES, STOP, SILENT, SCORE} <= delivered
    finally:
        platform.close()


def test_a_sign_up_verified_by_the_pin_its_handset_echoes_and_one_whose_pin_never_comes():
    platform = Platform(start="2026-11-22T10:00:00Z")
    try:
        infobip = platform.infobip
        infobip.number(SHOP)
        verifier = SignupVerifier(infobip.base_url, infobip.api_key)
        verifier.setup()
        assert verifier.start("+" + ECHO).ok and verifier.start("+" + NEVER).ok
        infobip.clock.advance(5)
        echoed = [m["text"] for m in infobip.inbound() if m["from"] == ECHO]
        assert len(echoed) == 1 and echoed[0].isdigit()
        assert verifier.confirm("+" + ECHO, echoed[0]).ok
        assert not [m for m in infobip.inbound() if m["from"] == NEVER]  # its PIN never arrived
        assert "+" + NEVER in verifier.pending and "+" + ECHO in verifier.verified
    finally:
        platform.close()

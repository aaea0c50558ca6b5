"""Sign-up and login verification over time: the real sign-up client starts verifications, resends,
and its users type the PIN from their SMS (right, or wrong) while the clock moves. A model of the
PIN's life (attempts, time to live, the send and verify limits, one pending PIN a number) predicts
every outcome; after every step the client's verified and pending numbers, the fake's PINs and the
SMS each handset got agree with it."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pytest
from hypothesis import event
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from mock_infobip.clients.signup import SignupVerifier
from mock_infobip.testing import Fake

PHONES = ("41793026727", "447491163443", "385916242493")
ATTEMPTS, TTL_S, SENDS, SEND_WINDOW_S, VERIFY_WINDOW_S = 3, 600, 3, 3600, 3
CONFIGURATION = {
    "pinAttempts": ATTEMPTS,
    "pinTimeToLive": f"{TTL_S}s",
    "verifyPinLimit": f"1/{VERIFY_WINDOW_S}s",
    "sendPinPerPhoneNumberLimit": f"{SENDS}/{SEND_WINDOW_S}s",
}
CODE = re.compile(r"code is ([0-9]{6})\.")


@dataclass
class PinModel:
    attempts: int
    expires_at: float


@dataclass
class Model:
    now: float = 0.0
    pending: dict[str, PinModel] = field(default_factory=dict)
    verified: set[str] = field(default_factory=set)
    sends: dict[str, list[float]] = field(default_factory=dict)  # phone -> times PINs went out
    verifies: dict[str, list[float]] = field(default_factory=dict)  # phone -> times verified (admitted)

    def may_send(self, phone: str) -> bool:
        return len([t for t in self.sends.get(phone, []) if t > self.now - SEND_WINDOW_S]) < SENDS

    def may_verify(self, phone: str) -> bool:
        return not [t for t in self.verifies.get(phone, []) if t > self.now - VERIFY_WINDOW_S]

    def verify(self, phone: str, right: bool) -> tuple[bool, str | None]:
        """What verifying ``phone``'s pending PIN gives: (verified, reason)."""
        if phone not in self.pending:
            return False, "no_pending_pin"
        if not self.may_verify(phone):
            return False, "rate_limited"
        self.verifies.setdefault(phone, []).append(self.now)
        pin = self.pending[phone]
        if self.now >= pin.expires_at:
            del self.pending[phone]
            return False, "TTL_EXPIRED"
        if pin.attempts <= 0:
            del self.pending[phone]
            return False, "NO_MORE_PIN_ATTEMPTS"
        if not right:
            pin.attempts -= 1
            return False, "WRONG_PIN"
        del self.pending[phone]
        self.verified.add(phone)
        return True, None


class Signup(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.fake = Fake(start="2026-12-01T09:00:00Z")
        self.infobip = self.fake.__enter__()
        for phone in PHONES:  # every PIN SMS reaches its handset
            self.infobip.outcome("DELIVERED_TO_HANDSET", to=phone, delay_seconds=1)
        self.client = SignupVerifier(self.infobip.base_url, self.infobip.api_key, configuration=CONFIGURATION)
        self.client.setup()
        self.model = Model()

    def teardown(self) -> None:
        self.fake.__exit__(None, None, None)

    def handset_code(self, phone: str) -> str:
        """The code in the last SMS the handset got, as its user reads it."""
        (last, *_) = self.infobip.messages(to=phone)
        found = CODE.search(last["text"])
        assert found is not None, last["text"]
        return found.group(1)

    @rule(phone=st.sampled_from(PHONES))
    def start(self, phone: str) -> None:
        outcome = self.client.start(phone)
        if self.model.may_send(phone):
            assert outcome.ok, outcome
            self.model.sends.setdefault(phone, []).append(self.model.now)
            self.model.pending[phone] = PinModel(ATTEMPTS, self.model.now + TTL_S)
        else:
            assert (outcome.ok, outcome.reason) == (False, "rate_limited")
        event(f"start: {outcome.reason or 'sent'}")

    @rule(phone=st.sampled_from(PHONES))
    def resend(self, phone: str) -> None:
        outcome = self.client.resend(phone)
        if phone not in self.model.pending:
            assert outcome.reason == "no_pending_pin"
        elif self.model.may_send(phone):
            assert outcome.ok, outcome
            self.model.sends.setdefault(phone, []).append(self.model.now)
        else:
            assert outcome.reason == "rate_limited"

    @rule(phone=st.sampled_from(PHONES), right=st.booleans())
    def user_types_the_pin(self, phone: str, right: bool) -> None:
        typed = self.handset_code(phone) if phone in self.client.pending else "000000"
        if not right:
            typed = f"{(int(typed) + 1) % 1_000_000:06d}"
        outcome = self.client.confirm(phone, typed)
        verified, reason = self.model.verify(phone, right)
        event(f"verify: {reason or 'verified'}")  # pytest --hypothesis-show-statistics
        assert (outcome.ok, outcome.reason) == (verified, reason)

    @rule(phone=st.sampled_from(PHONES), tries=st.integers(1, 5))
    def user_keeps_guessing(self, phone: str, tries: int) -> None:
        """Wrong PINs one after another, each past the verify limit: the attempts run out."""
        for _ in range(tries):
            self.time_passes(VERIFY_WINDOW_S)
            self.user_types_the_pin(phone, right=False)

    @rule(seconds=st.sampled_from([1, 3, 60, 599, 601, 3600]))
    def time_passes(self, seconds: float) -> None:
        self.infobip.clock.advance(seconds)
        self.model.now += seconds

    @invariant()
    def verified_and_pending_numbers_are_the_models(self) -> None:
        assert self.client.verified == self.model.verified
        assert set(self.client.pending) == set(self.model.pending)

    @invariant()
    def the_fakes_pins_are_the_models(self) -> None:
        for phone, pin in self.model.pending.items():
            latest = self.infobip.pins(to=phone)[0]
            assert latest["pinId"] == self.client.pending[phone]
            assert latest["attemptsRemaining"] == pin.attempts
            assert latest["verified"] is False

    @invariant()
    def each_handset_got_one_sms_a_pin_sent_with_its_code(self) -> None:
        for phone in PHONES:
            texts = [m["text"] for m in self.infobip.messages(to=phone)]
            assert len(texts) == len(self.model.sends.get(phone, []))
            if phone in self.model.pending:
                assert CODE.search(texts[0]).group(1) == self.infobip.last_pin(phone)  # type: ignore[union-attr]


TestSignup = pytest.mark.whitebox(Signup.TestCase)

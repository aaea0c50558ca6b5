"""Two-way campaigns over time: confirmation requests and NPS questions go out through the real
campaign sender, handsets answer (in time, late, twice, STOP, a score, anything), the receiver goes
down and up, the clock moves. After every step: every inbound message reached the receiver exactly
once (or is still on its retry cycle, or pullable once retries ran out), the subscription states
equal a model replayed from the fake's own delivery log, and no number that never answered has an
event."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta

import pytest
from hypothesis import strategies as st
from hypothesis.stateful import invariant, rule

from mock_infobip.clients.campaign import ask_for_score, ask_to_confirm
from mock_infobip.clients.events import INBOUND
from scenarios.platform import PlatformMachine

SHOP = "447491163443"
HANDSETS = ("41793026727", "41793026728", "4915123456789")
WIRE = "%Y-%m-%dT%H:%M:%S.%f%z"
answers = st.sampled_from(["YES", "yes please", "Yes", "STOP", "stop now", "7", "10", "11", "hello", ""])


def wire(text: str) -> datetime:
    return datetime.strptime(text, WIRE)


class TwoWay(PlatformMachine):
    fake_settings = {"start": "2026-11-22T10:00:00Z"}

    def __init__(self) -> None:
        super().__init__()
        self.infobip.number(SHOP, forward_url=f"{self.platform.url}/inbound", keywords=["YES", "STOP"])
        # the model: subscription per number, replayed from the deliveries the fake logged
        self.model: dict[str, tuple[str, str]] = {}  # number -> (state, closes_at)
        self.replayed = 0  # attempts of the delivery log already replayed
        self.answered: set[str] = set()

    # --- the model --------------------------------------------------------------------------------

    def replay(self) -> None:
        """Apply, in the order the fake delivered them, the inbound messages newly answered 2xx."""
        inbound = {m["messageId"]: m for m in self.infobip.inbound()}
        attempts = self.infobip.callbacks()
        for attempt in attempts[self.replayed :]:
            if not (attempt["status"] and 200 <= attempt["status"] < 300):
                continue
            for message_id in attempt["messageIds"]:
                message = inbound[message_id]
                words = message["text"].strip().split(" ", 1)[0].upper() if message["text"].strip() else ""
                state, closes = self.model.get(message["from"], ("", ""))
                if words == "STOP":
                    self.model[message["from"]] = ("unsubscribed", closes)
                elif state == "pending" and words == "YES" and wire(message["receivedAt"]) <= wire(closes):
                    self.model[message["from"]] = ("subscribed", closes)
        self.replayed = len(attempts)

    # --- rules ------------------------------------------------------------------------------------

    @rule(
        to=st.lists(st.sampled_from(HANDSETS), min_size=1, max_size=3, unique=True),
        minutes=st.integers(1, 600),
    )
    def ask_to_confirm(self, to: list[str], minutes: int) -> None:
        closes = (self.infobip.clock.now() + timedelta(minutes=minutes)).strftime("%Y-%m-%dT%H:%M:%S.000%z")
        ask_to_confirm(
            self.infobip.base_url,
            self.infobip.api_key,
            numbers=to,
            sender=SHOP,
            events=self.events,
            closes_at=closes,
        )
        for number in to:
            state, _ = self.model.get(number, ("pending", ""))
            if state in ("pending", ""):
                self.model[number] = ("pending", closes)
        self.replay()

    @rule(to=st.lists(st.sampled_from(HANDSETS), min_size=1, max_size=3, unique=True))
    def ask_for_score(self, to: list[str]) -> None:
        ask_for_score(
            self.infobip.base_url,
            self.infobip.api_key,
            numbers=to,
            sender=SHOP,
            events=self.events,
            campaign="nps",
        )
        self.replay()

    @rule(number=st.sampled_from(HANDSETS), text=answers, twice=st.booleans())
    def handset_answers(self, number: str, text: str, twice: bool) -> None:
        for _ in range(2 if twice else 1):
            self.infobip.handset(number, SHOP, text)
        self.answered.add(number)
        self.replay()

    def moved(self) -> None:
        self.replay()

    # --- invariants -------------------------------------------------------------------------------

    @invariant()
    def every_inbound_message_is_delivered_once_or_waits_or_is_pullable(self) -> None:
        events = [e for e in self.events.events() if e.phase == INBOUND]
        counts = Counter(e.message_id for e in events)
        assert all(count == 1 for count in counts.values())
        delivered = {
            mid
            for a in self.infobip.callbacks()
            if a["status"] and 200 <= a["status"] < 300
            for mid in a["messageIds"]
        }
        assert set(counts) == delivered
        runtime = self.infobip.runtime
        pulled = {
            r["messageId"]
            for r in runtime.inbound.pull(runtime.default_account, {"limit": "1000"})["results"]
        }
        for message in self.infobip.inbound():
            if message["messageId"] in delivered:
                assert message["messageId"] not in pulled
                continue
            retries = [a for a in self.infobip.callbacks() if message["messageId"] in a["messageIds"]]
            if retries and "nextRetryAt" not in retries[-1]:  # retries ran out: pullable, once
                assert message["messageId"] in pulled or message["pulled"], message

    @invariant()
    def subscriptions_equal_the_model(self) -> None:
        expected = {number: state for number, (state, _) in self.model.items() if state}
        assert self.events.subscriptions() == expected

    @invariant()
    def no_event_for_a_number_that_never_answered(self) -> None:
        assert {e.to for e in self.events.events() if e.phase == INBOUND} <= self.answered


TestTwoWay = pytest.mark.whitebox(TwoWay.TestCase)

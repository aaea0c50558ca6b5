"""Campaigns over time: messages to generated numbers with forced or default outcomes, the
receiver going down and up, the clock moving. After every step: the receiver's events are exactly
the final reports pushed successfully (rejected at once, the others at their time, none for
countries without reports, none twice), and callback attempts follow 1 min + 1 min × n²."""

from __future__ import annotations

import itertools
import warnings
from collections import Counter, defaultdict
from datetime import datetime
from typing import Any

import pytest
from hypothesis import strategies as st
from hypothesis.stateful import invariant, rule

from mock_infobip.channels.messages.catalog import catalog
from mock_infobip.clients.campaign import send_campaign
from mock_infobip.clients.events import REPORT
from mock_infobip.testing import NoReportsWarning
from scenarios.platform import PlatformMachine
from scenarios.strategies import STATUS_CLASSES, numbers, outcome_rules, unreadable_numbers

WIRE = "%Y-%m-%dT%H:%M:%S.%f%z"


def wire(text: str) -> datetime:
    return datetime.strptime(text, WIRE)


class Delivery(PlatformMachine):
    def __init__(self) -> None:
        super().__init__()
        self.url = self.platform.url + "/dlr"

    def messages(self) -> dict[str, dict[str, Any]]:
        return {m["messageId"]: m for m in self.infobip.messages()}

    @rule(outcome=outcome_rules)
    def add_outcome(self, outcome: dict[str, Any]) -> None:
        with warnings.catch_warnings():  # rules for countries without reports are part of the point
            warnings.simplefilter("ignore", NoReportsWarning)
            self.infobip.outcome(**outcome)

    @rule(
        to=st.lists(st.one_of(numbers, numbers, unreadable_numbers), min_size=1, max_size=4),
        version=st.sampled_from([2, 3]),
    )
    def campaign(self, to: list[str], version: int) -> None:
        result = send_campaign(
            self.infobip.base_url,
            self.infobip.api_key,
            text="Sale!",
            numbers=to,
            callback_url=self.url,
            events=self.events,
            version=version,
        )
        if not self.platform.down:  # this campaign's rejections are reported at once
            reported = {(e.message_id, e.status) for e in self.events.events() if e.phase == REPORT}
            rejected = {s.name for s in catalog().statuses if s.group_name == "REJECTED"}
            for message in self.messages().values():
                if message["bulkId"] in result.bulk_ids and message["status"] in rejected:
                    assert (message["messageId"], "rejected") in reported
        assert len(result.enqueued) + len(result.failed) == len(to)

    @invariant()
    def events_are_the_final_reports_pushed(self) -> None:
        messages = self.messages()
        pushed = {
            mid
            for a in self.infobip.callbacks()
            if a["status"] and 200 <= a["status"] < 300
            for mid in a["messageIds"]
        }
        expected = set()
        for mid in pushed:
            group = catalog().status(messages[mid]["status"]).group_name  # type: ignore[union-attr]
            expected.add((mid, STATUS_CLASSES[group]))
        events = [e for e in self.events.events() if e.phase == REPORT]
        assert {(e.message_id, e.status) for e in events} == expected
        assert all(count == 1 for count in Counter(e.message_id for e in events).values())
        now = self.infobip.clock.now()
        for event in events:
            message = messages[str(event.message_id)]
            assert not message["noReports"] or event.status == "rejected", message
            assert wire(str(event.done_at)) <= now
            assert (wire(str(event.done_at)) - wire(str(event.sent_at))).total_seconds() <= 4 * 86400

    @invariant()
    def attempts_follow_the_retry_cycle(self) -> None:
        per_message: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for attempt in self.infobip.callbacks():
            for mid in attempt["messageIds"]:
                per_message[mid].append(attempt)
        for attempts in per_message.values():
            for before, after in itertools.pairwise(attempts):
                assert after["retry"] == before["retry"] + 1
                gap = (wire(after["at"]) - wire(before["at"])).total_seconds()
                assert gap == 60 + 60 * before["retry"] ** 2, (before, after)


TestDelivery = pytest.mark.whitebox(Delivery.TestCase)

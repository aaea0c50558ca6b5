"""Test numbers: a destination chooses its outcome. The US range reserved for fiction, +1 202 555
0100 to 0199 (valid numbers that are never assigned to anyone, in a country with delivery
reports), each with one documented behaviour: delivered at once or later, each final group,
rejections at send time, pending for ever, intermediate reports, a handset that answers, for SMS,
MMS and 2FA PIN messages alike (docs/test-numbers.md).

Infobip has no test numbers (its trial sends real SMS to verified numbers): this is the fake's own
convention, Twilio's "magic numbers" made to drive the asynchronous reports and replies too. On
by default (the setting ``test_numbers``); an outcome rule (``POST /__admin/outcomes``) that
matches a test number wins over it. Numbers of the range not in the table follow the default
profile, as any number does.

A reply's text may say ``{score}`` (a score from 0 to 10, drawn from the seed for the message) or
``{code}`` (the first run of 4 to 10 digits in the message's text: a PIN echoed), as any outcome
rule's reply may.
"""

from __future__ import annotations

import dataclasses
import random
from dataclasses import dataclass

from mock_infobip.channels.messages.extract import code_in
from mock_infobip.channels.sms.outcomes import DEFAULT_INTERMEDIATE, NO_ERROR, Outcome, Rule

PREFIX = "1202555"  # +1 202 555 01xx
FIRST, LAST = "12025550100", "12025550199"
REPLY_AFTER_MS = 5_000
DELIVERED = "DELIVERED/DELIVERED_TO_HANDSET"
UNDELIVERABLE = "UNDELIVERABLE/UNDELIVERABLE_NOT_DELIVERED"


@dataclass(frozen=True)
class TestNumber:
    number: str  # E.164 digits, without "+"
    description: str
    outcome: Outcome

    __test__ = False  # not a pytest test class, whatever its name


def _delivered(after_s: float, reply: str | None = None) -> Outcome:
    answer = None if reply is None else (reply, REPLY_AFTER_MS)
    return Outcome(DELIVERED, NO_ERROR, round(after_s * 1000), DEFAULT_INTERMEDIATE, 0, answer)


def _rejected(status: str) -> Outcome:
    return Outcome(f"REJECTED/{status}", NO_ERROR, 0)


TABLE = (
    TestNumber("12025550100", "delivered at once", _delivered(0)),
    TestNumber("12025550101", "delivered after 30 seconds", _delivered(30)),
    TestNumber("12025550102", "delivered after 1 hour", _delivered(3_600)),
    TestNumber(
        "12025550103",
        "delivered after 1 hour; its report arrives 3 days 23 hours after sending (reports come up to "
        "4 days late)",
        dataclasses.replace(_delivered(3_600), report_delay_ms=((3 * 24) + 22) * 3_600_000),
    ),
    TestNumber(
        "12025550104",
        "intermediate statuses (PENDING_ENROUTE, then DELIVERED_TO_OPERATOR; reported when the message "
        "asks for intermediate reports), then delivered after 60 seconds",
        _delivered(60),
    ),
    TestNumber(
        "12025550110",
        "undeliverable after 10 seconds: UNDELIVERABLE_NOT_DELIVERED, EC_UNKNOWN_SUBSCRIBER",
        Outcome(UNDELIVERABLE, "HANDSET_ERRORS/EC_UNKNOWN_SUBSCRIBER", 10_000),
    ),
    TestNumber(
        "12025550111",
        "never answered by the operator: EXPIRED_EXPIRED (EC_VALIDITY_EXPIRED) at the end of the "
        "message's validity period",
        Outcome("EXPIRED/EXPIRED_EXPIRED", "USER_ERRORS/EC_VALIDITY_EXPIRED", None),
    ),
    TestNumber(
        "12025550112",
        "a handset error after 10 seconds: the phone is off (UNDELIVERABLE_NOT_DELIVERED, "
        "EC_ABSENT_SUBSCRIBER_SM)",
        Outcome(UNDELIVERABLE, "HANDSET_ERRORS/EC_ABSENT_SUBSCRIBER_SM", 10_000),
    ),
    TestNumber("12025550120", "rejected at send time: REJECTED_DND", _rejected("REJECTED_DND")),
    TestNumber(
        "12025550121",
        "rejected at send time: REJECTED_DESTINATION_BLOCKLISTED",
        _rejected("REJECTED_DESTINATION_BLOCKLISTED"),
    ),
    TestNumber(
        "12025550122",
        "rejected at send time: REJECTED_NOT_ENOUGH_CREDITS",
        _rejected("REJECTED_NOT_ENOUGH_CREDITS"),
    ),
    TestNumber(
        "12025550123",
        "rejected at send time: REJECTED_FLOODING_FILTER (as Infobip's flooding mechanism rejects)",
        Outcome("REJECTED/REJECTED_FLOODING_FILTER", "USER_ERRORS/EC_DESTINATION_FLOODING", 0),
    ),
    TestNumber("12025550124", "rejected at send time: REJECTED_NETWORK", _rejected("REJECTED_NETWORK")),
    TestNumber(
        "12025550130",
        "pending for ever: PENDING_WAITING_DELIVERY, no report ever (a 2FA PIN that never arrives)",
        Outcome("PENDING/PENDING_WAITING_DELIVERY", NO_ERROR, 0, ()),
    ),
    TestNumber(
        "12025550140",
        "delivered at once; the handset answers YES after 5 seconds (a double opt-in)",
        _delivered(0, "YES"),
    ),
    TestNumber(
        "12025550141", "delivered at once; the handset answers STOP after 5 seconds", _delivered(0, "STOP")
    ),
    TestNumber(
        "12025550142",
        "delivered at once; the handset answers a score from 0 to 10 after 5 seconds (an NPS question)",
        _delivered(0, "{score}"),
    ),
    TestNumber(
        "12025550143",
        "delivered at once; the handset answers the message's code (its first 4 to 10 digits: a PIN "
        "echoed) after 5 seconds",
        _delivered(0, "{code}"),
    ),
)
BY_NUMBER = {entry.number: entry for entry in TABLE}
# as outcome rules, after the user's own (theirs win): ids below every stored rule's
RULES = tuple(Rule(-1 - i, "to", entry.number, entry.outcome) for i, entry in enumerate(TABLE))


def reply_text(template: str, text: str | None, rng: random.Random) -> str:
    """A reply's text: ``{score}`` a score from 0 to 10 (drawn from ``rng``), ``{code}`` the first
    4 to 10 digits of the message's ``text`` (empty when it has none)."""
    if "{score}" in template:
        template = template.replace("{score}", str(rng.randrange(11)))
    if "{code}" in template:
        template = template.replace("{code}", code_in(text) or "")
    return template


def describe() -> list[dict[str, object]]:
    """The table as ``GET /__admin/test-numbers`` lists it."""
    return [
        {
            "number": "+" + entry.number,
            "status": _final_status(entry.outcome),
            "reportDelaySeconds": _report_delay(entry.outcome),
            "reply": None if entry.outcome.reply is None else _shown_reply(entry.outcome.reply[0]),
            "description": entry.description,
        }
        for entry in TABLE
    ]


def _final_status(outcome: Outcome) -> str | None:
    """The final status's name; None for a message that stays pending."""
    group, name = outcome.status.split("/", 1)
    return None if group == "PENDING" else name


def _report_delay(outcome: Outcome) -> float | None:
    """Seconds until the final report: 0 for a rejection (at once), None when there is none or it
    depends on the message (its validity period)."""
    if outcome.status.startswith("REJECTED/"):
        return 0.0
    if outcome.delay_ms is None or outcome.status.startswith("PENDING/"):
        return None
    return (outcome.delay_ms + outcome.report_delay_ms) / 1000


def _shown_reply(template: str) -> str:
    return template.replace("{score}", "a score 0-10").replace("{code}", "the code it got")

"""What happens to a message: user rules first (most recent match wins), else the default profile.

A rule matches a destination exactly (``to``), by ``prefix``, by ``country`` (ISO region from
``phonenumbers``) or always (``{}``). The default profile draws from the random stream keyed by the
message id, so the same seed and the same requests give the same outcomes.
"""

from __future__ import annotations

import json
import math
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from mock_infobip.channels.messages.catalog import REJECTED, Catalog
from mock_infobip.channels.messages.destinations import Destination, read_destination
from mock_infobip.core.errors import InvalidRequest, NotFound
from mock_infobip.core.settings import Settings
from mock_infobip.storage.interface import Store, inserted_id

MAX_DELAY_MS = 4 * 24 * 3600 * 1000  # reports arrive at most 4 days after sending
HOUR_MS = 3600 * 1000
NO_ERROR = "OK/NO_ERROR"
REPLY = "REPLY"  # a status event that is not a status: the handset answers (inbound SMS)
DEFAULT_INTERMEDIATE = ("PENDING/PENDING_ENROUTE", "DELIVERED/DELIVERED_TO_OPERATOR")
# The default profile's outcomes (decisions): status and the errors it picks from.
PROFILE = {
    "delivered": ("DELIVERED/DELIVERED_TO_HANDSET", (NO_ERROR,)),
    "failed": (
        "UNDELIVERABLE/UNDELIVERABLE_NOT_DELIVERED",
        (
            "HANDSET_ERRORS/EC_ABSENT_SUBSCRIBER_SM",
            "HANDSET_ERRORS/EC_UNKNOWN_SUBSCRIBER",
            "HANDSET_ERRORS/EC_UNIDENTIFIED_SUBSCRIBER",
        ),
    ),
    "expired": ("EXPIRED/EXPIRED_EXPIRED", ("USER_ERRORS/EC_VALIDITY_EXPIRED",)),
    "rejected": ("REJECTED/REJECTED_NETWORK", (NO_ERROR,)),
}
EXPIRED_STATUS, EXPIRED_ERROR = PROFILE["expired"][0], PROFILE["expired"][1][0]
# The default profile's rejections (decision): Infobip-side refusals of a valid number, spread evenly
PROFILE_REJECTIONS = (
    "REJECTED/REJECTED_NETWORK",
    "REJECTED/REJECTED_NOT_ENOUGH_CREDITS",
    "REJECTED/REJECTED_FLOODING_FILTER",
    "REJECTED/REJECTED_ROUTE_NOT_AVAILABLE",
    "REJECTED/REJECTED_DND",
    "REJECTED/REJECTED_DESTINATION_BLOCKLISTED",
    "REJECTED/REJECTED_SENDER",
)


@dataclass(frozen=True)
class Outcome:
    status: str  # status key
    error: str  # error key
    delay_ms: int | None  # None: the operator never answers (the message expires)
    intermediate: tuple[str, ...] = DEFAULT_INTERMEDIATE
    # after the final status, until the operator's report reaches Infobip (pushed or pullable then)
    report_delay_ms: int = 0
    # the handset answers (text, milliseconds after the message reached it), when it reached it
    reply: tuple[str, int] | None = None


@dataclass(frozen=True)
class Rule:
    id: int
    kind: str  # to | prefix | country | any
    value: str
    outcome: Outcome

    def matches(self, destination: Destination) -> bool:
        if self.kind == "to":
            return destination.digits == self.value
        if self.kind == "prefix":
            return destination.digits.startswith(self.value)
        if self.kind == "country":
            return destination.region == self.value
        return True

    def reaches_no_reports(self, no_reports: frozenset[str]) -> bool:
        """The rule matches destinations in a country without delivery reports (its reports never
        come there: only a rejection is reported)."""
        if self.kind == "country":
            return self.value in no_reports
        if self.kind == "to":
            return read_destination(self.value).region in no_reports
        return False

    def describe(self, catalog: Catalog, no_reports: frozenset[str] = frozenset()) -> dict[str, Any]:
        match = {} if self.kind == "any" else {self.kind: self.value}
        return {
            "id": self.id,
            "match": match,
            "status": catalog.status_of(self.outcome.status).name,
            "error": catalog.error_of(self.outcome.error).name,
            "delaySeconds": (self.outcome.delay_ms or 0) / 1000,
            "reportDelaySeconds": self.outcome.report_delay_ms / 1000,
            **(
                {"reply": {"text": self.outcome.reply[0], "delaySeconds": self.outcome.reply[1] / 1000}}
                if self.outcome.reply
                else {}
            ),
            "intermediate": [catalog.status_of(k).name for k in self.outcome.intermediate],
            **({"noReports": True} if self.reaches_no_reports(no_reports) else {}),
        }


class OutcomeRules:
    def __init__(self, store: Store, catalog: Catalog) -> None:
        self._store = store
        self._catalog = catalog

    def parse(self, body: Mapping[str, Any]) -> tuple[str, str, Outcome]:
        """(kind, value, outcome) of a rule body; unknown names are an InvalidRequest naming them."""
        problems: dict[str, list[str]] = {}
        status = self._catalog.status(body["status"])
        if status is None:
            problems["status"] = [f"unknown status {body['status']!r}"]
        error = self._catalog.error(body.get("error", "NO_ERROR"))
        if error is None:
            problems["error"] = [f"unknown error {body['error']!r}"]
        steps = []
        names = body.get("intermediate", [self._catalog.status_of(k).name for k in DEFAULT_INTERMEDIATE])
        for i, name in enumerate(names):
            step = self._catalog.status(name)
            if step is None:
                problems[f"intermediate[{i}]"] = [f"unknown status {name!r}"]
            else:
                steps.append(step.key)
        if problems:
            raise InvalidRequest(problems)
        assert status is not None and error is not None
        match = body.get("match", {})
        kind, value = next(iter(match.items())) if match else ("any", "")
        value = value.upper() if kind == "country" else value.removeprefix("+")
        rejected = status.group_id == REJECTED
        delay = 0 if rejected else round(float(body.get("delaySeconds", 0)) * 1000)
        report_delay = 0 if rejected else round(float(body.get("reportDelaySeconds", 0)) * 1000)
        given = body.get("reply")
        reply = None if given is None else (given["text"], round(float(given.get("delaySeconds", 0)) * 1000))
        return kind, value, Outcome(status.key, error.key, delay, tuple(steps), report_delay, reply)

    def add(self, body: Mapping[str, Any]) -> Rule:
        kind, value, outcome = self.parse(body)
        with self._store.write() as conn:
            rule_id = inserted_id(
                conn.execute(
                    "INSERT INTO outcome_rules (match_kind, match_value, status, error, delay_ms, "
                    "intermediate, report_delay_ms, reply) VALUES (:kind, :value, :status, :error, "
                    ":delay_ms, :intermediate, :report_delay_ms, :reply) RETURNING id",
                    {
                        "kind": kind,
                        "value": value,
                        "status": outcome.status,
                        "error": outcome.error,
                        "delay_ms": outcome.delay_ms,
                        "intermediate": json.dumps(outcome.intermediate),
                        "report_delay_ms": outcome.report_delay_ms,
                        "reply": None if outcome.reply is None else json.dumps(outcome.reply),
                    },
                )
            )
        return Rule(rule_id, kind, value, outcome)

    def all(self) -> list[Rule]:
        """Most recent first: the first that matches wins."""
        with self._store.read() as conn:
            rows = conn.execute("SELECT * FROM outcome_rules ORDER BY id DESC").fetchall()
        return [
            Rule(
                r["id"],
                r["match_kind"],
                r["match_value"],
                Outcome(
                    r["status"],
                    r["error"],
                    r["delay_ms"],
                    tuple(json.loads(r["intermediate"])),
                    r["report_delay_ms"],
                    None if r["reply"] is None else tuple(json.loads(r["reply"])),
                ),
            )
            for r in rows
        ]

    def delete(self, rule_id: int | None = None) -> int:
        deleted = self._store.delete_rows("outcome_rules", rule_id)
        if rule_id is not None and deleted == 0:
            raise NotFound("outcome rule", rule_id)
        return deleted


def choose(
    rules: Sequence[Rule], destination: Destination, settings: Settings, rng: random.Random
) -> Outcome:
    for rule in rules:
        if rule.matches(destination):
            return rule.outcome
    return draw_default(settings, rng, destination.region)


def draw_default(settings: Settings, rng: random.Random, region: str | None = None) -> Outcome:
    weights = {
        "delivered": settings.profile_delivered,
        "failed": settings.profile_failed,
        "expired": settings.profile_expired,
        "rejected": settings.profile_rejected,
    }
    kind = rng.choices(list(weights), weights=list(weights.values()))[0]
    status, errors = PROFILE[kind]
    error = rng.choice(errors)
    if kind == "rejected":
        return Outcome(rng.choice(PROFILE_REJECTIONS), error, 0)
    if kind == "expired":
        return Outcome(status, error, None)
    median = max(settings.profile_median_delay, 0.001)
    seconds = math.exp(rng.gauss(math.log(median), settings.profile_delay_sigma))
    delay = min(MAX_DELAY_MS, max(1, round(seconds * 1000)))
    # The operator's report tail: a few reports reach Infobip hours or days after the status
    # (sending caps the arrival at 4 days after sending).
    late = rng.random() < settings.profile_report_tail and region in settings.profile_report_tail_regions
    report_delay = rng.randrange(HOUR_MS, MAX_DELAY_MS) if late else 0
    return Outcome(status, error, delay, DEFAULT_INTERMEDIATE, report_delay)

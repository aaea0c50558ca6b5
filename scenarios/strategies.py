"""Hypothesis strategies for the scenarios: cohorts, phone numbers per region, outcome and fault
rules, clock steps, and request bodies valid or not against their contracts."""

from __future__ import annotations

from functools import cache
from typing import Any

import phonenumbers
from hypothesis import strategies as st

from mock_infobip.channels.messages.catalog import catalog

NO_DLR = catalog().countries_without_reports
STATUS_CLASSES = {
    "DELIVERED": "delivered",
    "REJECTED": "rejected",
    "UNDELIVERABLE": "failed",
    "EXPIRED": "failed",
}

# --- cohorts -----------------------------------------------------------------------------------------

valid_emails = st.builds(
    "{}@{}.io".format, st.text(alphabet="abcdef", min_size=1, max_size=3), st.sampled_from(["x", "y"])
)
invalid_identifiers = st.sampled_from(
    ["invalid_mail.com", "no-at-sign", "a@b", "two@@x.io", "sp ace@x.io", ""]
)
cohort_members = st.lists(
    st.one_of(valid_emails, valid_emails, valid_emails, invalid_identifiers), max_size=12
)

# --- phone numbers -------------------------------------------------------------------------------------


@cache
def example_numbers() -> dict[str, str]:
    """An example mobile number (international digits, no +) for every region phonenumbers knows."""
    found = {}
    for region in sorted(phonenumbers.SUPPORTED_REGIONS):
        number = phonenumbers.example_number_for_type(
            region, phonenumbers.PhoneNumberType.MOBILE
        ) or phonenumbers.example_number(region)
        if number is not None and phonenumbers.region_code_for_number(number) == region:
            found[region] = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)[1:]
    return found


regions = st.sampled_from(sorted(example_numbers()))
no_report_regions = st.sampled_from(sorted(set(NO_DLR) & set(example_numbers())))
numbers = st.one_of(regions, regions, no_report_regions).map(lambda region: example_numbers()[region])
unreadable_numbers = st.sampled_from(["999123", "4179", "abc", ""])

# --- rules ---------------------------------------------------------------------------------------------

outcome_rules = st.fixed_dictionaries(
    {
        "status": st.sampled_from(
            [
                "DELIVERED_TO_HANDSET",
                "UNDELIVERABLE_NOT_DELIVERED",
                "EXPIRED_EXPIRED",
                "REJECTED_NETWORK",
                "REJECTED_NOT_ENOUGH_CREDITS",
            ]
        ),
        "delay_seconds": st.sampled_from([0, 1, 30, 600, 3600, 86400, 3 * 86400]),
    },
    optional={
        "country": regions,
        "error": st.sampled_from(["EC_ABSENT_SUBSCRIBER_SM", "EC_UNKNOWN_SUBSCRIBER"]),
    },
)
LIST_PATHS = [
    "/saas/amplitude/1/lists",
    "/saas/amplitude/1/lists/*/add",
    "/saas/amplitude/1/lists/*/remove",
    "/saas/*",
]
fault_rules = st.one_of(
    st.fixed_dictionaries(
        {
            "path": st.sampled_from(LIST_PATHS),
            "status": st.sampled_from([429, 500, 502, 503]),
            "times": st.integers(1, 3),
        }
    ),
    st.fixed_dictionaries(
        {"path": st.sampled_from(LIST_PATHS), "drop": st.just(True), "times": st.integers(1, 2)}
    ),
    st.fixed_dictionaries(
        {"path": st.sampled_from(LIST_PATHS), "truncate": st.just(True), "times": st.just(1)}
    ),
)
clock_steps = st.one_of(
    st.sampled_from([0.5, 1, 2, 5, 10, 60, 120, 600, 3600, 86400]),
    st.floats(min_value=0, max_value=7200, allow_nan=False),
)

# --- request bodies ------------------------------------------------------------------------------------

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=8,
)


def _people(ids: st.SearchStrategy[str]) -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries(
        {"userIds": st.lists(ids, min_size=1, max_size=20)}, optional={"context": json_values}
    )


_text = st.text(max_size=200)
_v2_message = st.fixed_dictionaries(
    {
        "destinations": st.lists(
            st.fixed_dictionaries({}, optional={"to": st.one_of(numbers, unreadable_numbers)}),
            min_size=1,
            max_size=3,
        )
    },
    optional={
        "from": st.text(max_size=11),
        "text": _text,
        "validityPeriod": st.integers(1, 5000),
        "intermediateReport": st.booleans(),
        "callbackData": st.text(max_size=50),
        "notifyUrl": st.just("http://127.0.0.1:9/dlr"),
    },
)
_v3_message = st.fixed_dictionaries(
    {
        "destinations": st.lists(st.fixed_dictionaries({"to": numbers}), min_size=1, max_size=3),
        "content": st.fixed_dictionaries({"text": _text}),
    },
    optional={
        "sender": st.text(max_size=11),
        "options": st.fixed_dictionaries(
            {},
            optional={
                "validityPeriod": st.fixed_dictionaries(
                    {"amount": st.integers(1, 100)},
                    optional={"timeUnit": st.sampled_from(["SECONDS", "MINUTES", "HOURS"])},
                ),
                "campaignReferenceId": st.text(max_size=20),
            },
        ),
        "webhooks": st.fixed_dictionaries({}, optional={"callbackData": st.text(max_size=20)}),
    },
)
_limit = st.integers(1, 1000).map(str)
VALID_BODIES: dict[str, st.SearchStrategy[Any]] = {
    "lists.create": st.fixed_dictionaries(
        {"name": st.text(min_size=1, max_size=255).filter(str.strip)}, optional={"context": json_values}
    ),
    "lists.add": _people(st.one_of(valid_emails, invalid_identifiers, st.text(max_size=30))),
    "lists.remove": _people(st.one_of(valid_emails, st.text(max_size=30))),
    "sms.send.v2": st.fixed_dictionaries(
        {"messages": st.lists(_v2_message, min_size=1, max_size=2)},
        optional={"bulkId": st.text(min_size=1, max_size=20), "includeSmsCountInResponse": st.booleans()},
    ),
    "sms.send.v3": st.fixed_dictionaries({"messages": st.lists(_v3_message, min_size=1, max_size=2)}),
    "sms.send.binary.v2": st.fixed_dictionaries(
        {
            "messages": st.lists(
                st.fixed_dictionaries(
                    {
                        "destinations": st.lists(
                            st.fixed_dictionaries({"to": numbers}), min_size=1, max_size=2
                        ),
                        "binary": st.fixed_dictionaries(
                            {"hex": st.binary(max_size=300).map(lambda b: b.hex(" "))},
                            optional={"dataCoding": st.sampled_from([0, 4, 8]), "esmClass": st.just(0)},
                        ),
                    }
                ),
                min_size=1,
                max_size=2,
            )
        }
    ),
    "sms.preview": st.fixed_dictionaries(
        {"text": st.text(max_size=400)},
        optional={
            "languageCode": st.sampled_from(["TR", "ES", "PT", "AUTODETECT"]),
            "transliteration": st.sampled_from(["GREEK", "CYRILLIC", "NON_UNICODE", "NONE", "ALL"]),
        },
    ),
    "sms.bulks.reschedule": st.fixed_dictionaries({"sendAt": st.just("2026-12-01T10:00:00.000+0000")}),
    "sms.bulks.status.update": st.fixed_dictionaries(
        {"status": st.sampled_from(["PAUSED", "PROCESSING", "CANCELED", "PENDING"])}
    ),
}
VALID_QUERIES: dict[str, st.SearchStrategy[dict[str, str]]] = {
    "sms.reports.v1": st.fixed_dictionaries({}, optional={"limit": _limit, "bulkId": st.text(max_size=10)}),
    "sms.reports.v3": st.fixed_dictionaries(
        {}, optional={"limit": _limit, "messageId": st.text(max_size=10)}
    ),
    "sms.logs.v1": st.fixed_dictionaries(
        {},
        optional={
            "limit": _limit,
            "generalStatus": st.sampled_from(["PENDING", "DELIVERED", "REJECTED"]),
            "to": numbers,
            "sentSince": st.just("2026-01-01T00:00:00.000+0000"),
        },
    ),
    "sms.logs.v3": st.fixed_dictionaries(
        {},
        optional={
            "limit": _limit,
            "destination": numbers,
            "useCursor": st.sampled_from(["true", "false", "TRUE"]),
            "cursor": st.text(max_size=12),
            "mcc": st.sampled_from(["228", "262"]),
        },
    ),
    "sms.inbox.v1": st.fixed_dictionaries({}, optional={"limit": _limit}),
    "sms.bulks.get": st.fixed_dictionaries({"bulkId": st.text(min_size=1, max_size=10)}),
    "sms.bulks.status": st.fixed_dictionaries({"bulkId": st.text(min_size=1, max_size=10)}),
}

"""What Schemathesis needs to know to make requests the fake must accept (tests/test_schemathesis.py
loads this module through ``SCHEMATHESIS_HOOKS``; only the public hook API is used).

- **The document's own string formats** (docs/contracts-and-check.md): a generator for each, so
  that a value of the format is one the server takes: ``infobip-time``, ``http-url``,
  ``phone-number``, ``status-name``, ``error-name``, ``message-search``, ``tfa-period``,
  ``tfa-limit``.
- **Rules JSON Schema states but Schemathesis's generator does not keep**: ``dependentRequired``
  (a delivery time window's ``from`` and ``to``, both or neither) and the window's rule that ``to``
  is at least an hour after ``from``, which the document states in words.
- **State**: the lists API answers a list it does not know with Infobip's 400 ``TAG_NOT_FOUND``
  (not a 404): people are added to and removed from a list made for the call. A generated logs
  ``cursor`` is dropped (a cursor is one the endpoint returned), an ``mnc`` without an ``mcc`` too,
  and a fault's latency kept within the fake's setting (``MOCK_INFOBIP_FAULT_MAX_LATENCY_MS``).
- **XML**: a body XML cannot carry (characters XML 1.0 has not, member names that are no XML
  names) is not sent as XML: Schemathesis would change it to send it.
- **XML answers** are read as the server writes them (wire/xmlwire.py, guided by the response's
  contract), so their bodies are checked against the schema as JSON ones are.
"""

from __future__ import annotations

import os
import re
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import phonenumbers
import requests
import schemathesis
from hypothesis import strategies as st

from mock_infobip.channels.messages.catalog import catalog
from mock_infobip.wire.validation import default_contracts
from mock_infobip.wire.xmlwire import read

# --- formats --------------------------------------------------------------------------------------

# Times before the fake's clock (a manual clock starts at the wall clock's now): a sendAt among them
# is never more than 180 days ahead, however far a generated advance moves the clock.
_MOMENTS = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2025, 12, 31))
_OFFSETS = st.integers(-12 * 4, 14 * 4).map(lambda quarters: timezone(timedelta(minutes=15 * quarters)))


def _infobip_time(moment: datetime, zone: timezone, infobip_style: bool) -> str:
    local = moment.replace(tzinfo=UTC).astimezone(zone)
    if infobip_style:  # 2026-11-22T10:15:00.000+0000
        milliseconds = f"{local.microsecond // 1000:03d}"
        return local.strftime("%Y-%m-%dT%H:%M:%S.") + milliseconds + local.strftime("%z")
    return local.isoformat()


schemathesis.openapi.format("infobip-time", st.builds(_infobip_time, _MOMENTS, _OFFSETS, st.booleans()))

_HOSTS = st.from_regex(r"\A[a-z][a-z0-9]{0,15}(\.[a-z0-9]{1,10}){0,2}\.(example|test)\Z")
_PATHS = st.from_regex(r"\A(/[A-Za-z0-9._~-]{0,12}){0,4}(\?[a-z]{1,8}=[A-Za-z0-9]{0,8})?\Z")
_PORTS = st.one_of(st.just(""), st.integers(1, 65535).map(lambda port: f":{port}"))
_SCHEMES = st.sampled_from(["http", "https"])
schemathesis.openapi.format(
    "http-url", st.builds(lambda *parts: "{}://{}{}{}".format(*parts), _SCHEMES, _HOSTS, _PORTS, _PATHS)
)

_EXAMPLES = sorted(
    phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.E164)
    for region in phonenumbers.SUPPORTED_REGIONS
    if (example := phonenumbers.example_number_for_type(region, phonenumbers.PhoneNumberType.MOBILE))
)
schemathesis.openapi.format(
    "phone-number",
    st.builds(lambda number, plus: number if plus else number[1:], st.sampled_from(_EXAMPLES), st.booleans()),
)
schemathesis.openapi.format("status-name", st.sampled_from([status.name for status in catalog().statuses]))
schemathesis.openapi.format("error-name", st.sampled_from([error.name for error in catalog().errors]))

_TERMS = st.sampled_from(
    ["code", '"on its way"', "to:+41793026727", "from:InfoSMS", "status:delivered", "country:ch", "account:1",
     "after:2026-11-22", "before:2026-11-22T10:15:00Z", "is:pin", "is:mms", "is:scheduled", "is:inbound"]
)  # fmt: skip
schemathesis.openapi.format(
    "message-search",
    st.lists(st.builds(lambda negated, term: "-" * negated + term, st.booleans(), _TERMS), max_size=4).map(
        " ".join
    ),
)

# 2FA periods of at most a day (every setting allows that much), never of length 0
_UNITS = {"ms": 86_400_000, "s": 86_400, "m": 1_440, "h": 24, "d": 1}


def _period(unit: str, length: int) -> str:
    return f"{'' if length == 1 and unit == 'd' else length}{unit}"  # "d" alone is a day


_PERIODS = st.sampled_from(sorted(_UNITS)).flatmap(
    lambda unit: st.integers(1, _UNITS[unit]).map(lambda length: _period(unit, length))
)
schemathesis.openapi.format("tfa-period", _PERIODS)
schemathesis.openapi.format(
    "tfa-limit", st.builds(lambda n, period: f"{n}/{period}", st.integers(1, 10_000), _PERIODS)
)


# --- rules the generator drops ---------------------------------------------------------------------


def _windows(node: Any) -> None:
    """Every deliveryTimeWindow in ``node``: from and to both or neither, to an hour after from."""
    if isinstance(node, list):
        for item in node:
            _windows(item)
    if not isinstance(node, dict):
        return
    window = node.get("deliveryTimeWindow")
    if not isinstance(window, dict):
        window = {}
    if isinstance(window.get("from"), dict) != isinstance(window.get("to"), dict):
        window.pop("from", None)
        window.pop("to", None)
    if isinstance(window.get("from"), dict):
        start = window["from"]
        if all(isinstance(start.get(part), (int, float)) for part in ("hour", "minute")):  # 5.0 is 5
            end = (int(start["hour"]) * 60 + int(start["minute"]) + 60) % (24 * 60)
            window["to"] = {"hour": end // 60, "minute": end % 60}
    for value in node.values():
        _windows(value)


@schemathesis.hook
def map_case(ctx: Any, case: Any) -> Any:
    """Every phase's cases (the coverage phase applies no other map hook)."""
    _windows(case.body)
    if isinstance(case.query, dict):
        if "mnc" in case.query and not case.query.get("mcc"):
            del case.query["mnc"]  # the logs' mnc goes with an mcc (the document says it in words)
        case.query.pop("cursor", None)  # a cursor is one the endpoint returned (state, as an id is)
    longest = int(os.environ.get("MOCK_INFOBIP_FAULT_MAX_LATENCY_MS", "600000"))  # the fake's setting
    if isinstance(case.body, dict) and isinstance(case.body.get("latencyMs"), (int, float)):  # 1.0 is 1
        case.body["latencyMs"] = min(case.body["latencyMs"], longest)
    return case


@schemathesis.hook
def before_call(ctx: Any, case: Any, kwargs: dict[str, Any]) -> None:
    """People are added to and removed from a list that exists: one made for the call (the admin
    API's reset and deletes, run before, would take any list made earlier)."""
    if case.operation.path.startswith("/saas/amplitude/1/lists/{listId}/") and case.path_parameters:
        made = requests.post(
            os.environ["MOCK_INFOBIP_SCHEMATHESIS_URL"] + "/saas/amplitude/1/lists",
            json={"name": "people"},
            headers={"Authorization": "App " + os.environ["MOCK_INFOBIP_SCHEMATHESIS_KEY"]},
            timeout=30,
        )
        made.raise_for_status()
        case.path_parameters["listId"] = str(made.json()["listId"])


# XML 1.0 carries neither these characters nor members whose names are not XML names: a body
# holding them is not one an XML request can send (Schemathesis writes it anyway, changed)
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_XML_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]*$")


def _xml_can_carry(value: Any) -> bool:
    if isinstance(value, str):
        return not _NOT_XML.search(value) and "\r" not in value  # XML reads a carriage return as \n
    if isinstance(value, list):
        return all(_xml_can_carry(item) and not isinstance(item, list) for item in value)
    if isinstance(value, dict):
        return all(_XML_NAME.match(key) and _xml_can_carry(item) for key, item in value.items())
    return value is not None


@schemathesis.hook
def filter_case(ctx: Any, case: Any) -> bool:
    return not (case.media_type and "xml" in case.media_type) or _xml_can_carry(case.body)


# --- XML answers ------------------------------------------------------------------------------------


@schemathesis.deserializer("application/xml", "text/xml")
def xml_answer(ctx: Any, response: Any) -> Any:
    """An XML answer as the JSON body it stands for, read with the contract of its status."""
    contracts = default_contracts()
    method, path = ctx.operation.method.upper(), ctx.operation.path
    (operation,) = [op for op in contracts.operations.values() if (op.method, op.path) == (method, path)]
    ref = {**contracts.common.get(operation.envelope, {}), **operation.responses}[response.status_code]
    resolved = contracts.resolved(ref)
    return read(response.content, resolved.contents, resolved.resolver)

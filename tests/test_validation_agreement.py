"""jsonschema-rs answers "valid?" for a request whose strings are printable ASCII, jsonschema for
the rest and for every error (``Contracts.errors``). Here both are held to the same answer on every
request and query contract, over bodies built from each contract's own names, patterns and values,
so that the fast answer never lets through what the field-naming one refuses (nor the reverse)."""

from __future__ import annotations

import copy
import json
import string
from pathlib import Path
from typing import Any

import jsonschema
import jsonschema_rs
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from mock_infobip.http.pipeline import plain_json, printable_ascii
from mock_infobip.wire.validation import default_contracts

pytestmark = pytest.mark.slow  # two validators over every schema, ~40 s

CONTRACTS = default_contracts()
REFS = sorted(
    {ref for op in CONTRACTS.operations.values() for ref in (op.request, op.query) if ref is not None}
)
PRINTABLE = st.text(alphabet=string.printable[:95], max_size=12)  # printable ASCII, space included


def _walk(node: Any, names: set[str], texts: set[str], values: list[Any]) -> None:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "properties" and isinstance(value, dict):
                names.update(value)
            elif key == "pattern" and isinstance(value, str):
                texts.add(value)
            elif key in ("enum", "const", "examples", "default"):
                values.extend(value if key in ("enum", "examples") and isinstance(value, list) else [value])
            _walk(value, names, texts, values)
    elif isinstance(node, list):
        for item in node:
            _walk(item, names, texts, values)


def _vocabulary() -> tuple[list[str], list[str], list[Any]]:
    names: set[str] = set()
    patterns: set[str] = set()
    values: list[Any] = []
    for schema in CONTRACTS.schemas.values():  # every contract: those the requests refer to too
        _walk(schema, names, patterns, values)
    return sorted(names), sorted(patterns), values


NAMES, PATTERNS, VALUES = _vocabulary()
PLAIN_VALUES = [v for v in VALUES if isinstance(v, str | int | float | bool) and str(v).isascii()]


def _matching(pattern: str) -> st.SearchStrategy[str]:
    try:
        return st.from_regex(pattern, fullmatch=True, alphabet=string.printable[:95])
    except Exception:
        return PRINTABLE


SCALARS = st.one_of(
    PRINTABLE,
    st.sampled_from(["", " ", "0", "1", "123456789", "1234567890", "+385911234567", "41793026727", "abc"]),
    st.sampled_from(PLAIN_VALUES) if PLAIN_VALUES else PRINTABLE,
    *[_matching(p) for p in PATTERNS],
    st.integers(min_value=-(2**70), max_value=2**70),
    st.sampled_from([0, 1, -1, 1000, 1001, 2880, 2881, 10**12, 1.0, 1.5, -0.0]),
    st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(),
)
KEYS = st.one_of(st.sampled_from(NAMES), PRINTABLE)
JSON = st.recursive(
    SCALARS,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(KEYS, inner, max_size=6)),
    max_leaves=25,
)

# Infobip's request examples, as taken from its SMS, MMS and 2FA documents (tests/data/extract_examples.py)
EXAMPLES: dict[tuple[str, str], list[Any]] = {}
for _document in ("sms", "mms", "2fa"):
    _facts = json.loads((Path(__file__).parent / "data" / f"infobip-{_document}-examples.json").read_text())
    for _operation in _facts["operations"]:
        _bodies = EXAMPLES.setdefault((_operation["method"], _operation["url"]), [])
        _bodies.extend(_operation["bodies"].values())
# Valid requests of each contract, to mutate: Infobip's own examples where its OpenAPI document
# has them, small ones written here for the rest (test_the_seeds_are_valid keeps them so).
SEEDS: dict[str, list[Any]] = {
    "lists/create-list.request.schema.json": [
        {"name": "[Amplitude] Churn: 1"},
        {"name": "x", "context": {"a": 1}},
    ],
    "lists/people.request.schema.json": [{"userIds": ["a@example.com", "b@example.com"]}],
    "auth/session.request.schema.json": [{"username": "ops", "password": "pw", "unsafe": False}],
    "auth/token.request.schema.json": [
        {"client_id": "u", "client_secret": "p", "grant_type": "client_credentials"}
    ],
    "sms/send-v2.request.schema.json": [
        {"messages": [{"destinations": [{"to": "41793026727"}], "from": "InfoSMS", "text": "Hi"}]},
        {
            "messages": [
                {
                    "destinations": [{"to": "41793026727", "messageId": "m1"}],
                    "text": "Hi",
                    "notifyUrl": "https://example.com/r",
                    "validityPeriod": 720,
                }
            ],
            "bulkId": "b1",
            "tracking": {"track": "SMS", "type": "MY_CAMPAIGN"},
        },
    ],
    "sms/send-v3.request.schema.json": [
        {
            "messages": [
                {"sender": "InfoSMS", "destinations": [{"to": "41793026727"}], "content": {"text": "Hi"}}
            ]
        }
    ],
    "sms/send-binary-v2.request.schema.json": [
        {"messages": [{"destinations": [{"to": "41793026727"}], "binary": {"hex": "48 65 6c 6c 6f"}}]}
    ],
    "sms/send-single.request.schema.json": [
        {"from": "InfoSMS", "to": "41793026727", "text": "Test SMS."},
        {"to": ["41793026727", "41793026834"], "text": "Hi", "notifyUrl": "https://example.com/r"},
    ],
    "sms/send-multi.request.schema.json": [
        {"messages": [{"from": "InfoSMS", "to": "41793026727", "text": "a"}, {"to": ["41793026785"]}]}
    ],
    "sms/send-binary-single.request.schema.json": [
        {"from": "InfoSMS", "to": "41793026727", "binary": {"hex": "48 65", "dataCoding": 0, "esmClass": 0}}
    ],
    "sms/send-binary-multi.request.schema.json": [
        {"bulkId": "b1", "messages": [{"to": ["41793026727"], "binary": {"hex": "48"}}]}
    ],
    "sms/preview.request.schema.json": [{"text": "Let's see how many characters remain"}],
    "sms/bulk.request.schema.json": [{"sendAt": "2026-11-24T10:00:00.000+0000"}],
    "sms/bulk-status.request.schema.json": [{"status": "PAUSED"}],
    "mms/send-v1.request.schema.json": [
        {
            "messages": [
                {
                    "from": "InfoMMS",
                    "destinations": [{"to": "41793026727"}, {"group": [{"to": "41793026728"}]}],
                    "title": "Hi",
                    "messageSegments": [{"text": "Hello"}, {"contentUrl": "https://example.com/a.png"}],
                }
            ]
        }
    ],
    "mms/send.request.schema.json": [
        {
            "messages": [
                {
                    "sender": "InfoMMS",
                    "destinations": [{"to": "41793026727"}],
                    "content": {
                        "title": "Hi",
                        "messageSegments": [
                            {"type": "TEXT", "text": "Hello"},
                            {
                                "type": "LINK",
                                "contentType": "image/png",
                                "contentUrl": "https://example.com/a.png",
                            },
                        ],
                    },
                }
            ]
        }
    ],
    "admin/admin.schema.json#/$defs/accountRequest": [
        {"name": "acme", "apiKeys": ["k1"], "identifier": "phone"}
    ],
    "admin/admin.schema.json#/$defs/accountUpdate": [{"floodingFilter": False}],
    "admin/admin.schema.json#/$defs/advanceRequest": [{"seconds": 3600}],
    "admin/admin.schema.json#/$defs/outcomeRequest": [{"status": "DELIVERED_TO_HANDSET", "delaySeconds": 5}],
    "admin/admin.schema.json#/$defs/numberRequest": [{"number": "447860099299", "keywords": ["YES"]}],
    "admin/admin.schema.json#/$defs/inboundRequest": [
        {"from": "41793026727", "to": "447860099299", "text": "YES"}
    ],
    "admin/admin.schema.json#/$defs/forcedPinRequest": [{"to": "41793026727", "pin": "1234"}],
    "admin/admin.schema.json#/$defs/faultRequest": [
        {"path": "/sms/2/text/advanced", "status": 503, "times": 1}
    ],
}
for operation in CONTRACTS.operations.values():
    if operation.request is not None:
        SEEDS.setdefault(operation.request, []).extend(
            body  # not those Infobip cut short ("41 20 6C … 2E")
            for body in EXAMPLES.get((operation.method, operation.path), [])
            if "…" not in json.dumps(body, ensure_ascii=False)
        )


@st.composite
def mutated(draw: st.DrawFn, seed: Any) -> Any:
    """``seed`` with a few changes deep inside: a value replaced, a member dropped or added."""
    value = copy.deepcopy(seed)
    for _ in range(draw(st.integers(0, 3))):
        node = value
        while isinstance(node, dict | list) and node and draw(st.booleans()):
            child = (
                node[draw(st.sampled_from(sorted(node)))]
                if isinstance(node, dict)
                else draw(st.sampled_from(node))
            )
            if not isinstance(child, dict | list) or not child:
                break
            node = child
        if isinstance(node, dict):
            action = draw(st.sampled_from(["replace", "drop", "add"]))
            if action == "add" or not node:
                node[draw(KEYS)] = draw(JSON)
            else:
                key = draw(st.sampled_from(sorted(node)))
                if action == "drop":
                    del node[key]
                else:
                    node[key] = draw(JSON)
        elif isinstance(node, list) and node:
            node[draw(st.integers(0, len(node) - 1))] = draw(JSON)
    return value


def test_the_seeds_are_valid():
    assert set(SEEDS) == {op.request for op in CONTRACTS.operations.values() if op.request}
    for ref, seeds in SEEDS.items():
        for seed in seeds:
            assert CONTRACTS.validator(ref).is_valid(seed), (ref, seed)


@pytest.mark.parametrize("ref", REFS)
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_both_validators_agree_on_plain_requests(ref, data):
    if ref in SEEDS:
        instance = data.draw(st.one_of(st.sampled_from(SEEDS[ref]).flatmap(mutated), JSON))
    else:  # a query: names and values as a URL gives them
        instance = data.draw(st.dictionaries(KEYS, st.one_of(PRINTABLE, *[_matching(p) for p in PATTERNS])))
    assume(plain_json(json.dumps(instance).encode()))  # what the fake sends to jsonschema-rs
    python_says = CONTRACTS.validator(ref).is_valid(instance)
    assert python_says == CONTRACTS.fast_validator(ref).is_valid(instance), (ref, instance)
    assert (CONTRACTS.errors(ref, instance, plain=True) == {}) == python_says


def test_requests_where_the_dialects_differ_are_not_plain():
    schema = {"type": "string", "pattern": "^[0-9]{1,9}$"}
    assert jsonschema.Draft202012Validator(schema).is_valid("123\n")  # Python's $: before a final newline
    assert not jsonschema_rs.Draft202012Validator(schema).is_valid("123\n")
    assert not printable_ascii({"limit": "123\n"})
    assert not printable_ascii({"to": "١٢٣"})
    assert not plain_json(b'{"to": "123\\n"}')
    assert not plain_json('{"to": "١٢٣"}'.encode())
    assert plain_json(b'{"to": "123"}') and printable_ascii({"limit": "123"})

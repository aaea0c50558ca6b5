"""Every endpoint with schema-valid and schema-invalid inputs: never a 5xx, and every answer valid
against the contract of its operation and status. Black-box (any target) for the Infobip
endpoints; valid SMS are only sent to the fake (a real target would deliver them)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mock_infobip.wire.validation import Operation, default_contracts
from scenarios.strategies import VALID_BODIES, VALID_QUERIES, json_values

CONTRACTS = default_contracts()
INFOBIP = [op for op in CONTRACTS.operations.values() if op.envelope != "admin"]
ADMIN = [
    op for op in CONTRACTS.operations.values() if op.envelope == "admin" and op.id != "admin.keys.revoke"
]
path_ids = st.one_of(
    st.sampled_from(["1", "0", "007", "-1", "abc", "99999999999999999999", "%20"]),
    st.integers(0, 10**6).map(str),
)
raw_bodies = st.one_of(json_values.map(lambda v: json.dumps(v).encode()), st.binary(max_size=40))


def check(target: Any, operation: Operation, path: str, body: bytes | None, query: dict[str, str]) -> None:
    response = target.session.request(
        operation.method,
        target.base_url + path,
        data=body,
        params=query,
        headers={**target.headers, "Content-Type": "application/json"},
        timeout=60,
    )
    assert response.status_code < 500, (operation.id, response.status_code, response.text[:300])
    assert response.headers["Content-Type"].startswith("application/json"), response.headers["Content-Type"]
    problems = CONTRACTS.response_problems(
        operation, operation.envelope, response.status_code, response.json()
    )
    assert not problems, problems


def fill(operation: Operation, value: str) -> str:
    return (
        operation.path.replace("{listId}", value)
        .replace("{apiKey}", value)
        .replace("{ruleId}", value)
        .replace("{faultId}", value)
        .replace("{messageId}", value)
        .replace("{numberId}", value)
    )


@pytest.mark.parametrize("operation", INFOBIP, ids=lambda op: op.id)
@given(data=st.data())
def test_infobip_endpoints(target, operation: Operation, data: st.DataObject) -> None:
    valid = VALID_BODIES.get(operation.id)
    sends_sms = operation.id.startswith("sms.send")
    if valid is not None and (not sends_sms or target.handle is not None):
        body = data.draw(st.one_of(valid.map(lambda b: json.dumps(b).encode()), raw_bodies))
    elif operation.request is not None:
        body = data.draw(raw_bodies.filter(lambda b: b"destinations" not in b))  # never a real send
    else:
        body = None
    query = data.draw(
        st.one_of(
            VALID_QUERIES.get(operation.id, st.just({})),
            st.dictionaries(
                st.sampled_from(["limit", "sentSince", "generalStatus"]), st.text(max_size=6), max_size=2
            ),
        )
    )
    check(target, operation, fill(operation, data.draw(path_ids)), body, query)


@pytest.mark.whitebox
@pytest.mark.parametrize("operation", ADMIN, ids=lambda op: op.id)
@given(data=st.data())
def test_admin_endpoints(target, operation: Operation, data: st.DataObject) -> None:
    body = data.draw(raw_bodies) if operation.request is not None else None
    query = data.draw(
        st.dictionaries(st.sampled_from(["limit", "offset", "path"]), st.text(max_size=5), max_size=2)
    )
    check(target, operation, fill(operation, data.draw(path_ids)), body, query)

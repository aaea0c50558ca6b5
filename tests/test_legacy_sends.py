"""The legacy sends Infobip documented for years (older integrations and community clients call
them): /sms/1/text/single, /sms/2/text/single, /sms/1/text/multi, /sms/1/binary/single and multi,
/sms/1/text/advanced and /sms/1/binary/advanced, on the engine of /sms/2/text/advanced."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from mock_infobip import fake
from mock_infobip.wire.validation import default_contracts

CH, GB = "41793026727", "447400123456"


def post(infobip: Any, path: str, body: Any) -> requests.Response:
    return requests.post(infobip.base_url + path, headers=infobip.headers, json=body)


def valid(path: str, answer: requests.Response) -> None:
    contracts = default_contracts()
    operation = next(op for op in contracts.operations.values() if op.path == path)
    ref = contracts.response_ref(operation, operation.envelope, answer.status_code)
    assert ref is not None
    assert list(contracts.validator(ref).iter_errors(answer.json())) == []


@pytest.mark.parametrize("path", ["/sms/1/text/single", "/sms/2/text/single"])
def test_single_to_one_number_or_several(path):
    with fake() as infobip:
        one = post(infobip, path, {"from": "InfoSMS", "to": CH, "text": "Test SMS."})
        assert one.status_code == 200
        valid(path, one)
        assert "bulkId" not in one.json()
        (message,) = one.json()["messages"]
        assert (message["to"], message["smsCount"], message["status"]["groupName"]) == (CH, 1, "PENDING")
        several = post(infobip, path, {"from": "InfoSMS", "to": [CH, GB], "text": "x" * 200})
        valid(path, several)
        assert several.json()["bulkId"]
        assert [(m["to"], m["smsCount"]) for m in several.json()["messages"]] == [(CH, 2), (GB, 2)]
        assert len(infobip.messages()) == 3


def test_multi_and_binary_and_v1_advanced():
    with fake() as infobip:
        infobip.outcome("DELIVERED_TO_HANDSET", delay_seconds=0)
        multi = {
            "bulkId": "legacy-bulk",
            "messages": [{"from": "InfoSMS", "to": CH, "text": "a"}, {"to": [GB, CH], "text": "b"}],
        }
        answer = post(infobip, "/sms/1/text/multi", multi)
        valid("/sms/1/text/multi", answer)
        assert answer.json()["bulkId"] == "legacy-bulk"
        assert [m["to"] for m in answer.json()["messages"]] == [CH, GB, CH]
        binary = {
            "from": "InfoSMS",
            "to": CH,
            "binary": {"hex": "54 65 73 74", "dataCoding": 0, "esmClass": 0},
        }
        assert post(infobip, "/sms/1/binary/single", binary).status_code == 200
        many = {"messages": [binary, {**binary, "to": [GB]}]}
        assert len(post(infobip, "/sms/1/binary/multi", many).json()["messages"]) == 2
        advanced = {"messages": [{"destinations": [{"to": CH}], "text": "v1"}]}
        assert post(infobip, "/sms/1/text/advanced", advanced).json()["messages"][0]["to"] == CH
        advanced = {"messages": [{"destinations": [{"to": CH}], "binary": {"hex": "54"}}]}
        assert post(infobip, "/sms/1/binary/advanced", advanced).status_code == 200
        infobip.clock.advance(1)
        pulled = requests.get(infobip.base_url + "/sms/1/reports?limit=100", headers=infobip.headers).json()
        assert len(pulled["results"]) == 8  # their reports are the v1/v2 ones
        logs = requests.get(
            infobip.base_url + "/sms/1/logs?bulkId=legacy-bulk", headers=infobip.headers
        ).json()
        assert sorted(r["to"] for r in logs["results"]) == sorted([CH, GB, CH])


def test_errors_name_the_legacy_fields_and_store_nothing():
    with fake() as infobip:
        cases = [
            ("/sms/1/text/single", {"text": "x"}, "to"),
            ("/sms/1/text/single", {"to": [], "text": "x"}, "to"),
            ("/sms/1/text/single", {"to": CH, "text": "x", "notifyUrl": "ftp://127.0.0.1/x"}, "notifyUrl"),
            ("/sms/2/text/single", {"to": CH, "text": "x", "sendAt": "tomorrow"}, "sendAt"),
            ("/sms/1/text/multi", {"messages": []}, "messages"),
            ("/sms/1/text/multi", {"messages": [{"to": CH, "sendAt": "soon"}]}, "messages[0].sendAt"),
            ("/sms/1/binary/single", {"to": CH, "binary": {"hex": "zz"}}, "binary.hex"),
        ]
        for path, body, field in cases:
            answer = post(infobip, path, body)
            assert answer.status_code == 400, (path, body)
            errors = answer.json()["requestError"]["serviceException"]["validationErrors"]
            assert field in errors, (path, body, errors)
        assert infobip.messages() == []


def test_text_query_answers_carry_sms_count():
    with fake() as infobip:
        answer = requests.get(
            infobip.base_url + "/sms/1/text/query", params={"to": CH, "text": "hi"}, headers=infobip.headers
        )
        assert answer.json()["messages"][0]["smsCount"] == 1

"""SMS endpoints: send (v2, v3), pull reports and logs (v1, v3). Thin: the pipeline in
``mock_infobip.web`` has authenticated, rate-limited and validated the request already."""

from __future__ import annotations

from typing import Any

from flask import Response

from mock_infobip.sms.requests import from_v2, from_v3
from mock_infobip.web import Call, Handler, json_response


def send_v2(call: Call) -> Response:
    request = from_v2(call.body, call.runtime.callback_hosts)
    result = call.runtime.messaging.send(call.account, request)
    call.runtime.kick()
    messages: list[dict[str, Any]] = [
        {
            "messageId": m.message_id,
            "status": m.status.wire(),
            "to": m.to,
            **({"smsCount": m.sms_count} if request.include_count else {}),
        }
        for m in result.messages
    ]
    return json_response({"bulkId": result.bulk_id, "messages": messages})


def send_v3(call: Call) -> Response:
    request = from_v3(call.body, call.runtime.callback_hosts)
    result = call.runtime.messaging.send(call.account, request)
    call.runtime.kick()
    messages = [
        {
            "messageId": m.message_id,
            "status": m.status.wire(),
            "destination": m.to,
            "details": {"messageCount": m.sms_count},
        }
        for m in result.messages
    ]
    return json_response({"bulkId": result.bulk_id, "messages": messages})


def reports_v1(call: Call) -> Response:
    return json_response({"results": call.runtime.reports.pull(call.account, 1, call.query)})


def reports_v3(call: Call) -> Response:
    return json_response({"results": call.runtime.reports.pull(call.account, 3, call.query)})


def logs_v1(call: Call) -> Response:
    return json_response({"results": call.runtime.reports.logs(call.account, 1, call.query)})


def logs_v3(call: Call) -> Response:
    return json_response({"results": call.runtime.reports.logs(call.account, 3, call.query)})


HANDLERS: dict[str, Handler] = {
    "sms.send.v2": send_v2,
    "sms.send.v3": send_v3,
    "sms.reports.v1": reports_v1,
    "sms.reports.v3": reports_v3,
    "sms.logs.v1": logs_v1,
    "sms.logs.v3": logs_v3,
}

"""SMS endpoints: send (v2 text and binary, v3, over query parameters, the legacy ones), preview,
scheduled bulks, conversion tracking, pull reports, logs and inbound messages. Thin: the pipeline in
``mock_infobip.http.pipeline`` has authenticated, rate-limited and validated the request already."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mock_infobip.channels.messages.requests import (
    SendRequest,
    from_legacy,
    from_query,
    from_v2,
    from_v3,
    legacy_field,
)
from mock_infobip.channels.sms.preview import preview
from mock_infobip.channels.sms.service import SendResult
from mock_infobip.core.errors import InvalidRequest, Unauthorized
from mock_infobip.http.pipeline import Call, Handler
from mock_infobip.http.reply import Reply, json_response


def send(call: Call, request: SendRequest) -> SendResult:
    result = call.runtime.messaging.send(call.account, request)
    call.runtime.kick()
    return result


def _answer_v2(request: SendRequest, result: SendResult) -> Reply:
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


def _legacy(call: Call, *, multi: bool) -> Reply:
    """The legacy sends (``/sms/1/text/single`` and the like) on the engine of the advanced one:
    errors name the legacy fields; the answer has every message's ``smsCount``, and ``bulkId`` when
    there was more than one destination (always for multi), as Infobip's examples of them show."""
    try:
        request = from_v2(from_legacy(call.body, multi=multi), call.runtime.clock.now_ms())
    except InvalidRequest as error:
        raise InvalidRequest(
            {legacy_field(field, multi=multi): texts for field, texts in error.errors.items()}
        ) from None
    result = send(call, request)
    messages = [
        {"to": m.to, "status": m.status.wire(), "smsCount": m.sms_count, "messageId": m.message_id}
        for m in result.messages
    ]
    bulk = {"bulkId": result.bulk_id} if multi or len(messages) > 1 else {}
    return json_response({**bulk, "messages": messages})


def send_single(call: Call) -> Reply:
    return _legacy(call, multi=False)


def send_multi(call: Call) -> Reply:
    return _legacy(call, multi=True)


def answer_v3(result: SendResult) -> Reply:
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


def _v2(call: Call, body: Mapping[str, Any]) -> Reply:
    request = from_v2(body, call.runtime.clock.now_ms())
    return _answer_v2(request, send(call, request))


def _v3(call: Call, body: Mapping[str, Any]) -> Reply:
    request = from_v3(body, call.runtime.clock.now_ms())
    return answer_v3(send(call, request))


def send_v2(call: Call) -> Reply:
    return _v2(call, call.body)


def send_v3(call: Call) -> Reply:
    return _v3(call, call.body)


def query_v1(call: Call) -> Reply:
    # smsCount always, as in Infobip's examples of this endpoint
    return _v2(call, {**from_query(call.query, 2), "includeSmsCountInResponse": True})


def query_v3(call: Call) -> Reply:
    return _v3(call, from_query(call.query, 3))


def preview_v1(call: Call) -> Reply:
    return json_response(preview(call.body))


def bulk_get(call: Call) -> Reply:
    return json_response(call.runtime.bulks.get(call.account, call.query["bulkId"]))


def bulk_reschedule(call: Call) -> Reply:
    bulks = call.runtime.bulks
    return json_response(bulks.reschedule(call.account, call.query["bulkId"], call.body["sendAt"]))


def bulk_status(call: Call) -> Reply:
    return json_response(call.runtime.bulks.status(call.account, call.query["bulkId"]))


def bulk_status_update(call: Call) -> Reply:
    answer = call.runtime.bulks.set_status(call.account, call.query["bulkId"], call.body["status"])
    call.runtime.kick()  # a cancellation reports at once
    return json_response(answer)


def conversion(call: Call) -> Reply:
    key = call.runtime.messaging.confirm_conversion(call.account, call.path["messageId"])
    return json_response({"processKey": key})


def token(call: Call) -> Reply:
    return json_response(call.runtime.tokens.issue(call.body))


def session_create(call: Call) -> Reply:
    return json_response(call.runtime.sessions.create(call.body))


def session_destroy(call: Call) -> Reply:
    """Ends the session whose token authenticated the request (IBSSO only)."""
    if call.principal is None or call.principal.session is None:
        raise Unauthorized()
    call.runtime.sessions.destroy(call.principal.session)
    return Reply(b"", 204)


def reports_v1(call: Call) -> Reply:
    return json_response({"results": call.runtime.reports.pull(call.account, 1, call.query)})


def reports_v3(call: Call) -> Reply:
    return json_response({"results": call.runtime.reports.pull(call.account, 3, call.query)})


def inbox_v1(call: Call) -> Reply:
    return json_response(call.runtime.inbound.pull(call.account, call.query))


def logs_v1(call: Call) -> Reply:
    return json_response({"results": call.runtime.reports.logs(call.account, 1, call.query)[0]})


def logs_v3(call: Call) -> Reply:
    results, cursor = call.runtime.reports.logs(call.account, 3, call.query)
    return json_response({"results": results, **({"cursor": cursor} if cursor is not None else {})})


HANDLERS: dict[str, Handler] = {
    "sms.send.v2": send_v2,
    "sms.send.binary.v2": send_v2,
    "sms.send.v1": send_v2,
    "sms.send.binary.v1": send_v2,
    "sms.send.single.v1": send_single,
    "sms.send.single.v2": send_single,
    "sms.send.multi.v1": send_multi,
    "sms.send.binary.single.v1": send_single,
    "sms.send.binary.multi.v1": send_multi,
    "sms.send.v3": send_v3,
    "sms.query.v1": query_v1,
    "sms.query.v3": query_v3,
    "sms.preview": preview_v1,
    "sms.bulks.get": bulk_get,
    "sms.bulks.reschedule": bulk_reschedule,
    "sms.bulks.status": bulk_status,
    "sms.bulks.status.update": bulk_status_update,
    "ct.end": conversion,
    "auth.token": token,
    "auth.session.create": session_create,
    "auth.session.destroy": session_destroy,
    "sms.reports.v1": reports_v1,
    "sms.reports.v3": reports_v3,
    "sms.inbox.v1": inbox_v1,
    "sms.logs.v1": logs_v1,
    "sms.logs.v3": logs_v3,
}

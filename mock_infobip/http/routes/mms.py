"""MMS endpoints, as Infobip's MMS document lists them: send (``/mms/2/messages``, and the deprecated
``/mms/1/advanced``), upload content (``/mms/1/content``), pull reports (v2 and v1), logs (v2 and
v1) and inbound MMS. Thin: on the SMS engine (``routes/sms.py``'s send and answers)."""

from __future__ import annotations

from mock_infobip.channels.messages.media import Upload
from mock_infobip.channels.messages.requests import from_mms, from_mms_v1, with_uploads
from mock_infobip.http.pipeline import Call, Handler
from mock_infobip.http.reply import Reply, json_response
from mock_infobip.http.routes.sms import answer_v3, send


def send_v2(call: Call) -> Reply:
    request = from_mms(call.body, call.runtime.clock.now_ms())
    return answer_v3(send(call, request))


def send_v1(call: Call) -> Reply:
    """Base64 segments are kept as uploads first (the request was read whole: nothing is kept of a
    request refused), then sent as references to them."""
    request, inline = from_mms_v1(call.body, call.runtime.clock.now_ms())
    media = call.runtime.media
    kept = [media.keep(call.account, i.data, i.content_type, i.content_id) for i in inline]
    result = send(call, with_uploads(request, kept))
    messages = [{"to": m.to, "status": m.status.wire(), "messageId": m.message_id} for m in result.messages]
    return json_response({"bulkId": result.bulk_id, "messages": messages})


def upload(call: Call) -> Reply:
    given = Upload(
        call.header("X-Content-Id"),
        call.header("X-Media-Type"),
        call.header("X-Validity-Period-Minutes"),
        call.body,
    )
    return json_response({"uploadedContentId": call.runtime.media.upload(call.account, given)})


def reports_v2(call: Call) -> Reply:
    return json_response({"results": call.runtime.reports.pull(call.account, 3, call.query, "mms")})


def reports_v1(call: Call) -> Reply:
    return json_response({"results": call.runtime.reports.pull(call.account, 1, call.query, "mms")})


def logs_v2(call: Call) -> Reply:
    results, cursor = call.runtime.reports.logs(call.account, 3, call.query, "mms")
    return json_response({"results": results, **({"cursor": cursor} if cursor is not None else {})})


def logs_v1(call: Call) -> Reply:
    return json_response({"results": call.runtime.reports.logs(call.account, 1, call.query, "mms")[0]})


def inbox(call: Call) -> Reply:
    return json_response(call.runtime.inbound.pull(call.account, call.query, "mms"))


HANDLERS: dict[str, Handler] = {
    "mms.send": send_v2,
    "mms.send.v1": send_v1,
    "mms.content": upload,
    "mms.reports": reports_v2,
    "mms.reports.v1": reports_v1,
    "mms.logs": logs_v2,
    "mms.logs.v1": logs_v1,
    "mms.inbox": inbox,
}

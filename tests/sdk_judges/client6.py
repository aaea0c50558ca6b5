"""Judge: infobip-api-python-client 6.x (the /sms/3 surface) drives every SMS call it offers."""

from __future__ import annotations

from datetime import timedelta

from common import API_KEY, BASE_URL, Judge, Receiver, admin, advance, fake_now, offered_calls
from infobip_api_client import ApiClient, Configuration
from infobip_api_client.api.sms_api import SmsApi
from infobip_api_client.models import (
    SmsBinaryContent,
    SmsBulkRequest,
    SmsBulkStatus,
    SmsDeliveryResult,
    SmsDestination,
    SmsInboundMessageResult,
    SmsMessage,
    SmsMessageContent,
    SmsMessageDeliveryReporting,
    SmsMessageRequestOptions,
    SmsPreviewRequest,
    SmsRequest,
    SmsRequestSchedulingSettings,
    SmsTextContent,
    SmsUpdateStatusRequest,
    SmsWebhooks,
)

CH, GB, SHOP, FORWARDED = "41793026727", "447400123456", "447491163443", "447491163444"

config = Configuration(host=BASE_URL, api_key=API_KEY)
api = SmsApi(ApiClient(config))
judge = Judge(offered_calls(SmsApi))
receiver = Receiver()
admin("POST", "/__admin/outcomes", {"status": "DELIVERED_TO_HANDSET", "delaySeconds": 5})
admin("POST", "/__admin/numbers", {"number": SHOP})
admin("POST", "/__admin/numbers", {"number": FORWARDED, "forwardUrl": receiver.url, "keywords": ["YES"]})
now = fake_now()


def text(to: str, words: str, **extra: object) -> SmsMessage:
    return SmsMessage(
        sender=SHOP,
        destinations=[SmsDestination(to=to)],
        content=SmsMessageContent(SmsTextContent(text=words)),
        **extra,
    )


pushed = SmsWebhooks(delivery=SmsMessageDeliveryReporting(url=receiver.url), callback_data="judge")
sent = judge.call(
    "send_sms_messages",
    lambda: api.send_sms_messages(
        SmsRequest(
            messages=[
                text(CH, "Hello from the SDK", webhooks=pushed),
                SmsMessage(
                    destinations=[SmsDestination(to=GB)],
                    content=SmsMessageContent(SmsBinaryContent(hex="48 65 6c 6c 6f", data_coding=8)),
                ),
            ]
        )
    ),
)
judge.check(sent is not None and len(sent.messages) == 2, f"send answer: {sent}")
later = now + timedelta(days=1)
scheduled = judge.call(
    "send_sms_messages",
    lambda: api.send_sms_messages(
        SmsRequest(
            messages=[text(CH, "Later")],
            options=SmsMessageRequestOptions(
                schedule=SmsRequestSchedulingSettings(bulk_id="judge-bulk", send_at=later)
            ),
        )
    ),
)
judge.check(scheduled is not None and scheduled.bulk_id == "judge-bulk", f"scheduled: {scheduled}")

preview = judge.call(
    "preview_sms_message",
    lambda: api.preview_sms_message(SmsPreviewRequest(text="Çok güzel bir gün", language_code="TR")),
)
judge.check(preview is not None and len(preview.previews) == 2, f"preview: {preview}")

bulk = judge.call("get_scheduled_sms_messages", lambda: api.get_scheduled_sms_messages(bulk_id="judge-bulk"))
judge.check(bulk is not None and bulk.send_at == later, f"bulk: {bulk}")
moved = judge.call(
    "reschedule_sms_messages",
    lambda: api.reschedule_sms_messages("judge-bulk", SmsBulkRequest(send_at=later + timedelta(hours=1))),
)
judge.check(moved is not None and moved.send_at == later + timedelta(hours=1), f"moved: {moved}")
status = judge.call(
    "get_scheduled_sms_messages_status", lambda: api.get_scheduled_sms_messages_status(bulk_id="judge-bulk")
)
judge.check(status is not None and status.status == SmsBulkStatus.PENDING, f"status: {status}")
paused = judge.call(
    "update_scheduled_sms_messages_status",
    lambda: api.update_scheduled_sms_messages_status(
        "judge-bulk", SmsUpdateStatusRequest(status=SmsBulkStatus.CANCELED)
    ),
)
judge.check(paused is not None and paused.status == SmsBulkStatus.CANCELED, f"canceled: {paused}")

advance(60)
for body in receiver.take():
    result = judge.call("(callback)", lambda body=body: SmsDeliveryResult.from_json(body.decode()))
    if result is not None:
        judge.check(result.results[0].callback_data == "judge", f"callback data: {result}")
reports = judge.call(
    "get_outbound_sms_message_delivery_reports",
    lambda: api.get_outbound_sms_message_delivery_reports(limit=10),
)
judge.check(reports is not None and {r.to for r in reports.results} == {GB, CH}, f"pulled reports: {reports}")
logs = judge.call(
    "get_outbound_sms_message_logs", lambda: api.get_outbound_sms_message_logs(use_cursor=True, limit=2)
)
judge.check(logs is not None and len(logs.results) == 2 and logs.cursor.next_cursor, f"logs page: {logs}")
if logs is not None and logs.cursor and logs.cursor.next_cursor:
    rest = judge.call(
        "get_outbound_sms_message_logs",
        lambda: api.get_outbound_sms_message_logs(use_cursor=True, limit=2, cursor=logs.cursor.next_cursor),
    )
    judge.check(rest is not None and len(rest.results) == 1, f"second logs page: {rest}")
swiss = judge.call("get_outbound_sms_message_logs", lambda: api.get_outbound_sms_message_logs(mcc="228"))
judge.check(swiss is not None and all(r.mcc_mnc.startswith("228") for r in swiss.results), f"mcc: {swiss}")

admin("POST", "/__admin/inbound", {"from": CH, "to": SHOP, "text": "Hi shop"})
admin("POST", "/__admin/inbound", {"from": CH, "to": FORWARDED, "text": "yes please"})
advance(1)
inbox = judge.call("get_inbound_sms_messages", lambda: api.get_inbound_sms_messages(limit=10))
judge.check(inbox is not None and [m.text for m in inbox.results] == ["Hi shop"], f"inbox: {inbox}")
for body in receiver.take():
    forwarded = judge.call("(forward)", lambda body=body: SmsInboundMessageResult.from_json(body.decode()))
    judge.check(forwarded is not None and forwarded.results[0].keyword == "YES", f"forwarded: {forwarded}")
judge.report()

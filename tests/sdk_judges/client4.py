"""Judge: infobip-api-python-client 4.x (the /sms/2 and /sms/1 surface) drives every SMS call it offers."""

from __future__ import annotations

from datetime import timedelta

from common import API_KEY, BASE_URL, Judge, Receiver, admin, advance, fake_now, offered_calls
from infobip_api_client import ApiClient, Configuration
from infobip_api_client.api.sms_api import SmsApi
from infobip_api_client.models import (
    SmsAdvancedBinaryRequest,
    SmsAdvancedTextualRequest,
    SmsBinaryContent,
    SmsBinaryMessage,
    SmsBulkRequest,
    SmsBulkStatus,
    SmsDeliveryDay,
    SmsDeliveryResult,
    SmsDeliveryTimeFrom,
    SmsDeliveryTimeTo,
    SmsDeliveryTimeWindow,
    SmsDestination,
    SmsPreviewRequest,
    SmsSendingSpeedLimit,
    SmsSpeedLimitTimeUnit,
    SmsTextualMessage,
    SmsUpdateStatusRequest,
    SmsWebhookInboundReportResponse,
)

CH, GB, SHOP, FORWARDED = "41793026727", "447400123456", "447491163443", "447491163444"

config = Configuration(
    host=BASE_URL, api_key={"APIKeyHeader": API_KEY}, api_key_prefix={"APIKeyHeader": "App"}
)
api = SmsApi(ApiClient(config))
judge = Judge(offered_calls(SmsApi))
receiver = Receiver()
admin("POST", "/__admin/outcomes", {"status": "DELIVERED_TO_HANDSET", "delaySeconds": 5})
admin("POST", "/__admin/numbers", {"number": SHOP})
admin("POST", "/__admin/numbers", {"number": FORWARDED, "forwardUrl": receiver.url, "keywords": ["STOP"]})
now = fake_now()

window = SmsDeliveryTimeWindow(
    days=[SmsDeliveryDay.SUNDAY, SmsDeliveryDay.MONDAY],
    var_from=SmsDeliveryTimeFrom(hour=0, minute=0),
    to=SmsDeliveryTimeTo(hour=23, minute=59),
)
sent = judge.call(
    "send_sms_message",
    lambda: api.send_sms_message(
        SmsAdvancedTextualRequest(
            messages=[
                SmsTextualMessage(
                    destinations=[SmsDestination(to=CH)],
                    var_from=SHOP,
                    text="Hello from the SDK",
                    notify_url=receiver.url,
                    callback_data="judge",
                    delivery_time_window=window,
                )
            ],
            sending_speed_limit=SmsSendingSpeedLimit(amount=10, time_unit=SmsSpeedLimitTimeUnit.MINUTE),
        )
    ),
)
judge.check(sent is not None and sent.messages[0].status.name == "PENDING_ACCEPTED", f"send: {sent}")
binary = judge.call(
    "send_binary_sms_message",
    lambda: api.send_binary_sms_message(
        SmsAdvancedBinaryRequest(
            messages=[
                SmsBinaryMessage(
                    destinations=[SmsDestination(to=GB)],
                    binary=SmsBinaryContent(hex="0048 0065", data_coding=8),
                )
            ]
        )
    ),
)
judge.check(binary is not None and len(binary.messages) == 1, f"binary: {binary}")
later = now + timedelta(days=2)
judge.call(
    "send_sms_message",
    lambda: api.send_sms_message(
        SmsAdvancedTextualRequest(
            bulk_id="judge-v2",
            messages=[SmsTextualMessage(destinations=[SmsDestination(to=CH)], text="Later", send_at=later)],
        )
    ),
)
preview = judge.call(
    "preview_sms_message",
    lambda: api.preview_sms_message(SmsPreviewRequest(text="Ως Μεγαρικό", transliteration="GREEK")),
)
judge.check(preview is not None and preview.previews[1].text_preview == "ΩΣ MEΓAPIKO", f"preview: {preview}")
bulk = judge.call("get_scheduled_sms_messages", lambda: api.get_scheduled_sms_messages(bulk_id="judge-v2"))
judge.check(bulk is not None and bulk.send_at == later, f"bulk: {bulk}")
judge.call(
    "reschedule_sms_messages",
    lambda: api.reschedule_sms_messages("judge-v2", SmsBulkRequest(send_at=now + timedelta(minutes=1))),
)
status = judge.call(
    "get_scheduled_sms_messages_status", lambda: api.get_scheduled_sms_messages_status("judge-v2")
)
judge.check(status is not None and status.status == SmsBulkStatus.PENDING, f"status: {status}")
paused = judge.call(
    "update_scheduled_sms_messages_status",
    lambda: api.update_scheduled_sms_messages_status(
        "judge-v2", SmsUpdateStatusRequest(status=SmsBulkStatus.PAUSED)
    ),
)
judge.check(paused is not None and paused.status == SmsBulkStatus.PAUSED, f"paused: {paused}")
judge.call(
    "update_scheduled_sms_messages_status",
    lambda: api.update_scheduled_sms_messages_status(
        "judge-v2", SmsUpdateStatusRequest(status=SmsBulkStatus.PROCESSING)
    ),
)

advance(120)
for body in receiver.take():
    result = judge.call("(callback)", lambda body=body: SmsDeliveryResult.from_json(body.decode()))
    judge.check(result is not None and result.results[0].callback_data == "judge", f"callback: {result}")
reports = judge.call(
    "get_outbound_sms_message_delivery_reports",
    lambda: api.get_outbound_sms_message_delivery_reports(limit=10),
)
judge.check(reports is not None and sorted(r.to for r in reports.results) == [CH, GB], f"reports: {reports}")
logs = judge.call("get_outbound_sms_message_logs", lambda: api.get_outbound_sms_message_logs(limit=10))
judge.check(logs is not None and len(logs.results) == 3, f"logs: {logs}")
filtered = judge.call(
    "get_outbound_sms_message_logs",
    lambda: api.get_outbound_sms_message_logs(bulk_id=["judge-v2"], general_status="DELIVERED", mcc="228"),
)
judge.check(filtered is not None and [r.to for r in filtered.results] == [CH], f"filtered logs: {filtered}")

admin("POST", "/__admin/inbound", {"from": CH, "to": SHOP, "text": "Hi shop"})
admin("POST", "/__admin/inbound", {"from": CH, "to": FORWARDED, "text": "stop"})
advance(1)
inbox = judge.call("get_inbound_sms_messages", lambda: api.get_inbound_sms_messages(limit=10))
judge.check(inbox is not None and [m.text for m in inbox.results] == ["Hi shop"], f"inbox: {inbox}")
for body in receiver.take():
    forwarded = judge.call(
        "(forward)", lambda body=body: SmsWebhookInboundReportResponse.from_json(body.decode())
    )
    judge.check(forwarded is not None and forwarded.results[0].keyword == "STOP", f"forwarded: {forwarded}")
# IBSSO: a session made over HTTP (this SDK has no session call), then used as the SDK offers it,
# through its API key prefix ("IBSSO" instead of "App"), and no longer usable once destroyed
admin("POST", "/__admin/accounts", {"name": "IBSSO", "username": "judge4", "password": "s3ssion"})
token = admin("POST", "/auth/1/session", {"username": "judge4", "password": "s3ssion"})["token"]
prefixed = {"api_key": {"APIKeyHeader": token}, "api_key_prefix": {"APIKeyHeader": "IBSSO"}}
sso = SmsApi(ApiClient(Configuration(host=BASE_URL, **prefixed)))
mine = judge.call("get_outbound_sms_message_logs", lambda: sso.get_outbound_sms_message_logs(limit=10))
judge.check(mine is not None and mine.results == [], f"logs of the IBSSO account: {mine}")
judge.report()

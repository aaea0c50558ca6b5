"""Judge: infobip-api-python-sdk 5.x (the older official SDK; it sends every unset optional field as
JSON null) drives every SMS call of its SMSChannel. Its two-factor calls (/2fa/2/…) belong to
another API than the SMS OpenAPI document and are not judged here."""

from __future__ import annotations

import inspect
import json
from datetime import timedelta

from common import API_KEY, BASE_URL, Judge, Receiver, admin, advance, fake_now
from infobip_channels.sms.channel import SMSChannel

CH, GB, SHOP, FORWARDED = "41793026727", "447400123456", "447491163443", "447491163444"
TWO_FACTOR = ("tfa", "pin", "verify_phone_number")

channel = SMSChannel.from_auth_params({"base_url": BASE_URL, "api_key": API_KEY})
offered = [
    name
    for name, _ in inspect.getmembers(SMSChannel, inspect.isfunction)
    if not name.startswith("_") and not any(word in name for word in TWO_FACTOR) and name in vars(SMSChannel)
]
judge = Judge(offered)
receiver = Receiver()
admin("POST", "/__admin/outcomes", {"status": "DELIVERED_TO_HANDSET", "delaySeconds": 5})
admin("POST", "/__admin/numbers", {"number": SHOP})
admin("POST", "/__admin/numbers", {"number": FORWARDED, "forwardUrl": receiver.url})
account = admin("POST", "/__admin/accounts", {"name": "Query", "username": "judge", "password": "s3cret"})
now = fake_now()


def ok(response: object, what: str) -> object:
    judge.check(getattr(response, "status_code", None) == 200, f"{what}: {response}")
    return response


sent = judge.call(
    "send_sms_message",
    lambda: channel.send_sms_message(
        {
            "messages": [
                {
                    "destinations": [{"to": CH}],
                    "from": SHOP,
                    "text": "Hello from the old SDK",
                    "notifyUrl": receiver.url,
                    "callbackData": "judge",
                }
            ]
        }
    ),
)
ok(sent, "send")
ok(
    judge.call(
        "send_binary_sms_message",
        lambda: channel.send_binary_sms_message(
            {
                "messages": [
                    {"destinations": [{"to": GB}], "binary": {"hex": "48 65 6c 6c 6f", "dataCoding": 0}}
                ]
            }
        ),
    ),
    "binary",
)
query = judge.call(
    "send_sms_message_over_query_parameters",
    lambda: channel.send_sms_message_over_query_parameters(
        {"username": "judge", "password": "s3cret", "to": [CH, GB], "text": "Over the query"}
    ),
)
ok(query, "query")
judge.check(query is not None and len(getattr(query, "messages", [])) == 2, f"query answer: {query}")
later = now + timedelta(days=1)
ok(
    judge.call(
        "send_sms_message",
        lambda: channel.send_sms_message(
            {
                "bulkId": "old-sdk",
                "messages": [{"destinations": [{"to": CH}], "text": "Later", "sendAt": later}],
            }
        ),
    ),
    "scheduled",
)
preview = judge.call(
    "preview_sms_message", lambda: channel.preview_sms_message({"text": "Hola señor", "languageCode": "ES"})
)
ok(preview, "preview")
ok(
    judge.call(
        "get_scheduled_sms_messages", lambda: channel.get_scheduled_sms_messages({"bulkId": "old-sdk"})
    ),
    "bulk",
)
ok(
    judge.call(
        "reschedule_sms_messages",
        lambda: channel.reschedule_sms_messages(
            {"bulkId": "old-sdk"}, {"sendAt": later + timedelta(hours=2)}
        ),
    ),
    "reschedule",
)
status = judge.call(
    "get_scheduled_sms_messages_status",
    lambda: channel.get_scheduled_sms_messages_status({"bulkId": "old-sdk"}),
)
ok(status, "bulk status")
canceled = judge.call(
    "update_scheduled_sms_messages_status",
    lambda: channel.update_scheduled_sms_messages_status({"bulkId": "old-sdk"}, {"status": "CANCELED"}),
)
ok(canceled, "cancel")

advance(60)
for body in receiver.take():
    judge.check(json.loads(body)["results"][0]["callbackData"] == "judge", f"callback: {body[:300]!r}")
reports = judge.call(
    "get_outbound_sms_delivery_reports", lambda: channel.get_outbound_sms_delivery_reports({"limit": 10})
)
ok(reports, "reports")
judge.check(len(getattr(reports, "results", [])) == 4, f"pulled: {reports}")
logs = judge.call(
    "get_outbound_sms_message_logs", lambda: channel.get_outbound_sms_message_logs({"limit": 10})
)
ok(logs, "logs")
judge.check(len(getattr(logs, "results", [])) == 5, f"logs: {logs}")

admin("POST", "/__admin/inbound", {"from": CH, "to": SHOP, "text": "Hi shop"})
inbox = judge.call("get_inbound_sms_messages", lambda: channel.get_inbound_sms_messages({"limit": 10}))
ok(inbox, "inbox")
judge.check([m.text for m in getattr(inbox, "results", [])] == ["Hi shop"], f"inbox: {inbox}")
judge.check(account["username"] == "judge", "account made")
judge.report()

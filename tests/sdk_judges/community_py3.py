"""Judge: py3-infobip (PyPI, a community client) drives every call it offers: one text through
/sms/1/text/single, to one number and to several, with its default App key authorization; the
answer's messages are read as the client's own test data reads them, and the reports pulled."""

from __future__ import annotations

import inspect

from common import API_KEY, BASE_URL, Judge, admin, advance
from py3_infobip.clients import SmsClient
from py3_infobip.models import SmsTextSimpleBody

CH, GB = "41793026727", "447400123456"

client = SmsClient(BASE_URL, API_KEY)
offered = [name for name, _ in inspect.getmembers(SmsClient, inspect.isfunction) if name.startswith("send_")]
judge = Judge(offered)
admin("POST", "/__admin/outcomes", {"status": "DELIVERED_TO_HANDSET", "delaySeconds": 5})

for to in ([CH], [CH, GB], CH):
    answer = judge.call(
        "send_sms_text_simple",
        lambda to=to: client.send_sms_text_simple(SmsTextSimpleBody(ffrom="InfoSMS", to=to, text="Hello")),
    )
    if answer is None:
        continue
    judge.check(answer.status_code == 200, f"send to {to}: status {answer.status_code}: {answer.text[:300]}")
    messages = answer.json().get("messages", [])
    numbers = [to] if isinstance(to, str) else to
    judge.check([m.get("to") for m in messages] == numbers, f"send to {to}: messages {messages}")
    judge.check(all(m.get("smsCount") == 1 and m.get("messageId") for m in messages), f"{messages}")
    judge.check(("bulkId" in answer.json()) == (len(numbers) > 1), f"bulkId for {numbers}: {answer.text}")

advance(10)
pulled = admin("GET", "/__admin/messages")["messages"]
judge.check(len(pulled) == 4, f"the fake has {len(pulled)} messages, not 4")
judge.check(
    {m["status"] for m in pulled} == {"DELIVERED_TO_HANDSET"}, f"statuses {[m['status'] for m in pulled]}"
)
judge.report()

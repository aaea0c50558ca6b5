"""The sending side of the marketing platform: a campaign's messages go out through the SMS API
and each becomes an ``enqueued`` or ``enqueue_failed`` event in the receiver's store.

A message counts as accepted when its status group in the send response is 1 PENDING or 3
DELIVERED; anything else, and every number of a call that failed, is ``enqueue_failed`` (with the
HTTP status, 0 when there was no answer).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import requests

from mock_infobip.clients.events import SEND, Event, EventStore

ACCEPTED_GROUPS = (1, 3)


@dataclass
class CampaignResult:
    bulk_ids: list[str] = field(default_factory=list)
    enqueued: dict[str, str] = field(default_factory=dict)  # messageId -> number
    failed: list[str] = field(default_factory=list)  # numbers


def _body(
    version: int, sender: str, text: str, url: str | None, numbers: Sequence[str], callback_data: str | None
) -> dict[str, Any]:
    destinations = [{"to": n} for n in numbers]
    if version == 2:
        message: dict[str, Any] = {"from": sender, "text": text, "destinations": destinations}
        if url:
            message["notifyUrl"] = url
        if callback_data:
            message["callbackData"] = callback_data
        return {"messages": [message], "includeSmsCountInResponse": True}
    webhooks: dict[str, Any] = {"delivery": {"url": url}} if url else {}
    if callback_data:
        webhooks["callbackData"] = callback_data
    return {
        "messages": [
            {
                "sender": sender,
                "content": {"text": text},
                "destinations": destinations,
                **({"webhooks": webhooks} if webhooks else {}),
            }
        ]
    }


def send_campaign(
    base_url: str,
    api_key: str,
    *,
    text: str,
    numbers: Sequence[str],
    callback_url: str | None,
    events: EventStore,
    sender: str = "InfoSMS",
    version: int = 2,
    batch_size: int = 1000,
    callback_data: str | None = None,
    session: requests.Session | None = None,
    timeout: float = 30,
) -> CampaignResult:
    http = session or requests.Session()
    path = "/sms/2/text/advanced" if version == 2 else "/sms/3/messages"
    headers = {"Authorization": f"App {api_key}", "Content-Type": "application/json"}
    result = CampaignResult()
    for start in range(0, len(numbers), batch_size):
        batch = list(numbers[start : start + batch_size])
        body = _body(version, sender, text, callback_url, batch, callback_data)
        try:
            response = http.post(base_url.rstrip("/") + path, json=body, headers=headers, timeout=timeout)
            answer = response.json() if 200 <= response.status_code < 300 else None
            status = response.status_code
        except (requests.RequestException, ValueError) as exc:
            answer, status = None, 0
            reason: str | None = type(exc).__name__
        else:
            reason = None if answer is not None else f"HTTP {status}"
        if not isinstance(answer, dict) or not isinstance(answer.get("messages"), list):
            events.add([Event(SEND, None, n, "enqueue_failed", status, error=reason) for n in batch])
            result.failed.extend(batch)
            continue
        result.bulk_ids.append(str(answer.get("bulkId")))
        events.add([_sent(message, version, status, result) for message in answer["messages"]])
    return result


def _sent(message: dict[str, Any], version: int, http_status: int, result: CampaignResult) -> Event:
    to = str(message.get("to" if version == 2 else "destination", ""))
    parts = message.get("smsCount") if version == 2 else message.get("details", {}).get("messageCount")
    status = message.get("status", {})
    message_id = str(message.get("messageId"))
    if status.get("groupId") in ACCEPTED_GROUPS:
        result.enqueued[message_id] = to
        return Event(SEND, message_id, to, "enqueued", http_status, number_of_message_parts=parts)
    result.failed.append(to)
    return Event(
        SEND,
        message_id,
        to,
        "enqueue_failed",
        http_status,
        number_of_message_parts=parts,
        error=status.get("name"),
        comment=status.get("description"),
    )

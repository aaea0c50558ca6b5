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
    version: int,
    sender: str,
    text: str,
    url: str | None,
    numbers: Sequence[str],
    callback_data: str | None,
    media: Sequence[tuple[str, str]] = (),
    title: str | None = None,
) -> dict[str, Any]:
    destinations = [{"to": n} for n in numbers]
    if media or title is not None:  # an MMS: the text and the media (content type, URL) as segments
        segments: list[dict[str, str]] = [{"type": "TEXT", "text": text}] if text else []
        segments += [
            {"type": "LINK", "contentId": f"media{i}", "contentType": kind, "contentUrl": link}
            for i, (kind, link) in enumerate(media)
        ]
        mms_webhooks: dict[str, Any] = {"delivery": {"url": url}} if url else {}
        if callback_data:
            mms_webhooks["callbackData"] = callback_data
        content: dict[str, Any] = {"messageSegments": segments, **({"title": title} if title else {})}
        mms: dict[str, Any] = {"sender": sender, "destinations": destinations, "content": content}
        return {"messages": [{**mms, **({"webhooks": mms_webhooks} if mms_webhooks else {})}]}
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
    media: Sequence[tuple[str, str]] = (),
    title: str | None = None,
) -> CampaignResult:
    """Send ``text`` to ``numbers``; with ``media`` ((content type, URL) pairs) or a ``title``, as
    MMS through ``/mms/2/messages`` (its answer reads as the v3 one)."""
    http = session or requests.Session()
    mms = bool(media) or title is not None
    path = "/mms/2/messages" if mms else "/sms/2/text/advanced" if version == 2 else "/sms/3/messages"
    version = 3 if mms else version
    headers = {"Authorization": f"App {api_key}", "Content-Type": "application/json"}
    result = CampaignResult()
    for start in range(0, len(numbers), batch_size):
        batch = list(numbers[start : start + batch_size])
        body = _body(version, sender, text, callback_url, batch, callback_data, media, title)
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


def ask_to_confirm(
    base_url: str,
    api_key: str,
    *,
    numbers: Sequence[str],
    sender: str,
    events: EventStore,
    closes_at: str,
    keyword: str = "YES",
    text: str | None = None,
    callback_url: str | None = None,
    session: requests.Session | None = None,
) -> CampaignResult:
    """Double opt-in: ask ``numbers`` to reply ``keyword`` to ``sender`` (a number the platform
    receives on) by ``closes_at`` (Infobip's wire time); the receiver subscribes those who do."""
    events.ask_to_confirm(list(numbers), keyword, closes_at)
    words = text or f"Reply {keyword} to subscribe, STOP to opt out"
    return send_campaign(
        base_url,
        api_key,
        text=words,
        numbers=numbers,
        callback_url=callback_url,
        events=events,
        sender=sender,
        session=session,
    )


def ask_for_score(
    base_url: str,
    api_key: str,
    *,
    numbers: Sequence[str],
    sender: str,
    events: EventStore,
    campaign: str,
    text: str = "How likely are you to recommend us? Reply 0-10",
    callback_url: str | None = None,
    session: requests.Session | None = None,
) -> CampaignResult:
    """NPS by SMS reply: a 0-10 answer from one of ``numbers`` becomes an ``nps_response`` event."""
    events.ask_for_score(list(numbers), campaign)
    return send_campaign(
        base_url,
        api_key,
        text=text,
        numbers=numbers,
        callback_url=callback_url,
        events=events,
        sender=sender,
        session=session,
    )

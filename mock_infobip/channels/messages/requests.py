"""Send requests of both API versions, read into one version-neutral form.

The contracts have checked types and shapes already; this reads the values Infobip gives meaning to
and checks what a schema cannot: callback hosts (a setting lists where callbacks may go) and times.
"""

from __future__ import annotations

import base64
import binascii
import re
import string
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from mock_infobip.core.clock import to_ms
from mock_infobip.core.errors import InvalidRequest

MAX_VALIDITY_MS = 2880 * 60 * 1000  # validity is capped at 48 h (2880 minutes), also the default
MAX_SCHEDULE_MS = 180 * 24 * 3600 * 1000  # sendAt: "no later than 180 days in advance"
UNIT_MS = {"SECONDS": 1000, "MINUTES": 60_000, "HOURS": 3_600_000}
SPEED_UNIT_MS = {"MINUTE": 60_000, "HOUR": 3_600_000, "DAY": 86_400_000}
DAY_MS = 86_400_000
DAYS = ("MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY")


@dataclass(frozen=True)
class Binary:
    hex: str  # normalised: lower case, one space between bytes
    data_coding: int = 0
    esm_class: int = 0

    @property
    def size(self) -> int:
        return len(self.hex.split())

    def wire(self) -> dict[str, Any]:
        return {"hex": self.hex, "dataCoding": self.data_coding, "esmClass": self.esm_class}


@dataclass(frozen=True)
class Window:
    """A delivery time window: days of the week (0 = Monday) and minutes of the day (UTC)."""

    days: frozenset[int]
    start_minute: int = 0
    end_minute: int = 24 * 60

    def next_open(self, at: int) -> int:
        """The first instant at or after ``at`` inside the window. On an allowed day the window is
        [from, to), or [00:00, to) and [from, 24:00) when ``to`` comes before ``from``."""
        spans = (
            [(self.start_minute, self.end_minute)]
            if self.start_minute < self.end_minute
            else [(0, self.end_minute), (self.start_minute, 24 * 60)]
        )
        for k in range(8):
            day = (at // DAY_MS + k) * DAY_MS
            if (day // DAY_MS + 3) % 7 not in self.days:  # 1970-01-01 was a Thursday
                continue
            for low, high in spans:
                if at < day + high * 60_000:
                    return max(at, day + low * 60_000)
        return at  # unreachable: at least one day is allowed


@dataclass(frozen=True)
class Outgoing:
    """One message to one destination."""

    to: str | None
    message_id: str | None
    sender: str | None
    text: str
    callback_url: str | None  # None: nothing is pushed, reports are pulled
    callback_data: str | None
    intermediate: bool
    validity_ms: int
    send_at: int | None
    entity_id: str | None = None
    application_id: str | None = None
    campaign_reference_id: str | None = None
    notify_xml: bool = False  # callbacks as application/xml
    binary: Binary | None = None  # binary content instead of text
    window: Window | None = None  # held until the delivery time window opens
    mms: dict[str, Any] | None = None  # MMS content ({title?, messageSegments}): an MMS, not an SMS


@dataclass(frozen=True)
class SendRequest:
    version: int
    bulk_id: str | None
    include_count: bool
    messages: list[Outgoing]
    speed: tuple[int, int] | None = None  # (messages, per milliseconds): the bulk's sending speed limit
    channel: str = "sms"  # sms | mms


def check_callback_url(url: str, field: str) -> None:
    """A callback (or forward) URL: any well-formed http(s) URL, as Infobip accepts (where its
    pushes go is the fake's policy: delivery/routing.py). Parsed with urllib3's parser, the one the
    push uses, so the check and the push see the same host; spellings parsers disagree on
    (backslashes, whitespace, control characters) are refused."""
    from urllib3.exceptions import LocationParseError  # at first use: ~20 ms of start-up
    from urllib3.util import parse_url

    refused = InvalidRequest({field: ["must be an http or https URL"]})
    if any(c in url for c in "\\ ") or any(ord(c) < 33 or ord(c) == 127 for c in url):
        raise refused
    try:
        parts = parse_url(url)
        port = parts.port
        same = (urlsplit(url).hostname or "").lower()
    except (LocationParseError, ValueError):
        raise refused from None
    host = (parts.host or "").lower().strip("[]")
    if parts.scheme not in ("http", "https") or not host or same.strip("[]") != host:
        raise refused
    if port is not None and not 0 < port < 65536:
        raise refused


def parse_time(text: str, field: str) -> int:
    """Infobip's ``2026-11-22T10:15:00.000+0000`` or any ISO-8601 time with an offset."""
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise InvalidRequest({field: ["must be a date and time like 2026-11-22T10:15:00.000+0000"]}) from None
    if moment.tzinfo is None:
        raise InvalidRequest({field: ["must have a time zone offset"]})
    return to_ms(moment)


def _send_at(text: str | None, field: str, now: int) -> int | None:
    if text is None:
        return None
    at = parse_time(text, field)
    if at - now > MAX_SCHEDULE_MS:
        raise InvalidRequest({field: ["must be sooner than 180 days from now"]})
    return at


def _validity(ms: int | None) -> int:
    return MAX_VALIDITY_MS if ms is None else min(ms, MAX_VALIDITY_MS)


def _binary(content: Mapping[str, Any] | None) -> Binary | None:
    if content is None:
        return None
    # hex digit pairs, anything else between them a separator (the contract's pattern)
    digits = "".join(c for c in content["hex"] if c in string.hexdigits).lower()
    return Binary(
        " ".join(digits[i : i + 2] for i in range(0, len(digits), 2)),
        content.get("dataCoding", 0),
        content.get("esmClass", 0),
    )


def _window(window: Mapping[str, Any] | None, field: str) -> Window | None:
    if window is None:
        return None
    days = frozenset(DAYS.index(day) for day in window["days"])
    if "from" not in window:
        return Window(days)
    start = window["from"]["hour"] * 60 + window["from"]["minute"]
    end = window["to"]["hour"] * 60 + window["to"]["minute"]
    if (end - start) % (24 * 60) < 60:
        raise InvalidRequest({f"{field}.to": ["must be at least 1 hour after from"]})
    return Window(days, start, end)


def _speed(limit: Mapping[str, Any] | None) -> tuple[int, int] | None:
    if limit is None:
        return None
    return int(limit["amount"]), SPEED_UNIT_MS[limit.get("timeUnit", "MINUTE")]


def from_v2(body: Mapping[str, Any], now: int) -> SendRequest:
    """``/sms/2/text/advanced`` and ``/sms/2/binary/advanced`` (``binary`` instead of ``text``)."""
    messages = []
    for i, message in enumerate(body["messages"]):
        url = message.get("notifyUrl")
        if url is not None:
            check_callback_url(url, f"messages[{i}].notifyUrl")
        send_at = _send_at(message.get("sendAt"), f"messages[{i}].sendAt", now)
        window = _window(message.get("deliveryTimeWindow"), f"messages[{i}].deliveryTimeWindow")
        minutes = message.get("validityPeriod")
        for destination in message["destinations"]:
            messages.append(
                Outgoing(
                    to=destination.get("to"),
                    message_id=destination.get("messageId"),
                    sender=message.get("from"),
                    text=message.get("text", ""),
                    callback_url=url,
                    callback_data=message.get("callbackData"),
                    intermediate=bool(message.get("intermediateReport", False)),
                    validity_ms=_validity(None if minutes is None else minutes * 60_000),
                    send_at=send_at,
                    entity_id=message.get("entityId"),
                    application_id=message.get("applicationId"),
                    campaign_reference_id=message.get("campaignReferenceId"),
                    notify_xml=message.get("notifyContentType") == "application/xml",
                    binary=_binary(message.get("binary")),
                    window=window,
                )
            )
    return SendRequest(
        2,
        body.get("bulkId"),
        bool(body.get("includeSmsCountInResponse", False)),
        messages,
        _speed(body.get("sendingSpeedLimit")),
    )


def from_legacy(body: Mapping[str, Any], *, multi: bool) -> dict[str, Any]:
    """The body of ``/sms/2/text/advanced`` (or ``/sms/2/binary/advanced``) that a legacy send
    stands for: ``/sms/1/text/single``, ``/sms/2/text/single`` and ``/sms/1/binary/single`` (one
    message, ``to`` a number or a list), ``/sms/1/text/multi`` and ``/sms/1/binary/multi``
    (``messages``, each with its ``to``). Their answers always carry ``smsCount``."""
    messages = body["messages"] if multi else [body]
    converted = []
    for message in messages:
        to = message["to"]
        numbers = [to] if isinstance(to, str) else list(to)
        rest = {name: value for name, value in message.items() if name != "to"}
        converted.append({**rest, "destinations": [{"to": number} for number in numbers]})
    bulk = {"bulkId": body["bulkId"]} if multi and "bulkId" in body else {}
    return {**bulk, "messages": converted, "includeSmsCountInResponse": True}


def legacy_field(field: str, *, multi: bool) -> str:
    """A field of the advanced body :func:`from_legacy` made, named as in the legacy request."""
    field = re.sub(r"\.destinations\[\d+\]\.to\b", ".to", field)
    return field if multi else re.sub(r"^messages\[0\]\.", "", field)


def _numbers(message: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """A message's destinations with each group (MMS: ``{"group": [...]}``) as its numbers."""
    return [
        member
        for destination in message["destinations"]
        for member in destination.get("group", [destination])
    ]


def from_mms(body: Mapping[str, Any], now: int) -> SendRequest:
    """``POST /mms/2/messages``: the v3 reader with MMS content (title and segments; media URLs are
    recorded, never fetched); the text of an MMS is its TEXT segments; each number of a group
    destination is a message."""
    converted = {
        **body,
        "messages": [
            {
                **message,
                "destinations": _numbers(message),
                "content": {
                    "text": "\n".join(
                        segment["text"]
                        for segment in message["content"]["messageSegments"]
                        if segment["type"] == "TEXT"
                    )
                },
            }
            for message in body["messages"]
        ],
    }
    request = from_v3(converted, now)
    contents = [message["content"] for message in body["messages"] for _ in _numbers(message)]
    messages = [replace(m, mms=dict(content)) for m, content in zip(request.messages, contents, strict=True)]
    return replace(request, messages=messages, channel="mms")


@dataclass(frozen=True)
class Inline:
    """Content a ``/mms/1/advanced`` segment carried in Base64: kept as an upload when sent."""

    data: bytes
    content_type: str
    content_id: str | None


def _v1_segment(segment: Mapping[str, Any], field: str, inline: list[Inline]) -> dict[str, Any]:
    """A ``/mms/1/advanced`` segment in the form ``/mms/2/messages`` has (the form MMS are kept in):
    what it is, by the first of text, contentUrl, contentBase64 with contentType, smil with
    contentType, uploadedContentId it has (the contract's alternatives, in that order)."""
    named = {"contentId": segment["contentId"]} if "contentId" in segment else {}
    typed = {"contentType": segment["contentType"]} if "contentType" in segment else {}
    if "text" in segment:
        return {"type": "TEXT", **named, "text": segment["text"]}
    if "contentUrl" in segment:
        return {"type": "LINK", **named, **typed, "contentUrl": segment["contentUrl"]}
    if "contentBase64" in segment and "contentType" in segment:
        try:
            data = base64.b64decode("".join(segment["contentBase64"].split()), validate=True)
        except (binascii.Error, ValueError):
            raise InvalidRequest({f"{field}.contentBase64": ["must be Base64"]}) from None
        inline.append(Inline(data, segment["contentType"], segment.get("contentId")))
        return {"type": "UPLOADED_REFERENCE", **named, **typed, "inline": len(inline) - 1}
    if "smil" in segment and "contentType" in segment:
        return {"type": "SMIL", **named, **typed, "smil": segment["smil"]}
    return {"type": "UPLOADED_REFERENCE", **named, "uploadedContentId": segment["uploadedContentId"]}


def from_mms_v1(body: Mapping[str, Any], now: int) -> tuple[SendRequest, list[Inline]]:
    """``POST /mms/1/advanced`` (deprecated): the v2 reader with MMS content, group destinations
    (each number of a group is a message) and the Base64 contents to keep as uploads (their
    segments say ``inline``: an index into the list, replaced by :func:`with_uploads`)."""
    inline: list[Inline] = []
    messages, contents = [], []
    for i, message in enumerate(body["messages"]):
        destinations = _numbers(message)
        segments = [
            _v1_segment(segment, f"messages[{i}].messageSegments[{j}]", inline)
            for j, segment in enumerate(message["messageSegments"])
        ]
        content = {**({"title": message["title"]} if "title" in message else {}), "messageSegments": segments}
        rest = {k: v for k, v in message.items() if k not in ("messageSegments", "title", "destinations")}
        text = "\n".join(segment["text"] for segment in segments if segment["type"] == "TEXT")
        messages.append({**rest, "destinations": destinations, "text": text})
        contents.extend([content] * len(destinations))
    request = from_v2({**body, "messages": messages}, now)
    sent = [replace(m, mms=content) for m, content in zip(request.messages, contents, strict=True)]
    return replace(request, messages=sent, channel="mms", include_count=False), inline


def with_uploads(request: SendRequest, upload_ids: list[str]) -> SendRequest:
    """``request`` with each Base64 segment a reference to the upload it was kept as."""
    if not upload_ids:
        return request

    def kept(segment: dict[str, Any]) -> dict[str, Any]:
        if "inline" not in segment:
            return segment
        rest = {k: v for k, v in segment.items() if k != "inline"}
        return {**rest, "uploadedContentId": upload_ids[segment["inline"]]}

    messages = [
        replace(m, mms={**m.mms, "messageSegments": [kept(s) for s in m.mms["messageSegments"]]})
        if m.mms is not None
        else m
        for m in request.messages
    ]
    return replace(request, messages=messages)


def from_v3(body: Mapping[str, Any], now: int) -> SendRequest:
    options = body.get("options", {})
    schedule = options.get("schedule", {})
    start = _send_at(schedule.get("sendAt"), "options.schedule.sendAt", now)
    messages = []
    for i, message in enumerate(body["messages"]):
        webhooks = message.get("webhooks", {})
        delivery = webhooks.get("delivery", {})
        url = delivery.get("url")
        if url is not None:
            check_callback_url(url, f"messages[{i}].webhooks.delivery.url")
        if delivery.get("notify") is False:
            url = None
        message_options = message.get("options", {})
        validity = message_options.get("validityPeriod")
        validity_ms = (
            None if validity is None else validity["amount"] * UNIT_MS[validity.get("timeUnit", "MINUTES")]
        )
        window = _window(
            message_options.get("deliveryTimeWindow"), f"messages[{i}].options.deliveryTimeWindow"
        )
        platform = message_options.get("platform", {})
        content = message["content"]
        binary = _binary(content) if "hex" in content else None
        for destination in message["destinations"]:
            messages.append(
                Outgoing(
                    to=destination.get("to"),
                    message_id=destination.get("messageId"),
                    sender=message.get("sender"),
                    text="" if binary else content["text"],
                    callback_url=url,
                    callback_data=webhooks.get("callbackData"),
                    intermediate=bool(delivery.get("intermediateReport", False)),
                    validity_ms=_validity(validity_ms),
                    send_at=start,
                    entity_id=platform.get("entityId"),
                    application_id=platform.get("applicationId"),
                    campaign_reference_id=message_options.get("campaignReferenceId"),
                    notify_xml=webhooks.get("contentType") == "application/xml",
                    binary=binary,
                    window=window,
                )
            )
    return SendRequest(
        3,
        schedule.get("bulkId"),
        bool(options.get("includeSmsCountInResponse", False)),
        messages,
        _speed(schedule.get("sendingSpeedLimit")),
    )


def _flag(value: str | None) -> bool | None:
    return None if value is None else value.lower() == "true"


def _given(value: dict[str, Any]) -> dict[str, Any]:
    """``value`` without the members that were not given (None) or came out empty."""
    kept = {k: _given(v) if isinstance(v, dict) else v for k, v in value.items()}
    return {k: v for k, v in kept.items() if v is not None and v != {}}


def from_query(query: Mapping[str, str], version: int) -> dict[str, Any]:
    """The body of ``/sms/2/text/advanced`` (``version`` 2) or ``/sms/3/messages`` (3) that a
    ``/sms/1/text/query`` or ``/sms/3/text/query`` request stands for (one reader for all sends)."""
    q = query.get
    destinations = [{"to": to} for to in q("to", "").split(",") if to]
    if not destinations:  # "to=," names no number: as a missing one
        raise InvalidRequest({"to": ["must not be empty"]})
    minutes = q("validityPeriod")
    validity = None if minutes is None else int(minutes)
    message: dict[str, Any]
    if version == 2:
        message = {
            "from": q("from"),
            "text": q("text", ""),
            "destinations": destinations,
            "flash": _flag(q("flash")),
            "intermediateReport": _flag(q("intermediateReport")),
            "notifyUrl": q("notifyUrl"),
            "notifyContentType": q("notifyContentType"),
            "callbackData": q("callbackData"),
            "validityPeriod": validity,
            "sendAt": q("sendAt"),
            "transliteration": q("transliteration"),
            "language": {"languageCode": q("languageCode")},
        }
        return _given(
            {
                "bulkId": q("bulkId"),
                "messages": [message],
                "includeSmsCountInResponse": _flag(q("includeSmsCountInResponse")),
            }
        )
    message = {
        "sender": q("from"),
        "destinations": destinations,
        "content": {"text": q("text", ""), "transliteration": q("transliteration")},
        "webhooks": {
            "delivery": {"url": q("notifyUrl"), "intermediateReport": _flag(q("intermediateReport"))},
            "contentType": q("notifyContentType"),
            "callbackData": q("callbackData"),
        },
        "options": {
            "validityPeriod": None if validity is None else {"amount": validity, "timeUnit": "MINUTES"}
        },
    }
    return _given(
        {
            "messages": [message],
            "options": {
                "schedule": {"bulkId": q("bulkId"), "sendAt": q("sendAt")},
                "includeSmsCountInResponse": _flag(q("includeSmsCountInResponse")),
            },
        }
    )

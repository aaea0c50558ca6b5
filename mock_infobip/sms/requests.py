"""Send requests of both API versions, read into one version-neutral form.

The contracts have checked types and shapes already; this reads the values Infobip gives meaning to
and checks what a schema cannot: callback hosts (a setting lists where callbacks may go) and times.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from mock_infobip.clock import to_ms
from mock_infobip.errors import InvalidRequest

MAX_VALIDITY_MS = 2880 * 60 * 1000  # validity is capped at 48 h (2880 minutes), also the default
UNIT_MS = {"SECONDS": 1000, "MINUTES": 60_000, "HOURS": 3_600_000}


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


@dataclass(frozen=True)
class SendRequest:
    version: int
    bulk_id: str | None
    include_count: bool
    messages: list[Outgoing]


def is_loopback(host: str) -> bool:
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_callback_url(url: str, field: str, allowed_hosts: Collection[str]) -> None:
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if parts.scheme not in ("http", "https") or not host:
        raise InvalidRequest({field: ["must be an http or https URL"]})
    if not (is_loopback(host) or host in allowed_hosts):
        raise InvalidRequest(
            {field: [f"callbacks to host {host!r} are not allowed (setting callback_hosts)"]}
        )


def parse_time(text: str, field: str) -> int:
    """Infobip's ``2026-11-22T10:15:00.000+0000`` or any ISO-8601 time with an offset."""
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise InvalidRequest({field: ["must be a date and time like 2026-11-22T10:15:00.000+0000"]}) from None
    if moment.tzinfo is None:
        raise InvalidRequest({field: ["must have a time zone offset"]})
    return to_ms(moment)


def _validity(ms: int | None) -> int:
    return MAX_VALIDITY_MS if ms is None else min(ms, MAX_VALIDITY_MS)


def from_v2(body: Mapping[str, Any], allowed_hosts: Collection[str]) -> SendRequest:
    messages = []
    for i, message in enumerate(body["messages"]):
        url = message.get("notifyUrl")
        if url is not None:
            check_callback_url(url, f"messages[{i}].notifyUrl", allowed_hosts)
        send_at = message.get("sendAt")
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
                    send_at=None if send_at is None else parse_time(send_at, f"messages[{i}].sendAt"),
                    entity_id=message.get("entityId"),
                    application_id=message.get("applicationId"),
                    campaign_reference_id=message.get("campaignReferenceId"),
                    notify_xml=message.get("notifyContentType") == "application/xml",
                )
            )
    return SendRequest(2, body.get("bulkId"), bool(body.get("includeSmsCountInResponse", False)), messages)


def from_v3(body: Mapping[str, Any], allowed_hosts: Collection[str]) -> SendRequest:
    options = body.get("options", {})
    schedule = options.get("schedule", {})
    send_at = schedule.get("sendAt")
    start = None if send_at is None else parse_time(send_at, "options.schedule.sendAt")
    messages = []
    for i, message in enumerate(body["messages"]):
        webhooks = message.get("webhooks", {})
        delivery = webhooks.get("delivery", {})
        url = delivery.get("url")
        if url is not None:
            check_callback_url(url, f"messages[{i}].webhooks.delivery.url", allowed_hosts)
        if delivery.get("notify") is False:
            url = None
        message_options = message.get("options", {})
        validity = message_options.get("validityPeriod")
        validity_ms = (
            None if validity is None else validity["amount"] * UNIT_MS[validity.get("timeUnit", "MINUTES")]
        )
        platform = message_options.get("platform", {})
        for destination in message["destinations"]:
            messages.append(
                Outgoing(
                    to=destination.get("to"),
                    message_id=destination.get("messageId"),
                    sender=message.get("sender"),
                    text=message["content"]["text"],
                    callback_url=url,
                    callback_data=webhooks.get("callbackData"),
                    intermediate=bool(delivery.get("intermediateReport", False)),
                    validity_ms=_validity(validity_ms),
                    send_at=start,
                    entity_id=platform.get("entityId"),
                    application_id=platform.get("applicationId"),
                    campaign_reference_id=message_options.get("campaignReferenceId"),
                    notify_xml=webhooks.get("contentType") == "application/xml",
                )
            )
    return SendRequest(
        3, schedule.get("bulkId"), bool(options.get("includeSmsCountInResponse", False)), messages
    )

"""The wire shapes of SMS reports and logs, per API version (Infobip's OpenAPI for SMS).

v2 (``/sms/2/text/advanced`` callbacks, ``/sms/1/reports``, ``/sms/1/logs``) says ``to``, ``from``,
``smsCount``; v3 (``/sms/3/*``) says ``to``/``destination``, ``sender``, ``messageCount`` and
``platform``. An MMS in the older shape (``/mms/1/advanced`` callbacks, ``/mms/1/reports``,
``/mms/1/logs``, Infobip's MMS document) says ``mmsCount``, and its log has the title and segments.
No nulls: absent optional fields are left out.
"""

from __future__ import annotations

import json
from typing import Any

from mock_infobip.channels.messages.catalog import Catalog
from mock_infobip.core.clock import wire_time
from mock_infobip.storage.interface import Record

CURRENCY = "EUR"


def _price(row: Record) -> dict[str, Any]:
    return {"pricePerMessage": round(row["price"], 6), "currency": CURRENCY}


def _optional(row: Record, **fields: str) -> dict[str, Any]:
    return {name: row[column] for name, column in fields.items() if row[column] is not None}


def _platform(row: Record) -> dict[str, Any]:
    platform = _optional(row, entityId="entity_id", applicationId="application_id")
    return {"platform": platform} if platform else {}


def report(
    version: int, row: Record, status: str, error: str, done_at: int, catalog: Catalog
) -> dict[str, Any]:
    """One delivery report of message ``row`` with ``status`` and ``error`` (keys) at ``done_at``."""
    status_wire = catalog.status_of(status).wire()
    error_wire = catalog.error_of(error).wire()
    if version == 2:
        v2 = {
            "bulkId": row["bulk_id"],
            "messageId": row["message_id"],
            "to": row["destination"],
            **_optional(row, **{"from": "sender"}),
            "sentAt": wire_time(row["sent_at"]),
            "doneAt": wire_time(done_at),
            "smsCount": row["sms_count"],
            **_optional(row, mccMnc="mcc_mnc", callbackData="callback_data"),
            "price": _price(row),
            "status": status_wire,
            "error": error_wire,
            **_optional(
                row,
                entityId="entity_id",
                applicationId="application_id",
                campaignReferenceId="campaign_reference_id",
            ),
        }
        if row["channel"] == "mms":  # Infobip's MMS document: mmsCount, no campaignReferenceId
            return {
                ("mmsCount" if key == "smsCount" else key): value
                for key, value in v2.items()
                if key != "campaignReferenceId"
            }
        return v2
    return {
        "bulkId": row["bulk_id"],
        "price": _price(row),
        "status": status_wire,
        "error": error_wire,
        "messageId": row["message_id"],
        "to": row["destination"],
        **_optional(row, sender="sender"),
        "sentAt": wire_time(row["sent_at"]),
        "doneAt": wire_time(done_at),
        "messageCount": row["sms_count"],
        **_optional(row, mccMnc="mcc_mnc", callbackData="callback_data"),
        **_platform(row),
        **_optional(row, campaignReferenceId="campaign_reference_id"),
    }


def _content(row: Record) -> dict[str, Any]:
    """A v3 log's content: text, binary, or an MMS's title and segments."""
    for column in ("mms_content", "binary"):
        if row[column]:
            found: dict[str, Any] = json.loads(row[column])
            return found
    return {"text": row["text"]}


V1_SEGMENT_FIELDS = ("contentId", "text", "contentType", "contentUrl", "smil", "uploadedContentId")


def _v1_segment(segment: dict[str, Any]) -> dict[str, Any]:
    """A kept MMS segment (the ``/mms/2/messages`` form) as ``/mms/1/advanced`` takes it: its
    fields of that form, nothing else a ``/mms/2/messages`` request may have added."""
    return {name: segment[name] for name in V1_SEGMENT_FIELDS if name in segment}


def log(version: int, row: Record, catalog: Catalog) -> dict[str, Any]:
    """A message's log entry with its current status."""
    done = {"doneAt": wire_time(row["done_at"])} if row["done_at"] is not None else {}
    status_wire = catalog.status_of(row["status"]).wire()
    error_wire = catalog.error_of(row["error"]).wire()
    if version == 1 and row["channel"] == "mms":
        content = json.loads(row["mms_content"])
        return {
            **_optional(row, **{"from": "sender"}),
            "to": row["destination"],
            "bulkId": row["bulk_id"],
            "messageId": row["message_id"],
            **({"title": content["title"]} if "title" in content else {}),
            "messageSegments": [_v1_segment(segment) for segment in content["messageSegments"]],
            "sentAt": wire_time(row["sent_at"]),
            **done,
            "mmsCount": row["sms_count"],
            **_optional(row, mccMnc="mcc_mnc"),
            "price": _price(row),
            "status": status_wire,
            "error": error_wire,
            **_optional(row, applicationId="application_id", entityId="entity_id"),
        }
    if version == 1:
        return {
            "bulkId": row["bulk_id"],
            "messageId": row["message_id"],
            "to": row["destination"],
            **_optional(row, **{"from": "sender"}),
            "text": row["text"],
            "sentAt": wire_time(row["sent_at"]),
            **done,
            "smsCount": row["sms_count"],
            **_optional(row, mccMnc="mcc_mnc"),
            "price": _price(row),
            "status": status_wire,
            "error": error_wire,
            **_optional(
                row,
                applicationId="application_id",
                entityId="entity_id",
                campaignReferenceId="campaign_reference_id",
            ),
        }
    return {
        **_optional(row, sender="sender"),
        "destination": row["destination"],
        "bulkId": row["bulk_id"],
        "messageId": row["message_id"],
        "sentAt": wire_time(row["sent_at"]),
        **done,
        "messageCount": row["sms_count"],
        "price": _price(row),
        "status": status_wire,
        "error": error_wire,
        **_platform(row),
        "content": _content(row),
        **_optional(row, campaignReferenceId="campaign_reference_id", mccMnc="mcc_mnc"),
    }

"""Infobip's error envelopes: the bodies, and which messageId and text go with which status.

Which envelope an endpoint uses is declared per operation in ``contracts/operations.json``; the
texts are here, once (spec/README.md, "Conventions").
"""

from __future__ import annotations

from typing import Any

LEGACY = "legacy"
NEW = "new"
ADMIN = "admin"

# HTTP status -> (messageId, text) of the legacy envelope. 405 and 413 are our decisions.
LEGACY_MESSAGES: dict[int, tuple[str, str]] = {
    400: ("BAD_REQUEST", "Bad request"),
    401: ("UNAUTHORIZED", "Invalid login details"),
    403: ("FORBIDDEN", "Forbidden"),
    404: ("NOT_FOUND", "Not found"),
    405: ("METHOD_NOT_ALLOWED", "Method not allowed"),
    413: ("REQUEST_TOO_LARGE", "Request entity too large"),
    429: ("TOO_MANY_REQUESTS", "Too many requests"),
    500: ("GENERAL_ERROR", "Something went wrong. Please contact support."),
}

ADMIN_MESSAGES: dict[int, str] = {
    400: "bad request",
    401: "admin token missing or wrong",
    404: "not found",
    405: "method not allowed",
    409: "conflict",
    413: "request entity too large",
    500: "internal error",
}


def legacy(status: int, validation_errors: dict[str, list[str]] | None = None) -> dict[str, Any]:
    message_id, text = LEGACY_MESSAGES.get(status, LEGACY_MESSAGES[500])
    exception: dict[str, Any] = {"messageId": message_id, "text": text}
    if validation_errors:
        exception["validationErrors"] = validation_errors
    return {"requestError": {"serviceException": exception}}


def tag_not_found(list_id: str) -> dict[str, Any]:
    return {"statusCode": "TAG_NOT_FOUND", "message": f'Tag with id "{list_id}" does not exist'}


def admin(
    status: int, message: str | None = None, fields: dict[str, list[str]] | None = None
) -> dict[str, Any]:
    body: dict[str, Any] = {"error": message or ADMIN_MESSAGES.get(status, "error")}
    if fields:
        body["fields"] = fields
    return body


def error_body(
    envelope: str, status: int, fields: dict[str, list[str]] | None = None, message: str | None = None
) -> dict[str, Any]:
    """The body of an error ``status`` in ``envelope``."""
    if envelope == ADMIN:
        return admin(status, message, fields)
    return legacy(status, fields)

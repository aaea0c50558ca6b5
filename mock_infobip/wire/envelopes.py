"""Infobip's error envelopes: the bodies, and which messageId and text go with which status.

Which envelope an endpoint uses is declared per operation in ``contracts/operations.json``; the
texts are here, once (docs/decisions.md, "Conventions").
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
    # Decisions, for statuses only a fault rule produces:
    502: ("BAD_GATEWAY", "Bad gateway"),
    503: ("SERVICE_UNAVAILABLE", "Service unavailable"),
    504: ("GATEWAY_TIMEOUT", "Gateway timeout"),
}

# The /sms/3 envelope: HTTP status -> (errorCode, description, action, resources).
_DOCS = "https://www.infobip.com/docs/essentials/"
NEW_MESSAGES: dict[int, tuple[str, str, str, list[dict[str, str]]]] = {
    400: ("E400", "Request cannot be processed.", "Check the syntax, violations and adjust the request.", []),
    401: (
        "E401",
        "The request lacks valid authentication credentials for the requested resource.",
        "Check the resources and adjust authentication credentials.",
        [{"name": "API Authentication", "url": _DOCS + "api-authentication"}],
    ),
    403: (
        "E403",
        "Insufficient permissions to access the requested resource.",
        "Repeat the request with new or different credentials.",
        [{"name": "API Scopes", "url": _DOCS + "api-essentials/api-authorization#api-scopes"}],
    ),
    429: (
        "E429",
        "Too many requests sent.",
        "Check request rate limit specified in the API endpoint documentation resource.",
        [
            {
                "name": "Throttling handling errors",
                "url": _DOCS + "integration-best-practices#throttling-handling-errors",
            }
        ],
    ),
    500: ("E500", "Something went wrong.", "Contact the support.", []),
    # Decisions, for statuses only a fault rule produces:
    502: ("E502", "Bad gateway.", "Try again later.", []),
    503: ("E503", "Service unavailable.", "Try again later.", []),
    504: ("E504", "Gateway timeout.", "Try again later.", []),
}
# Statuses that are always answered in the legacy envelope, whatever the path (docs/decisions.md).
ALWAYS_LEGACY = frozenset({404, 405, 413})

ADMIN_MESSAGES: dict[int, str] = {
    400: "bad request",
    401: "admin token missing or wrong",
    403: "refused: a cross-site request, or a Host name this fake does not answer (setting allowed_hosts)",
    415: "send the admin API JSON (Content-Type: application/json)",
    404: "not found",
    405: "method not allowed",
    409: "conflict",
    413: "request entity too large",
    500: "internal error",
}


def legacy(
    status: int, validation_errors: dict[str, list[str]] | None = None, text: str | None = None
) -> dict[str, Any]:
    message_id, default_text = LEGACY_MESSAGES.get(status, LEGACY_MESSAGES[500])
    exception: dict[str, Any] = {"messageId": message_id, "text": text or default_text}
    if validation_errors:
        exception["validationErrors"] = validation_errors
    return {"requestError": {"serviceException": exception}}


def new(status: int, validation_errors: dict[str, list[str]] | None = None) -> dict[str, Any]:
    code, description, action, resources = NEW_MESSAGES.get(status, NEW_MESSAGES[500])
    violations = [
        {"property": field, "violation": message}
        for field, messages in (validation_errors or {}).items()
        for message in messages
    ]
    return {
        "errorCode": code,
        "description": description,
        "action": action,
        "violations": violations,
        "resources": [dict(r) for r in resources],
    }


def tag_not_found(list_id: str) -> dict[str, Any]:
    return {"statusCode": "TAG_NOT_FOUND", "message": f'Tag with id "{list_id}" does not exist'}


def upload_refused(text: str) -> dict[str, Any]:
    """The 400 of ``POST /mms/1/content``, as Infobip's example of it: an empty send result with the
    reason in ``errorMessage``."""
    return {"bulkId": "", "messages": [], "errorMessage": text}


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
    if envelope == NEW and status not in ALWAYS_LEGACY:
        return new(status, fields)
    return legacy(status, fields)

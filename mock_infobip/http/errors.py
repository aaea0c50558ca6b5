"""The one place where errors become Infobip's answers: domain errors (raised by services), HTTP
refusals (no route, wrong method, too large) and anything unexpected (a 500 in Infobip's shape),
in the envelope of the operation (or of the path, when none matched). The Infobip API's dispatch
calls these functions; Flask's handlers for the controls call the same ones."""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping

from flask import g, request
from werkzeug.exceptions import HTTPException, MethodNotAllowed

from mock_infobip.core.errors import (
    ApiNotFound,
    Conflict,
    DomainError,
    InvalidRequest,
    ListNotFound,
    NotFound,
    RateLimited,
    Unauthorized,
    UploadRefused,
)
from mock_infobip.http.paths import ADMIN_PREFIX
from mock_infobip.http.pipeline import Exchange, Incoming, current_request, runtime
from mock_infobip.http.reply import Reply, json_response
from mock_infobip.runtime import Runtime
from mock_infobip.storage.interface import Unstorable
from mock_infobip.wire import envelopes
from mock_infobip.wire.validation import Operation

log = logging.getLogger("mock_infobip")


def envelope_of(operation: Operation | None, path: str) -> str:
    """The error envelope of a request: its operation's, or by its path when it matched none."""
    if operation is not None:
        return operation.envelope
    if path.startswith(ADMIN_PREFIX):
        return envelopes.ADMIN
    return envelopes.NEW if path.startswith("/sms/3/") else envelopes.LEGACY


def error_reply(
    envelope: str,
    status: int,
    *,
    fields: dict[str, list[str]] | None = None,
    message: str | None = None,
    headers: Mapping[str, str] | None = None,
) -> Reply:
    return json_response(envelopes.error_body(envelope, status, fields, message), status, headers)


def domain_error(rt: Runtime, exc: DomainError, envelope: str, req: Incoming) -> Reply:
    """The one mapping of domain errors to Infobip's answers."""
    if isinstance(exc, Unauthorized):
        return error_reply(envelope, 401)
    if isinstance(exc, RateLimited):
        headers = {}
        if rt.settings.retry_after_header:
            headers["Retry-After"] = str(max(1, math.ceil(exc.retry_after)))
        return error_reply(envelope, 429, headers=headers)
    if isinstance(exc, InvalidRequest):
        return error_reply(envelope, 400, fields=exc.errors)
    if isinstance(exc, UploadRefused):
        return json_response(envelopes.upload_refused(exc.text), 400)
    if isinstance(exc, ListNotFound):
        return json_response(envelopes.tag_not_found(exc.list_id), 400)
    if isinstance(exc, ApiNotFound):
        return json_response(envelopes.legacy(404, text=exc.text), 404)
    if isinstance(exc, NotFound):
        return error_reply(envelope, 404, message=str(exc))
    if isinstance(exc, Conflict):
        return error_reply(envelope, 409, message=str(exc))
    return unexpected(rt, exc, envelope, req)


def http_error(exc: HTTPException, envelope: str) -> Reply:
    """An HTTP-level refusal (no route, wrong method, body too large, bad form) in Infobip's shape."""
    status = exc.code or 500
    if status not in envelopes.LEGACY_MESSAGES:
        status = 400 if 400 <= status < 500 else 500
    headers = {}
    if isinstance(exc, MethodNotAllowed) and exc.valid_methods:
        headers["Allow"] = ", ".join(sorted(exc.valid_methods))
    return error_reply(envelope, status, headers=headers)


def unexpected(rt: Runtime, exc: Exception, envelope: str, req: Incoming) -> Reply:
    if isinstance(exc, Unstorable):  # a value the engine cannot hold: the request's fault
        return error_reply(envelope, 400, fields={exc.field: [exc.reason]})
    log.error("unexpected error on %s %s", req.method, req.path, exc_info=exc)
    rt.errors.append(exc)
    return error_reply(envelope, 500)


# Under Flask (the controls): the envelope from the request context


def current_envelope() -> str:
    exchange: Exchange | None = g.get("exchange")
    return envelope_of(exchange.operation if exchange else None, request.path)


def error_response(
    status: int,
    *,
    fields: dict[str, list[str]] | None = None,
    message: str | None = None,
    headers: Mapping[str, str] | None = None,
) -> Reply:
    return error_reply(current_envelope(), status, fields=fields, message=message, headers=headers)


def flask_domain_error(exc: DomainError) -> Reply:
    return domain_error(runtime(), exc, current_envelope(), current_request())


def flask_http_error(exc: HTTPException) -> Reply:
    return http_error(exc, current_envelope())


def flask_unexpected(exc: Exception) -> Reply:
    return unexpected(runtime(), exc, current_envelope(), current_request())

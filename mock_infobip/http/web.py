"""The shared HTTP layer: JSON responses, the request pipeline every endpoint goes through, and the
one place where domain errors become Infobip envelopes.

Pipeline of an Infobip endpoint (spec/README.md): authentication (401) → rate limit (429) →
request validation against its contract (400) → the route, whose service may raise ``ListNotFound``
and the like.
"""

from __future__ import annotations

import hmac
import json
import logging
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, cast
from urllib.parse import urlsplit

from flask import Flask, current_app, g, request
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import HTTPException, MethodNotAllowed
from werkzeug.wrappers import Request

from mock_infobip.core import envelopes
from mock_infobip.core.accounts import Account, Principal
from mock_infobip.core.auth import authenticate
from mock_infobip.core.errors import (
    ApiNotFound,
    Conflict,
    DomainError,
    InvalidRequest,
    ListNotFound,
    NotFound,
    RateLimited,
    Unauthorized,
)
from mock_infobip.core.faults import Fault
from mock_infobip.core.net import is_loopback
from mock_infobip.core.validation import ROOT_FIELD, Operation
from mock_infobip.http.reply import Reply, json_response
from mock_infobip.http.wsgi import IN_PROCESS
from mock_infobip.runtime import Runtime

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIEnvironment

log = logging.getLogger("mock_infobip")
ADMIN_PREFIX = "/__admin"
DASHBOARD_PREFIX = "/dashboard"
LOGIN_PATH = DASHBOARD_PREFIX + "/login"
OPENAPI_PATH = "/openapi.json"
NOT_AN_OBJECT = "must be a JSON object"
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89abcdefABCDEF][0-9a-fA-F]{2}")


def runtime() -> Runtime:
    found: Runtime = current_app.extensions["mock_infobip"]
    return found


@dataclass
class Call:
    """What a route gets: the checked request."""

    runtime: Runtime
    operation: Operation
    principal: Principal | None
    body: Any
    query: dict[str, str] = field(default_factory=dict)
    path: dict[str, str] = field(default_factory=dict)

    @property
    def account(self) -> Account:
        assert self.principal is not None, "an admin route has no account"
        return self.principal.account


Handler = Callable[[Call], Reply]


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


_STRICT = json.JSONDecoder(parse_constant=_reject_constant)  # made once (json.loads makes one a call)


def parse_json(raw: bytes) -> Any:
    """Strict JSON: UTF-8, no NaN or Infinity, no lone surrogates; ValueError otherwise."""
    try:
        value = _STRICT.decode(raw.decode("utf-8"))
    except RecursionError:
        raise ValueError("nested too deeply") from None
    if _SURROGATE_ESCAPE.search(raw):
        json.dumps(value, ensure_ascii=False).encode("utf-8")  # raises on a lone surrogate
    return value


def without_nulls(value: Any) -> Any:
    """An object member sent as JSON ``null`` is "not given" (as Infobip reads it, and as its older
    official SDK sends every unset field); a required one is then missing and named as such.
    Array elements stay as they are."""
    if isinstance(value, dict):
        return {k: without_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [without_nulls(v) for v in value]
    return value


def printable_ascii(fields: Mapping[str, str]) -> bool:
    """Every name and value is printable ASCII (``Contracts.errors``'s ``plain``)."""
    return all(text.isascii() and text.isprintable() for pair in fields.items() for text in pair)


def plain_json(raw: bytes) -> bool:
    """Every string in this JSON text is printable ASCII (or DEL, no space or digit in either
    dialect): ASCII without a backslash, as JSON has control characters only escaped."""
    return raw.isascii() and b"\\" not in raw


class Incoming(Protocol):
    """What the pipeline reads of a request: werkzeug's Request (the controls, under Flask) or the
    Infobip API's lighter ``dispatch.ApiRequest``."""

    @property
    def environ(self) -> WSGIEnvironment: ...
    @property
    def method(self) -> str: ...
    @property
    def path(self) -> str: ...
    @property
    def args(self) -> MultiDict[str, str]: ...
    @property
    def form(self) -> MultiDict[str, str]: ...
    def get_data(self, cache: bool = True) -> bytes: ...


@dataclass
class Exchange:
    """One request as the pipeline learns it: the operation it matched, who sent it, the fault it took."""

    request: Incoming
    operation: Operation | None = None
    principal: Principal | None = None
    fault: Fault | None = None


def _read_body(rt: Runtime, operation: Operation, req: Incoming) -> Any:
    if operation.request_type == "form":  # the form, or the same fields in the query string
        fields = {**req.args.to_dict(), **req.form.to_dict()}
        body: Any = {key: value for key, value in fields.items()}
        plain = printable_ascii(fields)
    else:
        raw = req.get_data(cache=True)
        try:
            body = without_nulls(parse_json(raw))
        except ValueError:
            raise InvalidRequest({ROOT_FIELD: [NOT_AN_OBJECT]}) from None
        plain = plain_json(raw)
    assert operation.request is not None
    errors = rt.contracts.errors(operation.request, body, plain=plain)
    if errors:
        raise InvalidRequest(errors)
    return body


def _read_query(rt: Runtime, operation: Operation, req: Incoming) -> dict[str, str]:
    """The query; a parameter given more than once (``to=…&to=…``) reads as comma-separated, and
    ``to[]=…`` as ``to`` (how axios, under Infobip's Node SDK, writes arrays)."""
    query: dict[str, str] = {}
    for key in req.args if req.environ.get("QUERY_STRING") else ():  # most have none
        values = req.args.getlist(key)
        name = key.removesuffix("[]")
        query[name] = ",".join([query[name], *values] if name in query else values)
    if operation.query is not None:
        errors = rt.contracts.errors(operation.query, query, plain=printable_ascii(query))
        if errors:
            raise InvalidRequest(errors)
    return query


def authorization_header(req: Incoming) -> str | None:
    """The Authorization header as sent (werkzeug's ``headers.get("Authorization")``)."""
    found: str | None = req.environ.get("HTTP_AUTHORIZATION")
    return found


def _principal(rt: Runtime, operation: Operation, req: Incoming) -> Principal:
    header = authorization_header(req)
    if operation.auth == "query" and header is None:
        user, password = req.args.get("username"), req.args.get("password")
        found = rt.accounts.by_password(user, password or "") if user else None
        if found is None:
            raise Unauthorized()
        return found
    return authenticate(rt.accounts, header, rt.tokens.principal)


def run_operation(
    rt: Runtime, operation: Operation, handler: Handler, exchange: Exchange, path: dict[str, str]
) -> Reply:
    """The pipeline of one operation: authentication, rate limit, validation, then its route."""
    exchange.operation = operation
    req = exchange.request
    principal = None
    if operation.envelope != envelopes.ADMIN and operation.auth != "none":
        principal = exchange.principal = _principal(rt, operation, req)
        if operation.rate_limit is not None:
            rt.limiter.admit(principal, operation.rate_limit)
    query = _read_query(rt, operation, req)
    body = _read_body(rt, operation, req) if operation.request is not None else None
    return handler(Call(rt, operation, principal, body, query, path))


def make_view(rt: Runtime, operation: Operation, handler: Handler) -> Callable[..., Reply]:
    """The Flask view of an operation of the controls (the admin API); the Infobip API's are
    dispatched by :mod:`mock_infobip.http.dispatch` through the same :func:`run_operation`."""

    def view(**path: str) -> Reply:
        exchange = g.exchange = Exchange(_current_request())
        return run_operation(rt, operation, handler, exchange, path)

    view.__name__ = operation.id.replace(".", "_")
    return view


# --- errors -------------------------------------------------------------------------------------


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


def _current_request() -> Request:
    """Flask's ``request`` proxy, which stands for the request of the context it is used in (every
    use here is inside the request's context)."""
    found: Request = cast(Request, request)
    return found


def _flask_domain_error(exc: DomainError) -> Reply:
    return domain_error(runtime(), exc, current_envelope(), _current_request())


def _flask_http_error(exc: HTTPException) -> Reply:
    return http_error(exc, current_envelope())


def _flask_unexpected(exc: Exception) -> Reply:
    return unexpected(runtime(), exc, current_envelope(), _current_request())


# --- hooks --------------------------------------------------------------------------------------


STATE_CHANGING = frozenset({"POST", "PUT", "PATCH", "DELETE"})
ADMIN_COOKIE = "mock_infobip_admin"


def _host_allowed(rt: Runtime) -> bool:
    """The Host of a request to the controls: loopback, the bound host, or a configured name."""
    if request.environ.get(IN_PROCESS):
        return True
    host = request.host.lower()
    name = host[1 : host.index("]")] if host.startswith("[") and "]" in host else host.rsplit(":", 1)[0]
    settings = rt.settings
    return is_loopback(name) or name == settings.host.lower().strip("[]") or name in settings.allowed_hosts


def _cross_site() -> bool:
    """A browser says the request comes from another site (or the Origin is not this host)."""
    if request.headers.get("Sec-Fetch-Site", "same-origin") not in ("same-origin", "none"):
        return True
    origin = request.headers.get("Origin")
    if origin is None:
        return False
    return origin == "null" or urlsplit(origin).netloc.lower() != request.host.lower()


def admin_token_presented(rt: Runtime) -> bool:
    token = rt.settings.admin_token
    if not token:
        return True
    given = request.headers.get("Authorization", "")
    cookie = request.cookies.get(ADMIN_COOKIE, "")
    return hmac.compare_digest(given.encode(), f"Bearer {token}".encode()) or hmac.compare_digest(
        cookie.encode(), token.encode()
    )


def _guard_controls() -> Reply | None:
    """The admin API and the dashboard: known Host names only (DNS rebinding); state changes
    never from another site, the admin API's in JSON; with ``--admin-token``, the admin API and
    every dashboard action need the token (header, or the cookie the dashboard's sign-in sets)."""
    rt = runtime()
    if not _host_allowed(rt):
        return error_response(403)
    changing = request.method in STATE_CHANGING
    if changing and _cross_site():
        return error_response(403)
    admin = request.path.startswith(ADMIN_PREFIX)
    kind = request.mimetype
    if admin and changing and kind and kind != "application/json":
        return error_response(415)
    if (admin or changing) and request.path != LOGIN_PATH and not admin_token_presented(rt):
        return error_response(401)
    return None


def infobip_path(path: str) -> bool:
    """A path of the Infobip API surface (journaled, open to faults): not the admin API, the
    dashboard or the OpenAPI document."""
    return not (
        path.startswith(ADMIN_PREFIX) or path in ("/", OPENAPI_PATH) or path.startswith(DASHBOARD_PREFIX)
    )


def install(app: Flask) -> None:
    """Flask's hooks, for the controls (the Infobip API is dispatched by :mod:`.dispatch`)."""
    app.register_error_handler(DomainError, _flask_domain_error)
    app.register_error_handler(HTTPException, _flask_http_error)
    app.register_error_handler(Exception, _flask_unexpected)
    app.before_request(_guard_controls)

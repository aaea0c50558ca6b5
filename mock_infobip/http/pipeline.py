"""The pipeline every operation goes through (docs/decisions.md): authentication (401) → rate limit
(429) → request validation against its contract (400) → the route, whose service may raise
``ListNotFound`` and the like (mapped by :mod:`mock_infobip.http.errors`)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, cast

from flask import current_app, g, request
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Request

from mock_infobip.core.errors import InvalidRequest, Unauthorized
from mock_infobip.core.faults import Fault
from mock_infobip.http.reply import Reply
from mock_infobip.identity.accounts import Account, Principal
from mock_infobip.identity.auth import authenticate
from mock_infobip.runtime import Runtime
from mock_infobip.wire import envelopes
from mock_infobip.wire.nesting import TOO_DEEP, TooDeep, json_deeper_than
from mock_infobip.wire.validation import ROOT_FIELD, Operation
from mock_infobip.wire.xmlwire import NotXml, read

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIEnvironment

NOT_AN_OBJECT = "must be a JSON object"
NOT_XML = "must be an XML document"
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
    environ: Mapping[str, Any] = field(default_factory=dict)

    def header(self, name: str) -> str | None:
        """A request header (``X-Content-Id``), as sent."""
        found: str | None = self.environ.get("HTTP_" + name.upper().replace("-", "_"))
        return found

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
        raise TooDeep(TOO_DEEP) from None
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


def is_xml(content_type: str | None) -> bool:
    """``application/xml`` or ``text/xml`` (with any parameters)."""
    kind = (content_type or "").partition(";")[0].strip().lower()
    return kind in ("application/xml", "text/xml")


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
    elif operation.xml and is_xml(req.environ.get("CONTENT_TYPE")):
        assert operation.request is not None
        schema = rt.contracts.resolved(operation.request)
        try:
            body = read(req.get_data(cache=True), schema.contents, schema.resolver)
        except TooDeep:
            raise InvalidRequest({ROOT_FIELD: [TOO_DEEP]}) from None
        except NotXml:
            raise InvalidRequest({ROOT_FIELD: [NOT_XML]}) from None
        plain = False
    else:
        raw = req.get_data(cache=True)
        try:
            parsed = parse_json(raw)
        except TooDeep:
            raise InvalidRequest({ROOT_FIELD: [TOO_DEEP]}) from None
        except ValueError:
            raise InvalidRequest({ROOT_FIELD: [NOT_AN_OBJECT]}) from None
        if json_deeper_than(parsed):
            raise InvalidRequest({ROOT_FIELD: [TOO_DEEP]})
        body = without_nulls(parsed)
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
    return authenticate(rt.accounts, header, rt.tokens.principal, rt.sessions.principal)


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
    body: Any = None
    if operation.request_type == "binary":  # the bytes as sent (an upload): the route reads them
        body = req.get_data(cache=True)
    elif operation.request is not None:
        body = _read_body(rt, operation, req)
    return handler(Call(rt, operation, principal, body, query, path, req.environ))


def make_view(rt: Runtime, operation: Operation, handler: Handler) -> Callable[..., Reply]:
    """The Flask view of an operation of the controls (the admin API); the Infobip API's are
    dispatched by :mod:`mock_infobip.http.dispatch` through the same :func:`run_operation`."""

    def view(**path: str) -> Reply:
        exchange = g.exchange = Exchange(current_request())
        return run_operation(rt, operation, handler, exchange, path)

    view.__name__ = operation.id.replace(".", "_")
    return view


def current_request() -> Request:
    """Flask's ``request`` proxy, which stands for the request of the context it is used in (every
    use here is inside the request's context)."""
    found: Request = cast(Request, request)
    return found

"""The Infobip API's requests: dispatched over the Flask app's routing table, without Flask's
per-request machinery.

Every request to the Infobip surface (``paths.infobip_path``) goes here; the controls (admin API,
dashboard, OpenAPI document) stay with Flask. The order is the one Flask's hooks gave it before:

1. the route is matched (a miss or a bad Host is kept, to be raised after the fault);
2. a fault set for the request is taken (latency, dropped connection, an error status);
3. the operation's pipeline (``pipeline.run_operation``: authentication, rate limit, validation, the
   route's handler), errors mapped by ``errors.domain_error``/``http_error``/``unexpected``;
4. the journal records the answer, then a ``truncate`` fault cuts its body.

Why not Flask's ``full_dispatch_request``: its request and application contexts, signals, session
and URL-adapter binding cost as much as the fake's own work on a create list (measured with
``benchmarks/bench_app_cost.py``; the figures are in ``benchmarks/README.md``). The routes, the
views' pipeline and the error mapping are the same objects either way.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import (
    BadHost,
    ClientDisconnected,
    HTTPException,
    NotFound,
    RequestEntityTooLarge,
)
from werkzeug.routing import MapAdapter
from werkzeug.wrappers import Request
from werkzeug.wsgi import get_content_length

from mock_infobip.core.errors import DomainError
from mock_infobip.core.faults import Fault
from mock_infobip.core.journal import Entry
from mock_infobip.http.errors import domain_error, envelope_of, error_reply, http_error, unexpected
from mock_infobip.http.paths import infobip_path
from mock_infobip.http.pipeline import Exchange, Handler, authorization_header, run_operation
from mock_infobip.http.reply import Reply, as_xml, prefers_xml
from mock_infobip.http.signals import (
    CLIENT_GONE,
    JOURNAL_LATER,
    LATENCY_DONE,
    NO_WAIT,
    PRESET_FAULT,
    DropConnection,
    Hold,
)
from mock_infobip.system.wall import elapsed
from mock_infobip.wire.credentials import presented_key

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment
    from flask import Flask

    from mock_infobip.runtime import Runtime


class ApiRequest:
    """A request of the Infobip API as the pipeline reads it (``pipeline.Incoming``): method, path,
    environ and a body of a declared length within the limit read at once; anything else (the
    query's and a form's fields, the Host, a body of no declared length, chunked or too large)
    from werkzeug's ``Request`` over the same environ, made when first needed (werkzeug's Request
    for every request, its headers and its wrapping stream cost a create list a tenth of its
    instructions)."""

    __slots__ = ("_data", "_werkzeug", "environ", "max_content_length", "method", "path")

    def __init__(self, environ: WSGIEnvironment, max_content_length: int | None) -> None:
        self.environ = environ
        self.max_content_length = max_content_length
        # as werkzeug's Request reads them
        self.method: str = environ.get("REQUEST_METHOD", "GET").upper()
        path = (environ.get("PATH_INFO") or "").encode("latin1").decode(errors="replace")
        self.path: str = "/" + path.lstrip("/")
        self._data: bytes | None = None
        self._werkzeug: Request | None = None

    @property
    def werkzeug(self) -> Request:
        """werkzeug's Request of this environ (413 beyond the limit, as Flask's MAX_CONTENT_LENGTH);
        made after the body was read, it reads that body again, from memory."""
        if self._werkzeug is None:
            environ = self.environ
            if self._data is not None:
                environ = {
                    **environ,
                    "wsgi.input": io.BytesIO(self._data),
                    "CONTENT_LENGTH": str(len(self._data)),
                }
                environ.pop("HTTP_TRANSFER_ENCODING", None)
            full = self._werkzeug = Request(environ, populate_request=False)
            full.max_content_length = self.max_content_length
        return self._werkzeug

    @property
    def args(self) -> MultiDict[str, str]:
        return self.werkzeug.args

    @property
    def form(self) -> MultiDict[str, str]:
        return self.werkzeug.form

    @property
    def query_string(self) -> str:
        found: str = self.environ.get("QUERY_STRING", "")
        return found

    def get_data(self, cache: bool = True) -> bytes:
        """The body, read once (``cache`` is always true here)."""
        if self._data is not None:
            return self._data
        if self._werkzeug is None:
            declared = get_content_length(self.environ)
            limit = self.max_content_length
            if declared is not None and (limit is None or declared <= limit):
                self._data = _read_declared(self.environ, declared, limit)
                return self._data
        self._data = self.werkzeug.get_data(cache=True)  # werkzeug's reading (made first, or no length)
        return self._data


def _read_declared(environ: WSGIEnvironment, declared: int, limit: int | None) -> bytes:
    """What werkzeug's ``get_input_stream(...).read()`` reads of a body of ``declared`` bytes: a
    stream the server ends itself (``wsgi.input_terminated``, as the fake's server's) to its end, up to the
    limit (a limit of 0 refuses even an empty body, as werkzeug does); any other up to ``declared``
    bytes, a client gone before them ``ClientDisconnected``."""
    stream = environ["wsgi.input"]
    terminated = "wsgi.input_terminated" in environ
    wanted = limit if terminated else declared
    if wanted is None:
        return bytes(stream.read())  # the server's own stream, read once
    if wanted == 0 and terminated:
        raise RequestEntityTooLarge()  # werkzeug's stream is spent before a byte: over its maximum
    data = bytearray()
    while len(data) < wanted:
        more = stream.read(wanted - len(data))
        if not more:
            if not terminated:
                raise ClientDisconnected()
            break
        data += more
    return bytes(data)


class InfobipApi:
    """Serves the Infobip API's requests of one app (see the module's docstring)."""

    def __init__(self, app: Flask, runtime: Runtime, handlers: dict[str, Handler]) -> None:
        self.runtime = runtime
        self.max_body = runtime.settings.max_body_bytes
        # One adapter for every request: no rule of the map depends on the host or the scheme
        # (Flask binds one a request; the Host is still checked as that binding checks it).
        self._adapter: MapAdapter = app.url_map.bind("localhost", subdomain="")
        self._hosts: dict[str | None, bool] = {}
        self._matches: dict[tuple[str, str], tuple[str, dict[str, Any]]] = {}
        self._routes = {
            operation.id: (operation, handlers[operation.id])
            for operation in runtime.contracts.operations.values()
            if infobip_path(operation.path)
        }

    def request(self, environ: WSGIEnvironment) -> ApiRequest:
        return ApiRequest(environ, self.max_body)  # as Flask's MAX_CONTENT_LENGTH: 413 beyond it

    def __call__(self, req: ApiRequest, start_response: StartResponse) -> Iterable[bytes]:
        exchange = Exchange(req)
        rt = self.runtime
        try:
            response = self._answer(exchange, req)
        except DomainError as exc:
            response = domain_error(rt, exc, self._envelope(exchange), req)
        except HTTPException as exc:
            response = http_error(exc, self._envelope(exchange))
        except Exception as exc:  # any other error: a 500 in Infobip's shape
            response = unexpected(rt, exc, self._envelope(exchange), req)
        operation = exchange.operation
        if operation is not None and operation.xml and prefers_xml(req.environ.get("HTTP_ACCEPT")):
            response = as_xml(response, operation.xml, operation.xml_items)
        try:
            later = bool(req.environ.get(JOURNAL_LATER))
            rt.journal.record(self._entry(exchange, req, response.status_code, response.text), later=later)
        except Exception as exc:  # the journal failed: a 500, as Flask answered it
            response = unexpected(rt, exc, self._envelope(exchange), req)
        fault = exchange.fault
        if fault is not None and fault.truncate:  # the full Content-Length, half the body
            response = response.cut()
        return response(req.environ, start_response)

    def _envelope(self, exchange: Exchange) -> str:
        return envelope_of(exchange.operation, exchange.request.path)

    def _match(self, req: ApiRequest) -> tuple[str | None, dict[str, Any], HTTPException | None]:
        """The operation a request is for and its path's parameters, or why none: what Flask's
        binding of a URL adapter and its match give. Matches and good Host values are remembered
        (the last ones seen); a refusal is worked out again each time, so that no exception object
        (and the request its traceback holds) outlives its request."""
        host = req.environ.get("HTTP_HOST")
        if host not in self._hosts:
            try:  # BadHost (400) if not a host name, as binding a URL adapter checks it
                req.werkzeug.host.lower().partition(":")[0].encode("idna")
            except UnicodeError:
                return None, {}, BadHost()
            _remember(self._hosts, host, True)
        key = (req.method, req.path)
        found = self._matches.get(key)
        if found is None:
            try:
                endpoint, args = self._adapter.match(req.path, req.method)
            except HTTPException as exc:  # no route, or not this method (405 with Allow)
                return None, {}, exc
            found = (str(endpoint), dict(args))
            _remember(self._matches, key, found)
        return found[0], dict(found[1]), None

    def _answer(self, exchange: Exchange, req: ApiRequest) -> Reply:
        endpoint, args, refused = self._match(req)
        faulted = self._apply_fault(exchange, req, endpoint)
        if faulted is not None:
            return faulted
        if refused is not None:
            raise refused
        route = self._routes.get(endpoint or "")
        if route is None:
            raise NotFound()
        operation, handler = route
        return run_operation(self.runtime, operation, handler, exchange, args)

    def _apply_fault(self, exchange: Exchange, req: ApiRequest, endpoint: str | None) -> Reply | None:
        rt = self.runtime
        environ = req.environ
        fault = environ.get(PRESET_FAULT) or rt.faults.take(req.method, req.path, authorization_header(req))
        if fault is None:
            return None
        exchange.fault = fault
        gone = environ.get(CLIENT_GONE)
        if fault.latency_ms > 0 and not (gone or environ.get(LATENCY_DONE)):
            if environ.get(NO_WAIT):  # waited out by whoever serves it, then served again
                raise Hold(fault, self._waiter(fault))
            rt.clock.real_sleep(fault.latency_ms / 1000, *rt.faults.holding())  # (holding reads the store)
        if fault.drop or gone:
            rt.journal.record(self._entry(exchange, req, 0, ""), later=bool(environ.get(JOURNAL_LATER)))
            raise DropConnection()
        if fault.status is not None:
            exchange.operation = self._routes[endpoint][0] if endpoint in self._routes else None
            return error_reply(self._envelope(exchange), fault.status)
        return None

    def _waiter(self, fault: Fault) -> Callable[[float], bool]:
        """``Hold.wait_out`` of a request held by ``fault``, from now."""
        rt = self.runtime
        release, elsewhere = rt.faults.holding()
        ends = elapsed() + fault.latency_ms / 1000

        def wait_out(limit: float) -> bool:
            left = ends - elapsed()
            released = rt.clock.real_sleep(min(left, limit), release, elsewhere)
            return released or left <= limit

        return wait_out

    def _entry(self, exchange: Exchange, req: ApiRequest, status: int, response_body: str) -> Entry:
        try:
            raw = b"" if status == 413 else req.get_data(cache=True)
        except HTTPException:
            raw = b""
        principal, operation = exchange.principal, exchange.operation
        return Entry(
            method=req.method,
            path=req.path,
            query=req.query_string,
            status=status,
            api_key=principal.api_key if principal else presented_key(authorization_header(req)),
            account_id=principal.account.id if principal else None,
            operation=operation.id if operation else None,
            request_body=raw.decode("utf-8", "replace"),
            response_body=response_body,
        )


REMEMBERED = 512  # matches (and Host values) kept a process; forgotten all at once beyond


def _remember(seen: dict[Any, Any], key: Any, value: Any) -> None:
    if len(seen) >= REMEMBERED:
        seen.clear()
    seen[key] = value

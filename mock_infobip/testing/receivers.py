"""Callbacks to receivers in the test's own process (:meth:`Handle.add_receiver`): a WSGI app or a
function, reached over a memory socket by the transport that posts every push."""

from __future__ import annotations

import asyncio
import inspect
import json as json_module
from collections.abc import Callable, Iterable
from http import HTTPStatus
from http.client import HTTPException
from typing import Any
from urllib.parse import urlsplit

from mock_infobip.delivery.callbacks import Answer, HttpTransport, Transport, describe
from mock_infobip.inprocess import ROUTER
from mock_infobip.inprocess.router import origin
from mock_infobip.inprocess.stdlib import memory_connection

WsgiApp = Callable[..., Iterable[bytes]]


def is_wsgi(receiver: Callable[..., Any]) -> bool:
    """A WSGI app takes (environ, start_response); a receiver function takes the body."""
    try:
        parameters = inspect.signature(receiver).parameters.values()
    except (TypeError, ValueError):
        return True
    positional = [p for p in parameters if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    return len(positional) >= 2 or any(p.kind is p.VAR_POSITIONAL for p in parameters)


def function_app(function: Callable[[Any], int | None]) -> WsgiApp:
    """A receiver function as a WSGI app: called with the push's body, answering its status."""

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        stream = environ["wsgi.input"]
        raw = stream.read(int(environ.get("CONTENT_LENGTH") or 0))
        text = raw.decode("utf-8", "replace")
        xml = "xml" in environ.get("CONTENT_TYPE", "")
        status = function(text if xml else json_module.loads(text or "null"))
        code = 200 if status is None else int(status)
        start_response(f"{code} {HTTPStatus(code).phrase}", [("Content-Length", "0")])
        return [b""]

    return app


class RoutedTransport:
    """Callbacks to receivers registered in this process (:meth:`Handle.add_receiver`) are served
    by their WSGI app over a memory socket (same parsing, same errors); every other URL goes over
    HTTP."""

    def __init__(self, http: Transport | None = None) -> None:
        self._http = http or HttpTransport()

    async def post(
        self, url: str, body: bytes, timeout: float, content_type: str = "application/json"
    ) -> Answer:
        route = ROUTER.route(*origin(url))
        if route is None:
            return await self._http.post(url, body, timeout, content_type)
        # the receiver's app runs in this process, blocking: on a thread of the pushes' pool
        return await asyncio.to_thread(self._in_memory, route, url, body, timeout, content_type)

    @staticmethod
    def _in_memory(route: Any, url: str, body: bytes, timeout: float, content_type: str) -> Answer:
        parts = urlsplit(url)
        connection = memory_connection(route)(parts.hostname or route.host, parts.port, timeout=timeout)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        try:
            connection.request("POST", target, body=body, headers={"Content-Type": content_type})
            return Answer(connection.getresponse().status)
        except TimeoutError:
            return Answer(None, f"timeout after {timeout:g} s")
        except (OSError, HTTPException) as exc:
            return Answer(None, describe(exc))
        finally:
            connection.close()

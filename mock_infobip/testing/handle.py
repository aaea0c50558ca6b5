"""What a test holds of the fake (:class:`Handle`): the base URL, keys and headers, the admin
steps (clock, outcomes, faults, receivers, reset) and what happened (messages, requests, lists),
the same in process and on a loopback server."""

from __future__ import annotations

import fnmatch
import json as json_module
import traceback
import warnings
from collections.abc import Callable, Iterable, Mapping
from types import CodeType
from typing import Any, cast
from urllib.parse import urlsplit

from mock_infobip.core.errors import InvalidRequest
from mock_infobip.core.faults import path_pattern
from mock_infobip.inprocess import ROUTER, RealInfobipBlocked
from mock_infobip.inprocess.router import Route
from mock_infobip.runtime import Runtime
from mock_infobip.system import wall
from mock_infobip.testing.clockhandle import ClockHandle
from mock_infobip.testing.receivers import WsgiApp, function_app, is_wsgi


class FakeError(AssertionError):
    """An unexpected exception was raised inside the fake while it served a request."""


# --- the handle -----------------------------------------------------------------------------------


_ANY: Any = object()  # assert_requested without a body to compare


def _journal_body(entry: Mapping[str, Any]) -> Any:
    try:
        return json_module.loads(str(entry["requestBody"]))
    except ValueError:
        return None


def listing(entries: Iterable[Mapping[str, Any]]) -> str:
    """Journal entries a line each (``  POST /path -> 404``), for assertion messages."""
    return "\n".join(f"  {e['method']} {e['path']} -> {e['status']}" for e in entries) or "  (none)"


class NoReportsWarning(UserWarning):
    """An outcome rule for a country without delivery reports: its reports never come."""


class Handle:
    """What a test steers and inspects the fake with, in process or on a server."""

    def __init__(
        self,
        runtime: Runtime,
        base_url: str,
        app: WsgiApp | None = None,
        base_urls: tuple[str, ...] = (),
        allow_real_infobip: bool = False,
    ) -> None:
        self.runtime = runtime
        self.base_url = base_url
        self.clock = ClockHandle(runtime)
        self._app = app  # in process: the app the base URLs are routed to
        self._base_urls = base_urls
        self._guards = not allow_real_infobip
        self._routes: list[Route | object] = []
        self._receivers: list[Route] = []

    def activate(self) -> None:
        """Serve the base URLs from the app in this process (in-process fake), and, unless
        ``allow_real_infobip``, refuse connections to the real Infobip while active."""
        if self._routes:
            return
        if self._app is not None:
            self._routes = [ROUTER.add(url, self._app) for url in self._base_urls]
        if self._guards:
            self._routes.append(ROUTER.guard())

    def deactivate(self) -> None:
        for route in self._routes:
            ROUTER.remove(route)
        self._routes = []

    @property
    def api_key(self) -> str:
        return self.runtime.api_key

    @property
    def headers(self) -> dict[str, str]:
        """``Authorization: App <api_key>``."""
        return {"Authorization": f"App {self.api_key}"}

    def _checked(self, ref: str, body: Mapping[str, Any]) -> Mapping[str, Any]:
        errors = self.runtime.contracts.errors(ref, body)
        if errors:
            raise InvalidRequest(errors)
        return body

    def outcome(
        self,
        status: str = "DELIVERED_TO_HANDSET",
        *,
        to: str | None = None,
        prefix: str | None = None,
        country: str | None = None,
        error: str | None = None,
        delay_seconds: float = 0,
        intermediate: list[str] | None = None,
        report_delay_seconds: float = 0,
        reply: str | None = None,
        reply_delay_seconds: float = 0,
    ) -> int:
        """An outcome rule (the most recent matching one wins); returns its id. ``reply``: the
        handset answers that text ``reply_delay_seconds`` after the message reached it."""
        match = {k: v for k, v in (("to", to), ("prefix", prefix), ("country", country)) if v is not None}
        body: dict[str, Any] = {
            "match": match,
            "status": status,
            "delaySeconds": delay_seconds,
            "reportDelaySeconds": report_delay_seconds,
        }
        if error is not None:
            body["error"] = error
        if intermediate is not None:
            body["intermediate"] = intermediate
        if reply is not None:
            body["reply"] = {"text": reply, "delaySeconds": reply_delay_seconds}
        rule = self.runtime.outcomes.add(self._checked("admin/admin.schema.json#/$defs/outcomeRequest", body))
        if rule.reaches_no_reports(self.runtime.messaging.no_dlr) and not status.startswith("REJECTED"):
            warnings.warn(
                f"outcome {status} for {match}: a country without delivery reports, where no report of it "
                "will ever come (only rejections are reported there; setting no_dlr_mode)",
                NoReportsWarning,
                stacklevel=2,
            )
        return rule.id

    def fault(
        self,
        *,
        method: str = "*",
        path: str = "*",
        api_key: str | None = None,
        status: int | None = None,
        latency_ms: int | None = None,
        drop: bool | None = None,
        truncate: bool | None = None,
        times: int | None = None,
        probability: float | None = None,
    ) -> int:
        """A fault rule for matching requests; returns its id."""
        fields = {
            "method": method,
            "path": path,
            "apiKey": api_key,
            "status": status,
            "latencyMs": latency_ms,
            "drop": drop,
            "truncate": truncate,
            "times": times,
            "probability": probability,
        }
        body = {k: v for k, v in fields.items() if v is not None}
        return self.runtime.faults.add(self._checked("admin/admin.schema.json#/$defs/faultRequest", body)).id

    def clear_faults(self) -> int:
        """Delete every fault rule (requests held by a latency are released); returns how many."""
        return self.runtime.faults.delete()

    def number(
        self,
        number: str,
        *,
        forward_url: str | None = None,
        keywords: list[str] | None = None,
        account: int | None = None,
    ) -> dict[str, Any]:
        """Give an account (default: the default account) a number handsets can text."""
        body: dict[str, Any] = {"number": number, "keywords": keywords or []}
        if forward_url is not None:
            body["forwardUrl"] = forward_url
        self._checked("admin/admin.schema.json#/$defs/numberRequest", body)
        rt = self.runtime
        found = rt.inbound.add_number(body, account or rt.default_account.id)
        return found

    def handset(
        self, sender: str, to: str, text: str = "", segments: list[dict[str, str]] | None = None
    ) -> dict[str, Any]:
        """A handset texts ``to`` now (forwarded or pullable as the number says); with ``segments``
        (``{"contentType", "value" | "url"}``) it sends an MMS."""
        body: dict[str, Any] = {"from": sender, "to": to, "text": text}
        if segments:
            body = {"from": sender, "to": to, "segments": segments}
        message = self.runtime.inbound.receive(
            self._checked("admin/admin.schema.json#/$defs/inboundRequest", body)
        )
        self.runtime.kick()
        return message

    def inbound(self, **query: str) -> list[dict[str, Any]]:
        """Every inbound message, newest first."""
        return self.runtime.inbound.listing({"limit": "100000", **query})

    def lists(self) -> list[dict[str, Any]]:
        return self.runtime.lists.summaries()

    def members(self, list_id: int) -> list[str]:
        return [str(m) for m in self.runtime.lists.describe(list_id)["members"]]  # type: ignore[attr-defined]

    def delete_list(self, list_id: int) -> None:
        """As a user deleting the tag in Infobip's web interface."""
        self.runtime.lists.delete(list_id)

    def messages(self, **query: str) -> list[dict[str, Any]]:
        return self.runtime.reports.outbox({"limit": "100000", **query})

    def wait_for_message(
        self, to: str | None = None, *, timeout: float = 10, **filters: str
    ) -> dict[str, Any]:
        """The first message sent to ``to`` (and matching ``filters``: ``q``, a search as
        docs/search.md has it, ``status``, ``messageId``, ``since``) from now on (or after
        ``since``), waited for up to ``timeout`` seconds of the wall clock while the code under test
        sends it (the fake's clock may stand still). Raises :class:`FakeError` naming what did
        arrive meanwhile."""
        query = {**filters, **({"to": to.removeprefix("+")} if to else {})}
        if "since" not in query:  # only what is sent from now on
            newest = self.runtime.reports.outbox({"limit": "1"})
            query["since"] = newest[0]["messageId"] if newest else "1970-01-01T00:00:00Z"
        until = wall.elapsed() + timeout
        while not (found := self.runtime.reports.outbox(query)) and wall.elapsed() < until:
            wall.pause(min(0.05, max(0.0, until - wall.elapsed())))
        if found:
            return found[-1]  # newest first: the last is the first sent
        arrived = self.runtime.reports.outbox({"since": query["since"], "limit": "20"})
        shown = ", ".join(f"{m['to']}: {m['text']!r} ({m['status']})" for m in arrived) or "none"
        wanted = f"to {to or 'anyone'} matching {filters or 'anything'}"
        raise FakeError(f"no message {wanted} within {timeout:g} s; arrived: {shown}")

    def pins(self, **query: str) -> list[dict[str, Any]]:
        """Every 2FA PIN, newest first, with its value (filters: ``to``, ``applicationId``, ``pinId``)."""
        return self.runtime.pins.listing({"limit": "100000", **query})

    def last_pin(self, to: str) -> str:
        """The PIN most recently sent to ``to`` (SMS, voice or email), as the user would type it."""
        found = self.runtime.pins.listing({"to": to, "limit": "1"})
        if not found:
            raise AssertionError(f"no PIN was sent to {to}")
        return str(found[0]["pin"])

    def force_pin(self, to: str, pin: str | None) -> None:
        """Every PIN sent to ``to`` from now on is ``pin``; None: generated again."""
        if pin is None:
            self.runtime.pins.unforce(to)
        else:
            body = self._checked("admin/admin.schema.json#/$defs/forcedPinRequest", {"to": to, "pin": pin})
            self.runtime.pins.force(body["to"], body["pin"])

    def callbacks(self) -> list[dict[str, Any]]:
        return self.runtime.reports.attempts({"limit": "100000"})

    def assert_requested(
        self, method: str, path: str, *, times: int | None = None, json: Any = _ANY
    ) -> list[dict[str, Any]]:
        """Assert that the code under test called ``method path`` (a ``{listId}`` template or a
        glob), ``times`` times when given (else at least once), with this JSON body when given;
        returns the matching journal entries, oldest first."""
        pattern = path_pattern(path)
        seen = list(reversed(self.runtime.journal.entries()))
        found = [
            e
            for e in seen
            if e["method"] == method.upper()
            and fnmatch.fnmatchcase(str(e["path"]), pattern)
            and (json is _ANY or _journal_body(e) == json)
        ]
        if (times is None and not found) or (times is not None and len(found) != times):
            listed = listing(seen[-20:])
            wanted = "at least once" if times is None else f"{times} time(s)"
            body = "" if json is _ANY else " with that JSON body"
            raise AssertionError(
                f"expected {method.upper()} {path} {wanted}{body}, found {len(found)}; "
                f"requests seen:\n{listed}"
            )
        return found

    def unmatched(self) -> list[dict[str, Any]]:
        """Requests that no operation of the fake matched (answered 404 or 405), oldest first."""
        return [
            e
            for e in reversed(self.runtime.journal.entries())
            if e["operation"] is None and e["status"] in (404, 405)
        ]

    def requests(self, path: str | None = None, api_key: str | None = None) -> list[dict[str, Any]]:
        """The request journal, newest first."""
        return self.runtime.journal.entries(path=path, api_key=api_key)

    def add_account(
        self,
        name: str,
        api_keys: list[str] | None = None,
        identifier: str = "email",
        username: str | None = None,
        password: str | None = None,
    ) -> dict[str, Any]:
        account, keys = self.runtime.add_account(name, api_keys, identifier, username, password)
        return {"id": account.id, "name": account.name, "identifier": account.identifier, "apiKeys": keys}

    def revoke_key(self, api_key: str, revoked: bool = True) -> None:
        self.runtime.accounts.set_revoked(api_key, revoked)

    def add_receiver(
        self, receiver: WsgiApp | Callable[[Any], int | None], base_url: str = "http://receiver.test"
    ) -> str:
        """Serve pushes to ``base_url`` (any URL: ``https://myapp.example.com`` too) in this
        process, with no socket; returns the base URL. ``receiver`` is a WSGI app, or a function
        called with each push's body (parsed JSON, or the text of an XML one) that returns the
        status to answer (None: 200)."""
        app: WsgiApp = (
            cast(WsgiApp, receiver)
            if is_wsgi(receiver)
            else function_app(cast(Callable[[Any], int | None], receiver))
        )
        self._receivers.append(ROUTER.add(base_url, app))
        host = urlsplit(base_url).hostname
        if host:
            self.runtime.callback_hosts.add(host.lower())
        return base_url.rstrip("/")

    def reset(self) -> None:
        """Wipe everything but accounts, keys and the clock; forget recorded errors."""
        self.runtime.reset()
        self.runtime.errors.clear()

    def check(self, handled_in: CodeType | None = None) -> None:
        """Raise :class:`FakeError` if the fake raised an unexpected exception since the last check,
        and :class:`RealInfobipBlocked` if the code under test tried to reach the real Infobip. A
        blocked call whose error was caught in ``handled_in`` (the test function's code: the plugin
        passes it, so ``pytest.raises(RealInfobipBlocked)`` in the test handles it) is not raised."""
        blocked, ROUTER.blocked[:] = list(ROUTER.blocked), []
        blocked = [error for error in blocked if handled_in is None or not error.reached(handled_in)]
        if blocked:
            first = str(blocked[0])
            raise RealInfobipBlocked(first + (f" ({len(blocked)} attempts)" if len(blocked) > 1 else ""))
        errors, self.runtime.errors[:] = list(self.runtime.errors), []
        if errors:
            text = "".join(traceback.format_exception(errors[0]))
            raise FakeError(f"mock-infobip raised {len(errors)} unexpected error(s); the first:\n{text}")

    def remove_receivers(self) -> None:
        for route in self._receivers:
            ROUTER.remove(route)
        self._receivers.clear()

    def close(self) -> None:
        self.deactivate()
        self.remove_receivers()
        self.runtime.close()

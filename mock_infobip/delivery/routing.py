"""Where a push goes: the fake's policy, never the user's input (spec: "Any callback URL is accepted
at send time").

Any well-formed http(s) URL is accepted when a message is sent or a number configured; at push time
:class:`RoutingTransport` decides, for every push (delivery reports, MMS reports, inbound forwards):

- a URL on loopback, or on a host of ``callback_hosts`` (the setting, plus the hosts of in-process
  receivers a test registered), is pushed to as given;
- a URL under a prefix of ``callback_routes`` is pushed to that route's local URL, the rest of its
  path and its query kept (``https://myapp.example.com/`` → ``http://127.0.0.1:8000/``);
- any other URL is never connected to: the attempt is recorded with the error "host not allowed",
  naming the settings that would allow it, and follows the retry cycle like any failed push.

Hosts and prefixes are compared as the push's own parser (urllib3's) reads the URL: the scheme, the
host and the port exactly, then the path by prefix, so a spelling cannot slip past a rule.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

from mock_infobip.delivery.callbacks import Answer, Transport
from mock_infobip.system.net import is_loopback

DEFAULT_PORTS = {"http": 80, "https": 443}


@dataclass(frozen=True)
class _Url:
    scheme: str
    host: str
    port: int
    path: str
    query: str | None

    @classmethod
    def parse(cls, url: str) -> _Url | None:
        from urllib3.exceptions import LocationParseError
        from urllib3.util import parse_url

        try:
            parts = parse_url(url)
            port = parts.port
        except (LocationParseError, ValueError):
            return None
        scheme = (parts.scheme or "").lower()
        host = (parts.host or "").lower().strip("[]")
        if scheme not in DEFAULT_PORTS or not host:
            return None
        return cls(scheme, host, port or DEFAULT_PORTS[scheme], parts.path or "/", parts.query)

    def origin(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        default = DEFAULT_PORTS[self.scheme] == self.port
        return f"{self.scheme}://{host}" + ("" if default else f":{self.port}")


@dataclass(frozen=True)
class Route:
    prefix: _Url
    target: _Url

    def apply(self, url: _Url) -> str | None:
        """The local URL for ``url``, or None when it is not under this route's prefix."""
        prefix = self.prefix
        if (url.scheme, url.host, url.port) != (prefix.scheme, prefix.host, prefix.port):
            return None
        base = prefix.path if prefix.path.endswith("/") else prefix.path + "/"
        if url.path == prefix.path.rstrip("/") or url.path == prefix.path:
            rest = ""
        elif url.path.startswith(base):
            rest = url.path[len(base) :]
        else:
            return None
        target_path = self.target.path if self.target.path.endswith("/") else self.target.path + "/"
        path = (target_path + rest) if rest else self.target.path
        return self.target.origin() + path + (f"?{url.query}" if url.query is not None else "")


class CallbackRouting:
    """The rules: ``hosts`` is live (the runtime's set, which in-process receivers add to)."""

    def __init__(self, hosts: Collection[str], routes: Sequence[tuple[str, str]] = ()) -> None:
        self.hosts = hosts
        self.routes: list[Route] = []
        for prefix, target in routes:
            parsed_prefix, parsed_target = _Url.parse(prefix), _Url.parse(target)
            if parsed_prefix is None or parsed_target is None:
                raise ValueError(f"callback_routes: {prefix!r} = {target!r} is not two http(s) URLs")
            self.routes.append(Route(parsed_prefix, parsed_target))

    def target(self, url: str) -> tuple[str | None, str | None]:
        """(the URL to push to, None) or (None, why the push is not made)."""
        parsed = _Url.parse(url)
        if parsed is None:
            return None, "not an http or https URL"
        for route in self.routes:
            routed = route.apply(parsed)
            if routed is not None:
                return routed, None
        if is_loopback(parsed.host) or parsed.host in self.hosts:
            return url, None
        return None, (
            f"host not allowed: {parsed.host} (allow it with the setting callback_hosts, or send its "
            "pushes to a local URL with callback_routes)"
        )


class RoutingTransport:
    """A :class:`Transport` that applies :class:`CallbackRouting` before the one it wraps: a push
    that no rule allows is an attempt with an error, and no connection is made."""

    def __init__(self, inner: Transport, routing: CallbackRouting) -> None:
        self.inner = inner
        self.routing = routing

    async def post(
        self, url: str, body: bytes, timeout: float, content_type: str = "application/json"
    ) -> Answer:
        target, refusal = self.routing.target(url)
        if target is None:
            return Answer(None, refusal)
        return await self.inner.post(target, body, timeout, content_type)

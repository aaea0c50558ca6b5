"""Which host names are this machine's own (the one rule, for callbacks, the controls' Host check
and the server's exposure check)."""

from __future__ import annotations

import ipaddress


def is_loopback(host: str) -> bool:
    """``localhost``, a name under ``.localhost`` (RFC 6761), or a loopback address (IPv6 with or
    without its brackets)."""
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host.removeprefix("[").removesuffix("]")).is_loopback
    except ValueError:
        return False


class PortInUse(OSError):
    """A port the server was to listen on is taken (by anything: another ``serve`` included)."""

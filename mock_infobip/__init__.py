"""mock-infobip: a local simulator and contract-test harness for Infobip's APIs."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mock_infobip.core.about import VERSION

if TYPE_CHECKING:
    from mock_infobip.inprocess.router import RealInfobipBlocked
    from mock_infobip.testing import Fake, FakeError, NoReportsWarning, Server

__version__ = VERSION
__all__ = ["FakeError", "NoReportsWarning", "RealInfobipBlocked", "__version__", "fake", "server"]


def fake(*base_urls: str, **settings: object) -> Fake:
    """The fake in this process, no sockets (see :mod:`mock_infobip.testing`)."""
    from mock_infobip.testing import fake as _fake

    return _fake(*base_urls, **settings)


def server(**settings: object) -> Server:
    """The fake on its server on a free loopback port, in a background thread."""
    from mock_infobip.testing import server as _server

    return _server(**settings)


def __getattr__(name: str) -> Any:
    """``RealInfobipBlocked``, ``FakeError`` and ``NoReportsWarning`` on first use: importing any
    module of the package (the clock, say) does not import the in-process harness."""
    if name == "RealInfobipBlocked":
        from mock_infobip.inprocess.router import RealInfobipBlocked

        return RealInfobipBlocked
    if name in ("FakeError", "NoReportsWarning"):  # what a test catches or filters, by name
        from mock_infobip import testing

        return getattr(testing, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

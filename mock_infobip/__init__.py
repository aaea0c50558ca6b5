"""mock-infobip: a local simulator and contract-test harness for Infobip's APIs."""

from __future__ import annotations

from typing import TYPE_CHECKING

from mock_infobip.core.about import VERSION
from mock_infobip.inprocess.router import RealInfobipBlocked

if TYPE_CHECKING:
    from mock_infobip.testing import Fake, Server

__version__ = VERSION
__all__ = ["RealInfobipBlocked", "__version__", "fake", "server"]


def fake(*base_urls: str, **settings: object) -> Fake:
    """The fake in this process, no sockets (see :mod:`mock_infobip.testing`)."""
    from mock_infobip.testing import fake as _fake

    return _fake(*base_urls, **settings)


def server(**settings: object) -> Server:
    """The fake on its server on a free loopback port, in a background thread."""
    from mock_infobip.testing import server as _server

    return _server(**settings)

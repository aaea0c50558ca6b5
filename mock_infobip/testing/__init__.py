"""The fake inside a test process.

- :func:`fake` serves ``https://api.infobip.com`` (and any base URL given) from the Flask app in this
  process with no sockets, to ``requests``, httpx, aiohttp, ``urllib.request`` and ``http.client``
  alike (:mod:`mock_infobip.inprocess` says how each is reached). Calls to other hosts go out as
  usual; calls to the real Infobip fail the test unless ``allow_real_infobip=True``. Callbacks to
  receivers registered with :meth:`Handle.add_receiver` are served the same way.
- :func:`server` runs the fake's server on a free loopback port in a background thread.

Both give the same :class:`Handle`. Both default to a manual clock, a throw-away database and
callbacks carried out before the request that caused them returns.
"""

from __future__ import annotations

from mock_infobip.testing.handle import FakeError, Handle, NoReportsWarning, listing
from mock_infobip.testing.harness import DEFAULTS, Fake, Server, fake, server

__all__ = [
    "DEFAULTS",
    "Fake",
    "FakeError",
    "Handle",
    "NoReportsWarning",
    "Server",
    "fake",
    "listing",
    "server",
]

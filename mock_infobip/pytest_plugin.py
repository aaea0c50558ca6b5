"""pytest plugin (entry point ``pytest11``): fixtures ``infobip`` and ``infobip_server``.

- ``infobip``: the in-process fake (no sockets) serving ``https://api.infobip.com`` while the test
  runs, reset before it, its clock back at its settings' ``start``. One fake per distinct settings
  is kept for the session, so a reset is all a test pays.
- ``infobip_server``: one real waitress server per session (per distinct settings), reset before
  each test that uses it.

Settings: the ini option ``infobip_settings`` (lines of ``name = value``) and, per test, the marker
``@pytest.mark.infobip(rate_limit_add=0, ...)``. An unexpected exception inside the fake while it
served a test's requests fails that test, with the fake's traceback.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from mock_infobip.testing import Fake, Handle, Server

_STARTED: dict[tuple[str, ...], Fake | Server] = {}


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini(
        "infobip_settings",
        "mock-infobip settings for the infobip fixtures: lines of name = value",
        type="linelist",
        default=[],
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "infobip(**settings): settings of the mock-infobip fixtures for this test"
    )


def pytest_unconfigure(config: pytest.Config) -> None:
    for started in _STARTED.values():
        started.__exit__(None, None, None)
    _STARTED.clear()


def _settings(request: pytest.FixtureRequest) -> dict[str, Any]:
    settings: dict[str, Any] = {}
    for line in request.config.getini("infobip_settings"):
        name, equals, value = str(line).partition("=")
        if not equals:
            raise pytest.UsageError(f"infobip_settings: {line!r} is not name = value")
        settings[name.strip()] = value.strip().strip("\"'")
    for marker in reversed(list(request.node.iter_markers("infobip"))):
        settings.update(marker.kwargs)
    return settings


def _handle(kind: str, request: pytest.FixtureRequest) -> Handle:
    settings = _settings(request)
    key = (kind, *sorted(f"{k}={v!r}" for k, v in settings.items()))
    if key not in _STARTED:
        started: Fake | Server = Fake(**settings) if kind == "fake" else Server(**settings)
        handle = started.__enter__()
        handle.deactivate()
        _STARTED[key] = started
    found = _STARTED[key].handle
    assert found is not None
    return found


def _use(handle: Handle) -> Iterator[Handle]:
    handle.reset()
    handle.clock.restart()  # every test starts at its settings' start, not where the last one left it
    handle.activate()
    try:
        yield handle
    finally:
        handle.deactivate()
        handle.remove_receivers()
    handle.check()


@pytest.fixture
def infobip(request: pytest.FixtureRequest) -> Iterator[Handle]:
    """The in-process fake of Infobip, reset before the test."""
    yield from _use(_handle("fake", request))


@pytest.fixture
def infobip_server(request: pytest.FixtureRequest) -> Iterator[Handle]:
    """A real loopback server of the fake (one per session), reset before the test."""
    yield from _use(_handle("server", request))

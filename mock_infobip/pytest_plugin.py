"""pytest plugin (entry point ``pytest11``): fixtures ``infobip`` and ``infobip_server``.

- ``infobip``: the in-process fake (no sockets) serving ``https://api.infobip.com`` to requests,
  httpx, aiohttp and urllib while the test runs, reset before it, its clock back at its settings'
  ``start``. One fake per distinct settings is kept for the session, so a reset is all a test pays.
- ``infobip_server``: one real server on loopback per session (per distinct settings), reset before
  each test that uses it.

Settings: the ini option ``infobip_settings`` (lines of ``name = value``) and, per test, the marker
``@pytest.mark.infobip(rate_limit_add=0, ...)``. Besides the server's settings, three options of
the fixtures themselves, in the marker or as ini options of the same name:

- ``base_urls``: the base URLs served in process (default ``https://api.infobip.com``; a tenant's
  ``https://xyz.api.infobip.com`` for instance). In the ini file, ``infobip_base_urls``.
- ``allow_real_infobip``: let calls to Infobip's hosts that the fake does not serve go out (by
  default they fail the test). In the ini file, ``infobip_allow_real``.
- ``fail_on_unmatched``: fail the test when the fake answered one of its requests with 404 or 405
  (no such operation): a wrong path or method in the code under test. In the ini file,
  ``infobip_fail_on_unmatched``.

An unexpected exception inside the fake while it served a test's requests fails that test, with the
fake's traceback.

The plugin is loaded by every pytest run in an environment where mock-infobip is installed, so it
imports nothing heavy: Flask and the app are imported when a fixture is first used.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from mock_infobip.testing import Fake, Handle, Server

_STARTED: dict[tuple[str, ...], Fake | Server] = {}
FIXTURE_OPTIONS = ("base_urls", "allow_real_infobip", "fail_on_unmatched")
TRUE = ("1", "true", "yes", "on")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini(
        "infobip_settings",
        "mock-infobip settings for the infobip fixtures: lines of name = value",
        type="linelist",
        default=[],
    )
    parser.addini(
        "infobip_base_urls", "base URLs the infobip fixture serves in process", type="linelist", default=[]
    )
    parser.addini(
        "infobip_allow_real", "let calls to the real Infobip go out while the fake is active", default="false"
    )
    parser.addini(
        "infobip_fail_on_unmatched",
        "fail a test when the fake answered one of its requests with 404/405",
        default="false",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "infobip(**settings): settings of the mock-infobip fixtures for this test "
        "(and base_urls, allow_real_infobip, fail_on_unmatched)",
    )


def pytest_unconfigure(config: pytest.Config) -> None:
    for started in _STARTED.values():
        started.__exit__(None, None, None)
    _STARTED.clear()


def _options(request: pytest.FixtureRequest) -> tuple[dict[str, Any], dict[str, Any]]:
    """(the fake's settings, the fixture options) for this test."""
    config = request.config
    settings: dict[str, Any] = {}
    for line in config.getini("infobip_settings"):
        name, equals, value = str(line).partition("=")
        if not equals:
            raise pytest.UsageError(f"infobip_settings: {line!r} is not name = value")
        settings[name.strip()] = value.strip().strip("\"'")
    options: dict[str, Any] = {
        "base_urls": tuple(str(url) for url in config.getini("infobip_base_urls")),
        "allow_real_infobip": str(config.getini("infobip_allow_real")).lower() in TRUE,
        "fail_on_unmatched": str(config.getini("infobip_fail_on_unmatched")).lower() in TRUE,
    }
    for marker in reversed(list(request.node.iter_markers("infobip"))):
        for name, value in marker.kwargs.items():
            (options if name in FIXTURE_OPTIONS else settings)[name] = value
    if isinstance(options["base_urls"], str):
        options["base_urls"] = (options["base_urls"],)
    return settings, options


def _handle(kind: str, settings: dict[str, Any], options: dict[str, Any]) -> Handle:
    from mock_infobip.testing import Fake, Server

    allow = bool(options["allow_real_infobip"])
    key = (kind, f"allow={allow}", *sorted(f"{k}={v!r}" for k, v in settings.items()))
    if kind == "fake":
        key += tuple(options["base_urls"])
    if key not in _STARTED:
        started: Fake | Server = (
            Fake(tuple(options["base_urls"]), allow, **settings)
            if kind == "fake"
            else Server(allow, **settings)
        )
        handle = started.__enter__()
        handle.deactivate()
        _STARTED[key] = started
    found = _STARTED[key].handle
    assert found is not None
    return found


def _use(kind: str, request: pytest.FixtureRequest) -> Iterator[Handle]:
    settings, options = _options(request)
    handle = _handle(kind, settings, options)
    handle.reset()
    handle.clock.restart()  # every test starts at its settings' start, not where the last one left it
    handle.activate()
    try:
        yield handle
    finally:
        handle.deactivate()
        handle.remove_receivers()
    function = getattr(request.node, "function", None)
    handle.check(getattr(function, "__code__", None))
    if options["fail_on_unmatched"]:
        unmatched = handle.unmatched()
        if unmatched:
            from mock_infobip.testing import listing

            listed = listing(unmatched)
            pytest.fail(
                f"the fake answered {len(unmatched)} request(s) with 404/405 (no such operation):\n{listed}",
                pytrace=False,
            )


@pytest.fixture
def infobip(request: pytest.FixtureRequest) -> Iterator[Handle]:
    """The in-process fake of Infobip, reset before the test."""
    yield from _use("fake", request)


@pytest.fixture
def infobip_server(request: pytest.FixtureRequest) -> Iterator[Handle]:
    """A real loopback server of the fake (one per session), reset before the test."""
    yield from _use("server", request)

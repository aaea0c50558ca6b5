"""Scenarios: the real clients driven against the fake (or, black-box, against any target).

    pytest scenarios                                   # in-process fake, profile dev
    pytest scenarios --hypothesis-profile ci-long      # longer runs
    pytest scenarios --infobip-url URL --infobip-key KEY   # the black-box parts against any target

Failing examples print their seed and a @reproduce_failure blob.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import requests
from hypothesis import HealthCheck, Verbosity, settings

from mock_infobip import fake
from mock_infobip.testing import Handle

settings.register_profile(
    "dev",
    max_examples=25,
    stateful_step_count=15,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
settings.register_profile(
    "ci-long", parent=settings.get_profile("dev"), max_examples=300, stateful_step_count=40
)
settings.register_profile("debug", parent=settings.get_profile("dev"), verbosity=Verbosity.verbose)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("mock-infobip scenarios")
    group.addoption("--infobip-url", help="run the black-box scenarios against this base URL")
    group.addoption("--infobip-key", help="API key for --infobip-url")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "whitebox: needs the fake's admin API (in-process only)")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not config.getoption("--infobip-url"):
        return
    if not config.getoption("--infobip-key"):
        raise pytest.UsageError("--infobip-url needs --infobip-key")
    selected = [item for item in items if "whitebox" not in item.keywords]
    deselected = [item for item in items if "whitebox" in item.keywords]
    config.hook.pytest_deselected(items=deselected)
    items[:] = selected


@dataclass
class Target:
    base_url: str
    api_key: str
    handle: Handle | None  # the in-process fake, when the target is it
    session: requests.Session

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"App {self.api_key}"}


@pytest.fixture(scope="session")
def target(pytestconfig: pytest.Config) -> Iterator[Target]:
    url = pytestconfig.getoption("--infobip-url")
    if url:
        yield Target(url.rstrip("/"), pytestconfig.getoption("--infobip-key"), None, requests.Session())
        return
    with fake(rate_limit_create=0, rate_limit_add=0, rate_limit_remove=0, logs_per_minute=10**9) as handle:
        yield Target(handle.base_url, handle.api_key, handle, requests.Session())

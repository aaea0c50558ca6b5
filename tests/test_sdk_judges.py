"""Infobip's official SDKs as outside judges: each drives every SMS (and 2FA) call it offers against a running
fake and parses the answers (and the callbacks) with its own models. They live in their own
environments under .sdks/ (``bash .ci/install-sdks``: their dependencies conflict with each other).
A call an SDK offers that the fake cannot serve is a failure here, never a skip."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from mock_infobip.testing import Handle, server

pytestmark = pytest.mark.sdk  # Infobip's SDKs from .sdks/ (.ci/install-sdks)

ROOT = Path(__file__).resolve().parent.parent
JUDGES = ROOT / "tests" / "sdk_judges"
SDKS = ROOT / ".sdks"
PYTHON_JUDGES = {
    "infobip-api-python-client 6": ("client-6", "client6.py"),
    "infobip-api-python-client 6, 2FA": ("client-6", "client6_tfa.py"),
    "infobip-api-python-client 4": ("client-4", "client4.py"),
    "infobip-api-python-sdk 5": ("sdk-5", "sdk5.py"),
    "py3-infobip (community)": ("py3-infobip", "community_py3.py"),
}


@pytest.fixture
def fake() -> Iterator[Handle]:
    # the SDKs check sendAt against the real clock: the fake's manual clock starts at the real now
    start = datetime.now(UTC).replace(microsecond=0).isoformat()
    with server(clock="manual", start=start, seed=3) as handle:
        yield handle


def verdict(command: list[str], fake: Handle, **env: str) -> dict[str, list[str]]:
    environment = {**os.environ, "INFOBIP_BASE_URL": fake.base_url, "INFOBIP_API_KEY": fake.api_key, **env}
    done = subprocess.run(command, env=environment, capture_output=True, text=True, timeout=300, cwd=JUDGES)
    assert done.returncode == 0, done.stderr[-4000:]
    found: dict[str, list[str]] = json.loads(done.stdout.strip().splitlines()[-1])
    return found


def judged(found: dict[str, list[str]]) -> None:
    assert found["offered"], "the judge found no calls to make"
    assert not set(found["offered"]) - set(found["called"]), (
        "calls the SDK offers that the judge did not make"
    )
    assert found["problems"] == []


@pytest.mark.parametrize("sdk", sorted(PYTHON_JUDGES))
def test_python_sdk(sdk: str, fake: Handle) -> None:
    environment, script = PYTHON_JUDGES[sdk]
    python = SDKS / environment / "bin" / "python"
    assert python.exists(), f"{sdk} is not installed: run bash .ci/install-sdks"
    judged(verdict([str(python), script], fake, PYTHONPATH=str(JUDGES)))


def test_node_sdk(fake: Handle) -> None:
    modules = SDKS / "node" / "node_modules"
    assert (modules / "@infobip-api" / "sdk").is_dir(), (
        "@infobip-api/sdk is not installed: run bash .ci/install-sdks"
    )
    judged(verdict(["node", "node_sdk.js"], fake, NODE_PATH=str(modules)))


def test_node_sdk_2fa(fake: Handle) -> None:
    modules = SDKS / "node" / "node_modules"
    assert (modules / "@infobip-api" / "sdk").is_dir(), (
        "@infobip-api/sdk is not installed: run bash .ci/install-sdks"
    )
    judged(verdict(["node", "node_tfa.js"], fake, NODE_PATH=str(modules)))


def test_community_node_client(fake: Handle) -> None:
    """npm `infobip` always calls http://api.infobip.com; the `request` library it uses honours
    HTTP_PROXY, pointed at the fake (which serves absolute-form request targets, as proxies get)."""
    modules = SDKS / "node-community" / "node_modules"
    assert (modules / "infobip").is_dir(), "npm infobip is not installed: run bash .ci/install-sdks"
    judged(verdict(["node", "infobip_npm.js"], fake, NODE_PATH=str(modules), HTTP_PROXY=fake.base_url))

"""`pytest scenarios --infobip-url URL --infobip-key KEY` runs the black-box scenarios against any target."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.servers import serve

pytestmark = pytest.mark.slow  # the scenarios again against a served fake

ROOT = Path(__file__).resolve().parent.parent


def test_black_box_scenarios_against_a_served_fake(tmp_path):
    server = serve("--db", str(tmp_path / "f.db"), "--api-key", "bb")
    try:
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "pytest",
                "-q",
                "-p",
                "no:cacheprovider",
                str(ROOT / "scenarios"),
                "--infobip-url",
                server.base_url,
                "--infobip-key",
                "bb",
            ],
            capture_output=True,
            text=True,
            timeout=600,
            cwd=ROOT,
        )
    finally:
        server.stop()
    assert result.returncode == 0, result.stdout[-3000:]
    assert " passed" in result.stdout and "deselected" in result.stdout

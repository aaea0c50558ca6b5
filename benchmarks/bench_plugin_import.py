"""What the pytest plugin costs a test run that does not use it.

    .venv/bin/python benchmarks/bench_plugin_import.py [--rounds 15]

Times `pytest --collect-only` of one trivial test file in a fresh process, with the plugin loaded
(as in any environment where mock-infobip is installed) and with `-p no:mock_infobip`, taking turns,
and prints the medians and their ratio (target: with ≤ 1.10 × without). Then the same with a test
that uses the `infobip` fixture, for the record (that run imports Flask and the app).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PLAIN = "def test_nothing():\n    assert True\n"
USING = "def test_fixture(infobip):\n    assert infobip.lists() == []\n"


def timed(directory: Path, *args: str) -> float:
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *args],
        cwd=directory,
        check=True,
        capture_output=True,
    )
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15)
    rounds = parser.parse_args().rounds
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        (directory / "test_plain.py").write_text(PLAIN)
        (directory / "test_using.py").write_text(USING)
        with_plugin, without, using = [], [], []
        for _ in range(rounds):
            with_plugin.append(timed(directory, "--collect-only", "test_plain.py"))
            without.append(timed(directory, "--collect-only", "-p", "no:mock_infobip", "test_plain.py"))
            using.append(timed(directory, "test_using.py"))
    a, b, c = (statistics.median(x) for x in (with_plugin, without, using))
    print(
        f"pytest start-up, median of {rounds}: with the plugin {a * 1000:.0f} ms, without {b * 1000:.0f} ms"
    )
    print(f"ratio with/without: {a / b:.3f} (target <= 1.10)")
    print(f"a run that uses the infobip fixture: {c * 1000:.0f} ms (imports Flask and the app)")


if __name__ == "__main__":
    main()

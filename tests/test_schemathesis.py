"""Schemathesis (pinned in pyproject.toml) against the served fake's own /openapi.json: every
operation, admin API included, with a fixed seed and a bounded number of cases, and the checks that
hold the document and the server to each other:

- not_a_server_error: no 5xx;
- status_code_conformance, content_type_conformance, response_schema_conformance: every answer's
  status, media type (JSON, and XML where the document declares it) and body as documented;
- positive_data_acceptance: a request the document calls valid is accepted (2xx, or 401/403/404/
  409/429 for state it does not know: a PIN that does not exist, a number registered already).

The generators of the document's own formats and the rules Schemathesis's generator drops are in
tests/schemathesis_hooks.py. Fault creation and key revocation run against a fake of their own: the
faults the stateful phase makes would drop or truncate the other operations' answers, and a revoked
key would lock the run out.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.servers import command

pytestmark = pytest.mark.slow  # ~3 minutes: every operation through four phases

ROOT = Path(__file__).resolve().parent.parent
KEY = "schemathesis-key"
CHECKS = ",".join(
    [
        "not_a_server_error",
        "status_code_conformance",
        "content_type_conformance",
        "response_schema_conformance",
        "positive_data_acceptance",
    ]
)
# a fixed seed, a bounded number of cases; the "data too large" health check is about generating
# big bodies (MMS segments), not about the API
OPTIONS = ["--max-examples", "30", "--seed", "1", "--no-color", "--suppress-health-check", "data_too_large"]
APART = ["admin.faults.create", "admin.keys.revoke"]
RUNS = {
    "every-operation": [
        *(arg for op in APART for arg in ("--exclude-operation-id", op)),
        "--phases",
        "examples,coverage,fuzzing,stateful",
    ],
    "faults-and-revocation": [
        *(arg for op in APART for arg in ("--include-operation-id", op)),
        "--phases",
        "examples,coverage,fuzzing",
    ],
}
FAKE_SETTINGS = {
    # rate limits off so that generated calls reach the operations; held requests short
    "MOCK_INFOBIP_RATE_LIMIT_CREATE": "0",
    "MOCK_INFOBIP_RATE_LIMIT_ADD": "0",
    "MOCK_INFOBIP_RATE_LIMIT_REMOVE": "0",
    "MOCK_INFOBIP_LOGS_PER_MINUTE": "100000000",
    "MOCK_INFOBIP_FAULT_MAX_LATENCY_MS": "500",
    "MOCK_INFOBIP_MAX_WAIT_SECONDS": "0.5",
    "MOCK_INFOBIP_WORKERS": "1",
}


@pytest.mark.parametrize("run", sorted(RUNS))
def test_the_document_and_the_server_agree(run, tmp_path):
    log = (tmp_path / "serve.log").open("w+")
    serve = ["serve", "--port", "0", "--db", str(tmp_path / "fake.db"), "--clock", "manual", "--api-key", KEY]
    fake = subprocess.Popen(
        [*command(), *serve],
        stdout=log,
        stderr=subprocess.STDOUT,
        env={**os.environ, **FAKE_SETTINGS},
    )
    try:
        url = _listening(fake, tmp_path / "serve.log")
        env = {
            **os.environ,
            **FAKE_SETTINGS,  # the hooks generate within the fake's settings
            "SCHEMATHESIS_HOOKS": "tests.schemathesis_hooks",
            "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
            "MOCK_INFOBIP_SCHEMATHESIS_URL": url,
            "MOCK_INFOBIP_SCHEMATHESIS_KEY": KEY,
        }
        schemathesis = [str(Path(sys.executable).parent / "schemathesis"), "run", f"{url}/openapi.json"]
        result = subprocess.run(
            [
                *schemathesis,
                "--checks",
                CHECKS,
                "--header",
                f"Authorization: App {KEY}",
                *OPTIONS,
                *RUNS[run],
            ],
            capture_output=True,
            text=True,
            env=env,
            cwd=tmp_path,  # its .hypothesis/ and reports stay out of the checkout
            timeout=900,
        )
        report = tmp_path / "schemathesis.log"
        report.write_text(result.stdout + result.stderr)
        assert result.returncode == 0, f"{report}:\n" + result.stdout[-20_000:] + result.stderr[-5_000:]
    finally:
        fake.terminate()
        fake.wait(timeout=30)
        log.close()


def _listening(fake: subprocess.Popen[bytes], log: Path) -> str:
    """The fake's base URL, from its banner (it prints it once it listens)."""
    for _ in range(600):
        for line in log.read_text().splitlines():
            if " listening on " in line:
                return line.split(" listening on ")[1].strip()
        assert fake.poll() is None, log.read_text()
        with contextlib.suppress(subprocess.TimeoutExpired):
            fake.wait(timeout=0.05)
    raise AssertionError("serve did not say where it listens: " + log.read_text())

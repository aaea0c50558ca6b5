"""`mock-infobip sync` and `mock-infobip receiver` as commands."""

from __future__ import annotations

import json
import re
import signal
import subprocess

import requests

from tests.servers import command, run_cli, serve
from tests.test_receiver import report


def test_sync_command_prints_the_report_and_fails_with_a_wrong_key(tmp_path):
    server = serve("--db", str(tmp_path / "f.db"), "--api-key", "k", env={"MOCK_INFOBIP_RATE_LIMIT_ADD": "0"})
    try:
        members = tmp_path / "members.txt"
        members.write_text("ann@example.com\n\nbob@example.com\nnot-an-email\n")
        state = tmp_path / "state.json"
        args = [
            "sync",
            "--base-url",
            server.base_url,
            "--api-key",
            "k",
            "--cohort-id",
            "42",
            "--cohort-name",
            "VIP",
            "--members",
            str(members),
            "--state",
            str(state),
        ]
        result = run_cli(*args)
        assert result.returncode == 0, result.stderr
        report = json.loads(result.stdout)
        assert (report["status"], report["added"], report["rejected"]) == (
            "succeeded",
            2,
            {"not-an-email": "VALIDATION_ERROR"},
        )
        lists = server.get("/__admin/lists").json()["lists"]
        assert lists[0]["name"] == "[Amplitude] VIP: 42" and lists[0]["memberCount"] == 2

        csv = tmp_path / "members.csv"
        csv.write_text("id,email\n1,ann@example.com\n2,cy@example.com\n")
        again = run_cli(*args[:-4], "--members", str(csv), "--column", "email", "--state", str(state))
        assert json.loads(again.stdout)["added"] == 1 and json.loads(again.stdout)["removed"] == 2

        wrong = run_cli(*[a if a != "k" else "wrong" for a in args])
        assert wrong.returncode == 1
        assert json.loads(wrong.stdout)["status"] == "failed"
        missing = run_cli(*args[:-4], "--members", str(csv), "--column", "nope", "--state", str(state))
        assert missing.returncode == 2 and "nope" in missing.stderr
    finally:
        server.stop()


def test_receiver_command(tmp_path):
    db = tmp_path / "events.db"
    process = subprocess.Popen(
        [*command(), "receiver", "--port", "0", "--db", str(db)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        base = line.split(" listening on ")[1].split()[0]
        assert requests.post(base + "/dlr", json={"results": [report()]}, timeout=10).status_code == 200
        assert requests.post(base + "/dlr", data="x", timeout=10).status_code == 400
        assert [e["status"] for e in requests.get(base + "/events", timeout=10).json()] == ["delivered"]
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)
    assert process.returncode == 0


def test_settings_lists_every_setting_with_its_names_and_value():
    from mock_infobip.core.settings import NAMES
    from mock_infobip.core.settings_help import HELP

    result = run_cli("settings", env={"MOCK_INFOBIP_PORT": "9001"})
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    head = ["setting", "(TOML)", "type", "default", "flag", "environment", "value", "what", "it", "does"]
    assert lines[0].split() == head
    rows = {line.split()[0]: line for line in lines[1:]}
    assert set(rows) == set(NAMES) == set(HELP)  # every setting says what it does (#37)
    assert rows["port"].split()[:6] == ["port", "int", "8080", "--port", "MOCK_INFOBIP_PORT", "9001"]
    assert rows["port"].endswith(HELP["port"])
    assert rows["callback_timeout"].split("MOCK_INFOBIP_CALLBACK_TIMEOUT")[1].split()[0] == "10.0"


def test_serve_help_types_every_option_and_names_its_variable():
    result = run_cli("serve", "--help")
    assert "--port INTEGER" in result.stdout and "[env: MOCK_INFOBIP_PORT]" in result.stdout
    assert "TEXT" not in result.stdout


def test_the_banner_has_the_addresses_and_a_curl_that_works(tmp_path):
    import subprocess

    from tests.servers import serve

    server = serve("--db", str(tmp_path / "fake.db"), "--api-key", "banner-key", "--clock", "manual")
    try:
        while len(server.lines) < 8:
            server.lines.append(server.process.stdout.readline())
        text = "".join(server.lines)
        assert f"dashboard: {server.base_url}/" in text and f"OpenAPI: {server.base_url}/openapi.json" in text
        assert "clock: manual, stopped" in text and f"database: {tmp_path / 'fake.db'}" in text
        curl = "".join(server.lines[-2:]).replace("\\\n", " ")
        answer = subprocess.run(["bash", "-c", curl], capture_output=True, text=True, timeout=30)
        assert answer.stdout == '{"listId":1}'
    finally:
        server.stop()


def test_sync_says_each_retry_and_sums_up_on_stderr(tmp_path):
    server = serve("--db", str(tmp_path / "f.db"), "--api-key", "k")
    try:
        fault = {"path": "/saas/amplitude/1/lists", "status": 503, "times": 1}
        assert server.post("/__admin/faults", fault).status_code == 201
        members = tmp_path / "members.txt"
        members.write_text("ann@example.com\n")
        result = run_cli(
            "sync",
            "--base-url",
            server.base_url,
            "--api-key",
            "k",
            "--cohort-id",
            "1",
            "--cohort-name",
            "A",
            "--members",
            str(members),
            "--state",
            str(tmp_path / "state.json"),
        )
        assert result.returncode == 0, result.stderr
        lines = result.stderr.strip().splitlines()
        assert re.fullmatch(r"sync: create failed \(HTTP 503\); retry 1 of 8 in 1\.\d s", lines[0]), lines
        assert re.fullmatch(
            r"sync: succeeded: 1 added, 0 removed, 3 requests, 1 retry, waited \d+\.\d s", lines[-1]
        ), lines
    finally:
        server.stop()

"""`mock-infobip check`: contract probes of any implementation."""

from __future__ import annotations

from xml.etree import ElementTree

import pytest
from flask import Flask, jsonify, request

from mock_infobip import server
from mock_infobip.tools.check import Checker, junit
from mock_infobip.tools.probes import LIST_NAME, PROBES
from tests.servers import run_cli, serve, wsgi_server


def test_the_fake_passes_every_probe_and_nothing_is_consumed():
    with server() as infobip:
        infobip.outcome("DELIVERED_TO_HANDSET", delay_seconds=0)
        import requests

        requests.post(
            infobip.base_url + "/sms/2/text/advanced",
            headers=infobip.headers,
            json={"messages": [{"destinations": [{"to": "41793026727"}]}]},
        )
        infobip.clock.advance(1)
        probes = Checker(infobip.base_url, infobip.api_key, sleep=infobip.clock.sleep).run()
        assert [p.problems for p in probes if not p.ok] == []
        assert len(probes) == 30
        assert [entry["name"] for entry in infobip.lists()] == [LIST_NAME]
        assert infobip.members(infobip.lists()[0]["listId"]) == []  # tagged, then untagged
        pulled = requests.get(infobip.base_url + "/sms/1/reports", headers=infobip.headers).json()["results"]
        assert len(pulled) == 1  # the check pulled nothing of the account's reports
        again = Checker(infobip.base_url, infobip.api_key, sleep=infobip.clock.sleep, send_sms=True).run()
        assert all(p.ok for p in again) and len(again) == 32
        assert len(infobip.lists()) == 1  # the same list, reused
        assert {m["to"] for m in infobip.messages()} == {"41793026727"}  # only the documented test number


def drifting_app() -> Flask:
    """An implementation that drifted: a string listId, a 200 where 429 belongs, a new error shape."""
    app = Flask("drift")

    @app.post("/saas/amplitude/1/lists")
    def create():
        return jsonify({"listId": "12"})

    @app.route("/<path:rest>", methods=["GET", "POST"])
    def anything(rest):
        return jsonify({"error": "nope"}), 400

    return app


def test_drift_is_named_with_endpoint_status_and_field(tmp_path):
    with wsgi_server(drifting_app()) as srv:
        base = f"http://127.0.0.1:{srv.port}"
        probes = Checker(base, "k", sleep=lambda s: None).run()
        create = probes[0]
        assert not create.ok
        assert any("POST /saas/amplitude/1/lists 200 listId" in p and "integer" in p for p in create.problems)
        assert any("status 200, expected 429" in p for p in probes[2].problems)
        xml = ElementTree.fromstring(junit(probes, base))
        assert int(xml.get("failures")) == sum(not p.ok for p in probes) > 5
        result = run_cli(
            "check",
            "--base-url",
            base,
            "--api-key",
            "k",
            "--speed",
            "1000",
            "--junit",
            str(tmp_path / "r.xml"),
        )
        assert result.returncode == 1
        assert "DRIFT" in result.stdout and (tmp_path / "r.xml").exists()


@pytest.mark.slow
def test_check_command_against_a_sped_up_fake(tmp_path):
    # speed 5: the create window is 400 ms of real time, room enough for the 429 probe on a busy machine
    fake_server = serve("--db", str(tmp_path / "f.db"), "--api-key", "k", "--speed", "5")
    try:
        result = run_cli("check", "--base-url", fake_server.base_url, "--api-key", "k", "--speed", "5")
    finally:
        fake_server.stop()
    assert result.returncode == 0, result.stdout
    assert result.stdout.strip().splitlines()[-1] == "30 passed, 0 failed, 0 skipped"


def test_an_unreachable_target_is_one_line_and_exit_2():
    result = run_cli("check", "--base-url", "http://127.0.0.1:9", "--api-key", "k")
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr == "mock-infobip: error: http://127.0.0.1:9 is unreachable: connection refused\n"


def test_probes_that_need_a_failed_one_are_skipped_with_the_reason():
    with server() as infobip:
        infobip.fault(path="/saas/amplitude/1/lists", method="POST", status=503, times=1)
        probes = Checker(infobip.base_url, infobip.api_key, sleep=infobip.clock.sleep).run()
        skipped = [p for p in probes if p.skipped]
        assert [p.name for p in skipped] == ["add people", "add people: no userIds", "remove people"]
        assert all(p.skipped == "needs 'create list', which failed" for p in skipped)
        assert all("None" not in p.path for p in probes)
        xml = ElementTree.fromstring(junit(probes, infobip.base_url))
        assert len(xml.findall("testcase/skipped")) == 3


def test_a_target_whose_clock_does_not_move_is_named_once():
    with server(clock="manual") as infobip:
        probes = Checker(infobip.base_url, infobip.api_key, sleep=lambda seconds: None).run()
        stuck = [p for p in probes for problem in p.problems if "clock does not seem to move" in problem]
        assert len(stuck) == 1


@pytest.mark.slow
def test_check_json_output(tmp_path):
    fake_server = serve("--db", str(tmp_path / "f.db"), "--api-key", "k", "--speed", "5")
    try:
        result = run_cli(
            "check", "--base-url", fake_server.base_url, "--api-key", "k", "--speed", "5", "--json"
        )
    finally:
        fake_server.stop()
    import json

    found = json.loads(result.stdout)
    assert found["baseUrl"] == fake_server.base_url
    assert {p["result"] for p in found["probes"]} == {"ok"} and len(found["probes"]) == 30
    assert found["probes"][0] | {"seconds": 0} == {
        "name": "create list",
        "operation": "lists.create",
        "method": "POST",
        "path": "/saas/amplitude/1/lists",
        "expected": 200,
        "received": 200,
        "result": "ok",
        "problems": [],
        "seconds": 0,
    }


def test_a_drift_line_shows_what_was_received():
    app = Flask("drift401")

    @app.route("/<path:rest>", methods=["GET", "POST"])
    def anything(rest):
        if request.headers.get("Authorization") == "App k" and rest == "saas/amplitude/1/lists":
            return jsonify({"listId": 1})
        return jsonify(
            {"requestError": {"serviceException": {"messageId": "UNAUTHORIZED", "text": "Nope"}}}
        ), 401

    with wsgi_server(app) as srv:
        probes = Checker(f"http://127.0.0.1:{srv.port}", "k", sleep=lambda s: None).run()
        wrong_key = next(p for p in probes if p.name == "create list: bad credentials")
        (problem,) = wrong_key.problems
        assert '"text": "Nope"' in problem and "expected" in problem
        assert problem.index("received") < problem.index('"text": "Nope"') < problem.index("expected")


def test_each_probe_is_printed_as_it_finishes():
    """The first probe's line is on stdout while the second probe still waits for its answer."""
    import subprocess
    import threading

    from tests.servers import command

    second_asked, go_on = threading.Event(), threading.Event()
    app = Flask("slow")
    calls: list[str] = []

    @app.post("/saas/amplitude/1/lists")
    def create():
        calls.append("create")
        if len(calls) == 2:
            second_asked.set()
            go_on.wait(30)
        return jsonify({"listId": 12})

    with wsgi_server(app) as srv:
        base = f"http://127.0.0.1:{srv.port}"
        args = [*command(), "check", "--base-url", base, "--api-key", "k", "--speed", "1000"]
        with subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as check:
            assert check.stdout is not None
            try:
                first = check.stdout.readline()
                assert second_asked.wait(30)
                assert check.poll() is None  # still at the second probe
            finally:
                go_on.set()
            rest = check.stdout.read()
    assert first.startswith("ok    POST /saas/amplitude/1/lists") and first.endswith(" 200 create list\n")
    assert "create list: bad credentials" in rest.splitlines()[0]
    assert rest.splitlines()[-1].endswith("skipped")
    assert check.returncode == 1


def test_a_rejected_key_is_named_once_and_exit_2():
    with server() as infobip:
        result = run_cli("check", "--base-url", infobip.base_url, "--api-key", "not-a-key")
    assert result.returncode == 2
    assert result.stderr == (
        f"mock-infobip: error: the API key is rejected: {infobip.base_url} answered 401 to "
        "POST /saas/amplitude/1/lists (check --api-key)\n"
    )
    assert result.stdout == ""  # no DRIFT line per probe for the one cause


def test_a_base_url_without_scheme_is_refused_with_what_it_means():
    result = run_cli("check", "--base-url", "127.0.0.1:8080", "--api-key", "k")
    assert result.returncode == 2 and result.stdout == ""
    assert "'127.0.0.1:8080' has no scheme: did you mean 'http://127.0.0.1:8080'?" in result.stderr
    result = run_cli("check", "--base-url", "ftp://127.0.0.1", "--api-key", "k")
    assert result.returncode == 2
    assert "'ftp://127.0.0.1' is not an http:// or https:// URL with a host" in result.stderr


def test_check_knows_the_flooding_mechanism():
    """Issue #37, 2: repeated checks never send 7 identical texts to the test number (each run has
    a text of its own); a send the mechanism refused is named as such."""
    import requests

    with server() as infobip:
        infobip.outcome("DELIVERED_TO_HANDSET")  # no draw of the default profile's rejections
        for _ in range(4):  # 8 sends to one number within the hour: none refused
            again = Checker(infobip.base_url, infobip.api_key, sleep=infobip.clock.sleep, send_sms=True).run()
            assert all(p.ok for p in again), [p.problems for p in again if not p.ok]
        assert len({m["text"] for m in infobip.messages()}) == 4
        body = {"messages": [{"destinations": [{"to": "41793026727"}], "text": f"n{n}"} for n in range(12)]}
        requests.post(infobip.base_url + "/sms/2/text/advanced", headers=infobip.headers, json=body)
        refused = Checker(infobip.base_url, infobip.api_key, sleep=infobip.clock.sleep, send_sms=True).run()
        sending = {case.name for case in PROBES if case.sends}
        sends = [p for p in refused if p.name in sending]
        assert len(sends) == 2 and all("flooding mechanism" in " ".join(p.problems) for p in sends)

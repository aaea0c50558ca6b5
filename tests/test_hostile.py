"""Never stuck: a fault's latency holds Infobip requests without keeping the controls from answering;
deleting the faults releases them; latencies over the cap are refused; bad URLs are 400s."""

from __future__ import annotations

import re
import signal
import threading

import pytest
import requests

from mock_infobip import fake
from tests.servers import run_cli, serve


def test_held_requests_leave_the_controls_answering_and_deleting_faults_releases_them(tmp_path):
    server = serve("--db", str(tmp_path / "fake.db"), "--api-key", "k", "--threads", "4")
    try:
        rule = {"path": "/saas/*", "latencyMs": 60_000}
        assert requests.post(server.base_url + "/__admin/faults", json=rule, timeout=10).status_code == 201
        answers: list[int] = []
        lock = threading.Lock()

        def held() -> None:
            response = requests.post(
                server.base_url + "/saas/amplitude/1/lists",
                json={"name": "x"},
                headers={"Authorization": "App k"},
                timeout=120,
            )
            with lock:
                answers.append(response.status_code)

        threads = [threading.Thread(target=held) for _ in range(8)]  # twice the worker threads
        for thread in threads:
            thread.start()
        for path in ("/__admin/health", "/__admin/clock", "/", "/openapi.json"):
            assert requests.get(server.base_url + path, timeout=10).status_code == 200
        with lock:
            assert answers == []  # all still held
        assert requests.delete(server.base_url + "/__admin/faults", timeout=10).status_code == 200
        for thread in threads:
            thread.join(timeout=30)  # far less than the 60 s latency
        assert sorted(answers) == [200] + [429] * 7  # released, then the create rate limit
    finally:
        server.stop()


def test_a_latency_over_the_cap_is_refused():
    with fake(fault_max_latency_ms=5000) as infobip:
        response = requests.post(infobip.base_url + "/__admin/faults", json={"latencyMs": 5001})
        assert response.status_code == 400
        assert "latencyMs" in response.json()["fields"]
        assert requests.get(infobip.base_url + "/__admin/faults").json()["faults"] == []
        ok = requests.post(infobip.base_url + "/__admin/faults", json={"latencyMs": 5000, "times": 1})
        assert ok.status_code == 201


def test_a_malformed_callback_url_is_a_400_naming_it():
    with fake() as infobip:
        malformed = (
            "http://[::1",
            "http://",
            "ftp://127.0.0.1/x",
            "http://127.0.0.1:99999/x",
            "http://0x7f000002:8080\\@127.0.0.1:9/dlr",  # parsers disagree on the backslash
            "http://127.0.0.1 /x",
            "http://127.0.0.1\t/x",
            "//127.0.0.1/x",
        )
        for url in malformed:
            response = requests.post(
                infobip.base_url + "/sms/2/text/advanced",
                headers=infobip.headers,
                json={"messages": [{"destinations": [{"to": "41793026727"}], "notifyUrl": url}]},
            )
            assert response.status_code == 400, url
            assert (
                "messages[0].notifyUrl"
                in response.json()["requestError"]["serviceException"]["validationErrors"]
            )
        assert infobip.messages() == []


def test_the_clock_stops_at_the_last_instant_it_can_show():
    with fake(clock="manual", start="9999-12-31T00:00:00Z") as infobip:
        response = requests.post(infobip.base_url + "/__admin/clock/advance", json={"seconds": 86400})
        assert response.status_code == 400 and "seconds" in response.json()["fields"]
        assert (
            requests.get(infobip.base_url + "/__admin/clock").json()["now"] == "9999-12-31T00:00:00.000+0000"
        )
        ok = requests.post(infobip.base_url + "/__admin/clock/advance", json={"seconds": 86399.999})
        assert ok.json()["now"] == "9999-12-31T23:59:59.999+0000"
        assert requests.get(infobip.base_url + "/").status_code == 200


def test_serve_started_in_the_background_stops_on_ctrl_c(tmp_path):
    server = serve("--db", str(tmp_path / "fake.db"), ignore_sigint=True)
    out = server.stop(signal.SIGINT)
    assert server.process.returncode == 0
    assert "mock-infobip stopped" in out


@pytest.mark.parametrize("command", ["serve", "seed", "receiver"])
def test_an_unusable_db_path_is_one_line_and_exit_2(tmp_path, command):
    for path in (str(tmp_path), str(tmp_path / "missing" / "x.db")):
        result = run_cli(command, "--db", path, *(["--port", "0"] if command != "seed" else []))
        assert result.returncode == 2
        assert result.stderr.count("\n") == 1 and repr(path) in result.stderr, result.stderr
        assert "Traceback" not in result.stderr


def test_with_an_admin_token_every_control_and_dashboard_action_needs_it(tmp_path):
    server = serve(
        "--db",
        str(tmp_path / "fake.db"),
        "--admin-token",
        "s3cret",
        "--clock",
        "manual",
        "--start",
        "2026-11-22T10:00:00Z",
    )
    base = server.base_url
    try:
        assert requests.post(base + "/__admin/reset", timeout=10).status_code == 401
        assert (
            requests.post(base + "/dashboard/advance", data={"seconds": "60"}, timeout=10).status_code == 401
        )
        assert "sign in" in requests.get(base + "/", timeout=10).text
        assert (
            requests.post(base + "/dashboard/login", data={"token": "wrong"}, timeout=10).status_code == 401
        )
        session = requests.Session()
        signed = session.post(base + "/dashboard/login", data={"token": "s3cret"}, allow_redirects=False)
        assert signed.status_code == 302
        cookie = signed.headers["Set-Cookie"]
        assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
        assert (
            session.post(
                base + "/dashboard/advance", data={"seconds": "60"}, allow_redirects=False
            ).status_code
            == 302
        )
        bearer = {"Authorization": "Bearer s3cret"}
        assert (
            requests.get(base + "/__admin/clock", headers=bearer, timeout=10)
            .json()["now"]
            .endswith(":01:00.000+0000")
        )
    finally:
        server.stop()


def test_keys_are_masked_unless_revealed():
    with fake(api_keys="0123456789abcdefghij") as infobip:
        listed = requests.get(infobip.base_url + "/__admin/accounts").json()["accounts"][0]["apiKeys"]
        assert listed == ["0123…ghij"]
        revealed = requests.get(infobip.base_url + "/__admin/accounts?reveal=true").json()["accounts"][0]
        assert revealed["apiKeys"] == ["0123456789abcdefghij"]
        infobip.fault(status=429)  # a refusal the dashboard lists
        requests.get(infobip.base_url + "/sms/1/logs", headers=infobip.headers)
        page = requests.get(infobip.base_url + "/dashboard/refusals").text
        assert "0123456789abcdefghij" not in page


def test_the_controls_refuse_other_sites_and_unknown_hosts(tmp_path):
    server = serve("--db", str(tmp_path / "fake.db"))
    base = server.base_url
    try:
        foreign = {"Origin": "http://evil.example", "Content-Type": "text/plain"}
        assert requests.post(base + "/__admin/reset", headers=foreign, timeout=10).status_code == 403
        assert (
            requests.post(
                base + "/__admin/faults", data="{}", headers={"Content-Type": "text/plain"}
            ).status_code
            == 415
        )
        fetch = {"Sec-Fetch-Site": "cross-site"}
        assert (
            requests.post(base + "/dashboard/advance", data={"seconds": "1"}, headers=fetch).status_code
            == 403
        )
        assert (
            requests.get(base + "/__admin/accounts", headers={"Host": "evil.example"}, timeout=10).status_code
            == 403
        )
        assert (
            requests.get(base + "/__admin/health", headers={"Host": "localhost"}, timeout=10).status_code
            == 200
        )
        same = {"Origin": base, "Content-Type": "application/json"}
        assert requests.post(base + "/__admin/reset", headers=same, timeout=10).status_code == 200
        assert requests.post(base + "/__admin/reset", timeout=10).status_code == 200  # a script, no browser
    finally:
        server.stop()


def _raw(base_url: str, data: bytes, *, half_close: bool = True) -> bytes:
    import socket
    from urllib.parse import urlsplit

    where = urlsplit(base_url)
    with socket.create_connection((where.hostname, where.port), timeout=10) as sock:
        sock.sendall(data)
        if half_close:  # else the last request asks Connection: close
            sock.shutdown(socket.SHUT_WR)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
        return b"".join(chunks)


LIMITS_OFF = {"MOCK_INFOBIP_RATE_LIMIT_CREATE": "0", "MOCK_INFOBIP_RATE_LIMIT_ADD": "0"}


def test_raw_socket_probes_get_no_5xx_and_leave_the_fake_answering(tmp_path):
    import json as jsonlib
    import socket
    from urllib.parse import urlsplit

    server = serve("--db", str(tmp_path / "fake.db"), "--api-key", "k", env=LIMITS_OFF)
    base = server.base_url
    key = b"Authorization: App k\r\n"
    try:
        deep = b"[" * 100_000 + b"]" * 100_000
        huge = jsonlib.dumps({"userIds": ["a@b.co"] * 200_000}).encode()
        probes = [
            b"GARBAGE\r\n\r\n",
            b"GET /sms/1/logs HTTP/1.1\r\nHost: x\r\n" + key + b"Connection: close\r\n\r\n",
            b"POST /saas/amplitude/1/lists HTTP/1.1\r\nHost: x\r\n"
            + key
            + b"Content-Type: application/json\r\nContent-Length: 4\r\nConnection: close\r\n\r\n"
            + b"\xff\xfe\xfd\xfc",
            b"POST /saas/amplitude/1/lists HTTP/1.1\r\nHost: x\r\n"
            + key
            + f"Content-Length: {len(deep)}\r\nConnection: close\r\n\r\n".encode()
            + deep,
            b"POST /saas/amplitude/1/lists/1/add HTTP/1.1\r\nHost: x\r\n"
            + key
            + f"Content-Length: {len(huge)}\r\nConnection: close\r\n\r\n".encode()
            + huge,
            # pipelining: two requests in one write, two answers
            b"GET /__admin/health HTTP/1.1\r\nHost: localhost\r\n\r\n"
            b"GET /__admin/health HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
        ]
        # a client that sends half its headers and waits holds only its own connection
        where = urlsplit(base)
        slow = socket.create_connection((where.hostname, where.port), timeout=10)
        slow.sendall(b"GET /sms/1/logs HTTP/1.1\r\nHost: x\r\n")
        try:
            for probe in probes:
                answer = _raw(base, probe, half_close=b"health" not in probe)
                statuses = [int(code) for code in re.findall(rb"HTTP/1\.1 (\d{3}) ", answer)]
                assert all(status < 500 for status in statuses), answer[:300]
                if probe.startswith(b"POST"):
                    body = answer.split(b"\r\n\r\n", 1)[1]
                    assert (
                        jsonlib.loads(body)["requestError"]["serviceException"]["messageId"] == "BAD_REQUEST"
                    )
                if b"health" in probe:
                    assert statuses == [200, 200], answer
                assert requests.get(base + "/__admin/health", timeout=5).status_code == 200
        finally:
            slow.close()
    finally:
        server.stop()


def test_processes_on_one_file_share_one_clock(tmp_path):
    db = str(tmp_path / "fake.db")
    first = serve("--db", db, "--api-key", "k", "--clock", "manual", "--start", "2026-11-22T10:00:00Z")
    second = serve("--db", db, "--api-key", "k", "--clock", "manual", "--start", "2026-12-01T08:00:00Z")
    try:
        for server in (first, second):  # the later start is the one record both read
            assert server.get("/__admin/clock").json()["now"] == "2026-12-01T08:00:00.000+0000"
        requests.post(second.base_url + "/__admin/clock/advance", json={"seconds": 90}, timeout=10)
        assert first.get("/__admin/clock").json()["now"] == "2026-12-01T08:01:30.000+0000"
        create = {"name": "one"}
        answers = [s.post("/saas/amplitude/1/lists", create, key="k").status_code for s in (first, second)]
        assert answers == [200, 429]  # one rate-limit window, one clock
    finally:
        first.stop()
        second.stop()


def test_running_clocks_on_one_file_are_one_record(tmp_path):
    db = str(tmp_path / "fake.db")
    first = serve("--db", db, "--api-key", "k", "--start", "2026-11-22T10:00:00Z")
    second = serve("--db", db, "--api-key", "k", "--start", "2026-12-01T08:00:00Z")
    try:
        for server in (first, second):
            assert server.get("/__admin/clock").json()["now"].startswith("2026-12-01T08:0")
    finally:
        first.stop()
        second.stop()


def _hostile_requests(rng, contracts, count: int):
    """Seeded hostile requests over every operation (but creating faults and revoking keys, which
    would change what the others get): odd path ids, broken and odd JSON, random bytes, odd queries."""
    import json as jsonlib

    operations = [
        op
        for op in contracts.operations.values()
        if op.id not in ("admin.faults.create", "admin.keys.revoke")
    ]
    ids = ["1", "0", "-1", "abc", "%00", "99999999999999999999999", "%F0%9F%92%A9", "..%2F..", "a" * 300]
    values = [
        None,
        True,
        0,
        -1,
        1e308,
        "",
        "x" * 5000,
        "\u0000",
        "\ud800",
        [],
        {},
        [None] * 50,
        {"a": {"b": {}}},
    ]
    for _ in range(count):
        op = rng.choice(operations)
        path = re.sub(r"\{\w+\}", rng.choice(ids), op.path)
        kind = rng.randrange(6)
        if kind == 0:
            body = rng.randbytes(rng.randrange(64))
        elif kind == 1:
            body = b'{"messages": [' * rng.randrange(1, 50)
        elif kind == 2:
            body = jsonlib.dumps(
                {rng.choice(["messages", "userIds", "name", "text", "status"]): rng.choice(values)}
            ).encode()
        elif kind == 3:
            body = jsonlib.dumps(rng.choice(values)).encode()
        elif kind == 4:
            body = b"[" * 3000 + b"]" * 3000
        else:
            body = b""
        query = {
            rng.choice(["limit", "bulkId", "cursor", "to", "sentSince", "useCursor"]): rng.choice(
                ["0", "-1", "x", "%", "9" * 30]
            )
        }
        yield op, path, body, query


@pytest.mark.slow
def test_hostile_input_campaign(tmp_path, request):
    """No 5xx, every answer JSON and valid against its contract, the health probe answering
    throughout (CI: 3,000 requests; --hostile-long: 100,000)."""
    import random

    from mock_infobip.wire.validation import default_contracts

    count = 100_000 if request.config.getoption("--hostile-long") else 3_000
    contracts = default_contracts()
    server = serve("--db", str(tmp_path / "fake.db"), "--api-key", "k", env=LIMITS_OFF)
    session = requests.Session()
    statuses: dict[int, int] = {}
    try:
        for n, (op, path, body, query) in enumerate(_hostile_requests(random.Random(7), contracts, count)):
            response = session.request(
                op.method,
                server.base_url + path,
                data=body,
                params=query,
                headers={"Authorization": "App k", "Content-Type": "application/json"},
                timeout=30,
            )
            statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
            assert response.status_code < 500, (op.id, path, body[:100], response.text[:300])
            if path == "/" or path.startswith("/dashboard"):
                continue
            answer, status = response.json(), response.status_code
            problems = contracts.response_problems(op, op.envelope, status, answer)
            if problems:  # an odd path id may match no route: the unmatched-path contract then
                problems = contracts.response_problems(None, op.envelope, status, answer)
            assert not problems, (op.id, path, problems)
            if n % 500 == 0:
                assert session.get(server.base_url + "/__admin/health", timeout=1).status_code == 200
    finally:
        server.stop()
    print(f"hostile campaign: {count} requests, statuses {dict(sorted(statuses.items()))}")


def test_a_reset_releases_requests_a_latency_holds():
    """Reset wipes the fault rules, as deleting them does: a held request answers at once (and
    not 60 s later, into the state of whatever comes after the reset)."""
    with fake(rate_limit_create=0) as infobip:
        infobip.fault(path="/saas/amplitude/1/lists", latency_ms=60_000)
        answers: list[int] = []

        def held() -> None:
            response = requests.post(
                infobip.base_url + "/saas/amplitude/1/lists", json={"name": "held"}, headers=infobip.headers
            )
            answers.append(response.status_code)

        thread = threading.Thread(target=held, daemon=True)
        thread.start()
        thread.join(0.3)
        assert thread.is_alive() and answers == []  # held by the latency
        infobip.reset()
        thread.join(10)  # not the latency's 60 s
        assert answers == [200]

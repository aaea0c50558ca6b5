"""``mock-infobip serve`` as a real process: flags, signals, durability, two processes."""

from __future__ import annotations

import signal
import threading
from typing import Any

import pytest
import requests

from tests.servers import ServeProcess, run_cli, serve

LISTS = "/saas/amplitude/1/lists"
WIDE_WINDOW = {"MOCK_INFOBIP_RATE_LIMIT_CREATE": "60"}  # a slow machine cannot outrun a 60 s window


@pytest.fixture
def db(tmp_path):
    return str(tmp_path / "fake.db")


def test_serve_prints_url_and_key_answers_and_stops_on_sigterm(db):
    server = serve("--db", db, "--api-key", "k-1")
    assert server.base_url.startswith("http://127.0.0.1:")
    assert server.api_key == "k-1"
    response = server.post(LISTS, {"name": "n"})
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json;charset=UTF-8"
    rest = server.stop(signal.SIGTERM)
    assert server.process.returncode == 0
    assert "stopped" in rest


def test_ctrl_c_stops_cleanly(db):
    server = serve("--db", db)
    assert server.get("/__admin/health").json()["status"] == "ok"
    server.stop(signal.SIGINT)
    assert server.process.returncode == 0


def test_a_generated_key_is_kept_across_restarts(db):
    first = serve("--db", db)
    first.stop()
    second = serve("--db", db)
    assert second.api_key == first.api_key
    assert second.post(LISTS, {"name": "n"}).status_code == 200
    second.stop()


def test_state_survives_kill_9_and_restart(db):
    slow = {"MOCK_INFOBIP_RATE_LIMIT_ADD": "600"}  # the stored window outlasts any restart
    server = serve("--db", db, "--api-key", "k", env=slow)
    list_id = server.post(LISTS, {"name": "kept"}).json()["listId"]
    assert server.post(f"{LISTS}/{list_id}/add", {"userIds": ["a@b.co", "c@d.co"]}).status_code == 200
    server.stop(signal.SIGKILL)
    again = serve("--db", db, "--api-key", "k", env=slow)
    assert again.get(f"/__admin/lists/{list_id}").json()["members"] == ["a@b.co", "c@d.co"]
    # the rate-limit window was stored too: the add slot is still taken
    assert again.post(f"{LISTS}/{list_id}/add", {"userIds": ["x@y.io"]}).status_code == 429
    again.stop()


def test_manual_clock_flags_and_environment(db):
    server = serve("--db", db, "--clock", "manual", env={"MOCK_INFOBIP_START": "2026-01-02T03:04:05Z"})
    assert server.get("/__admin/clock").json() == {
        "now": "2026-01-02T03:04:05.000+0000",
        "mode": "manual",
        "speed": 0.0,
    }
    server.stop()


def test_config_file(tmp_path, db):
    config = tmp_path / "fake.toml"
    config.write_text(f'db = "{db}"\napi_keys = ["from-file"]\nrate_limit_create = 0\n')
    server = serve("--config", str(config))
    assert server.api_key == "from-file"
    assert [server.post(LISTS, {"name": str(i)}).status_code for i in range(3)] == [200, 200, 200]
    server.stop()


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["--port", "x"], "--port"),
        (["--clock", "sometimes"], "--clock"),
        (["--nope"], "--nope"),
        (["--start", "yesterday"], "--start"),
    ],
)
def test_a_bad_flag_is_one_line_and_exit_2(args, fragment):
    result = run_cli("serve", "--db", ":memory:", *args)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and fragment in lines[0], result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("workers", ["1", "2"])
def test_a_port_in_use_is_one_line_naming_it_and_exit_2(db, tmp_path, workers):
    server = serve("--db", db)  # another serve on the port: it is not shared
    port = server.base_url.rsplit(":", 1)[1]
    result = run_cli("serve", "--db", str(tmp_path / "other.db"), "--port", port, "--workers", workers)
    assert result.returncode == 2
    (line,) = result.stderr.strip().splitlines()
    assert f"port {port} is already in use" in line
    assert server.post(LISTS, {"name": "still mine"}).status_code == 200
    server.stop()


def test_an_admin_token_given_is_required(db):
    token = "admin-token-S3CRET-of-this-test"  # long and upper-case: no generated key contains it
    server = serve("--db", db, "--admin-token", token, "--host", "127.0.0.1")
    assert "admin token: as given (the admin API and dashboard actions need it)\n" in server.lines
    assert server.get("/__admin/clock").status_code == 401
    ok = requests.get(
        server.base_url + "/__admin/clock", headers={"Authorization": f"Bearer {token}"}, timeout=10
    )
    assert ok.status_code == 200
    out = server.stop()
    assert token not in "".join(server.lines) + out


@pytest.mark.parametrize("workers", ["1", "2"])
def test_off_loopback_without_a_token_one_is_generated_kept_and_never_printed(db, workers):
    """serve --host 0.0.0.0 (a container's) with no token serves, with a token generated for the
    database: the same for every worker and after a restart, shown only by ``admin-token``."""
    env = {"MOCK_INFOBIP_WORKERS": workers}
    server = serve("--db", db, "--host", "0.0.0.0", env=env)
    token = run_cli("admin-token", "--db", db).stdout.strip()
    assert len(token) == 32
    assert any(line.startswith("admin token: generated for this database") for line in server.lines)
    assert server.get("/__admin/health").status_code == 200  # the health check needs no token
    for _ in range(4):  # each worker (a connection each) wants it
        assert server.get("/__admin/clock").status_code == 401
        with requests.Session() as session:
            answer = session.get(
                server.base_url + "/__admin/clock", headers={"Authorization": f"Bearer {token}"}, timeout=10
            )
        assert answer.status_code == 200
    out = server.stop()
    assert token not in "".join(server.lines) + out
    again = serve("--db", db, "--host", "0.0.0.0", env=env)
    answer = requests.get(
        again.base_url + "/__admin/clock", headers={"Authorization": f"Bearer {token}"}, timeout=10
    )
    assert answer.status_code == 200
    again.stop()
    assert run_cli("admin-token", "--db", db, env={"MOCK_INFOBIP_ADMIN_TOKEN": "given"}).stdout == "given\n"


def test_admin_token_says_when_none_was_generated(db, tmp_path):
    server = serve("--db", db)  # loopback: none generated
    server.stop()
    result = run_cli("admin-token", "--db", db)
    assert result.returncode == 1 and "no admin token generated" in result.stderr
    missing = run_cli("admin-token", "--db", str(tmp_path / "none.db"))
    assert missing.returncode == 1 and "no database at" in missing.stderr


def burst(servers: list[ServeProcess], count: int) -> list[int]:
    barrier = threading.Barrier(count)
    statuses: list[int] = []
    sessions = [requests.Session() for _ in range(count)]

    def call(i: int) -> None:
        server = servers[i % len(servers)]
        barrier.wait()
        response = sessions[i].post(
            server.base_url + LISTS,
            json={"name": "n"},
            headers={"Authorization": f"App {server.api_key}"},
            timeout=30,
        )
        statuses.append(response.status_code)

    threads = [threading.Thread(target=call, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sorted(statuses)


def test_sixteen_simultaneous_creates_admit_one(db):
    server = serve("--db", db, "--api-key", "k", "--threads", "8", env=WIDE_WINDOW)
    assert burst([server], 16) == [200] + [429] * 15
    server.stop()


def test_two_processes_share_one_database_and_one_rate_limit(db):
    first = serve("--db", db, "--api-key", "k", env=WIDE_WINDOW)
    second = serve("--db", db, "--api-key", "k", env=WIDE_WINDOW)
    assert burst([first, second], 16) == [200] + [429] * 15
    lists = first.get("/__admin/lists").json()["lists"]
    assert second.get("/__admin/lists").json()["lists"] == lists
    assert len(lists) == 1
    first.stop()
    second.stop()


def test_an_access_log_in_combined_format_or_json_lines(tmp_path):
    import json
    import re

    for style in ("combined", "json"):
        server = serve("--db", str(tmp_path / f"{style}.db"), "--api-key", "k", "--access-log", style)
        requests.get(server.base_url + "/sms/1/logs?limit=1", headers={"Authorization": "App k"}, timeout=10)
        out = server.stop()
        (line,) = [line for line in out.splitlines() if "/sms/1/logs" in line]
        if style == "json":
            entry = json.loads(line)
            assert (entry["method"], entry["path"], entry["status"]) == ("GET", "/sms/1/logs?limit=1", 200)
        else:
            assert re.fullmatch(
                r'127\.0\.0\.1 - - \[.+\] "GET /sms/1/logs\?limit=1 HTTP/1\.1" 200 \d+ "-" ".+"', line
            )


def test_a_stop_signal_before_the_loop_starts_is_a_clean_stop(tmp_path, monkeypatch) -> None:
    """SIGINT in the instant between the banner and the server's loop (a script that sends it as
    soon as it reads the banner): the server closes as on any stop and says so."""
    import io
    import os

    from mock_infobip.core.settings import from_sources
    from mock_infobip.serving import command as run_module

    real = run_module.serve_until_stopped

    def interrupted(server: Any, stopper: Any) -> None:
        os.kill(os.getpid(), signal.SIGINT)  # the stopper takes it before the loop begins
        real(server, stopper)

    monkeypatch.setattr(run_module, "serve_until_stopped", interrupted)
    settings = from_sources(flags={"db": str(tmp_path / "f.db"), "port": 0, "workers": 1}, environ={})
    out = io.StringIO()
    run_module.run(settings, out)
    assert " listening on " in out.getvalue()
    assert out.getvalue().endswith("mock-infobip stopped\n")

"""The admin API (spec/harness.md)."""

from __future__ import annotations

from flask import Flask

from mock_infobip import __version__
from mock_infobip.core.journal import PRUNE_EVERY, Entry, Journal
from mock_infobip.http.app import create_app
from mock_infobip.runtime import Runtime
from tests.conftest import make_settings
from tests.support import ContractClient

BOTH_BACKENDS = True  # SQLite and PostgreSQL (tests/conftest.py)

LISTS = "/saas/amplitude/1/lists"


def test_health_names_the_engine_and_whether_this_process_runs_the_scheduler(client, runtime, backend):
    database = "postgresql" if backend == "postgres" else "sqlite"
    found = {"status": "ok", "version": __version__, "database": database, "scheduler": "off"}
    assert client.get("/__admin/health").json == found  # inline dispatch: no scheduler in the background
    runtime.settings = runtime.settings.replace(dispatch="background")
    runtime.start_worker()
    assert client.get("/__admin/health").json == {**found, "scheduler": "leading"}


def test_reset_wipes_state_but_keeps_accounts_keys_and_clock(client, runtime, auth):
    list_id = client.post(LISTS, json={"name": "n"}, headers=auth).json["listId"]
    client.post(f"{LISTS}/{list_id}/add", json={"userIds": ["a@b.co"]}, headers=auth)
    runtime.advance(100)
    now = client.get("/__admin/clock").json["now"]
    client.post("/__admin/outcomes", json={"status": "DELIVERED_TO_HANDSET"})
    client.post("/__admin/faults", json={"path": "/nowhere", "status": 503})
    client.post("/sms/2/text/advanced", json={"messages": [{"destinations": [{"to": "999"}]}]}, headers=auth)
    assert client.post("/__admin/reset").json == {"status": "ok"}
    assert client.get("/__admin/outcomes").json == {"outcomes": []}
    assert client.get("/__admin/faults").json == {"faults": []}
    assert client.get("/__admin/messages").json == {"messages": []}
    assert client.get("/__admin/lists").json == {"lists": []}
    assert client.get("/__admin/requests").json == {"requests": []}
    assert client.get("/__admin/clock").json["now"] == now
    # the rate-limit window went with the reset, the key stayed
    assert client.post(LISTS, json={"name": "n"}, headers=auth).status_code == 200


def test_create_account_with_keys_and_identifier(client):
    response = client.post(
        "/__admin/accounts", json={"name": "shop", "apiKeys": ["k-a", "k-b"], "identifier": "phone"}
    )
    assert response.status_code == 201
    assert response.json["apiKeys"] == ["k-a", "k-b"]
    assert response.json["identifier"] == "phone"
    accounts = client.get("/__admin/accounts").json["accounts"]
    assert [a["name"] for a in accounts] == ["default", "shop"]
    listed = client.post(LISTS, json={"name": "n"}, headers={"Authorization": "App k-b"})
    assert listed.status_code == 200


def test_create_account_generates_a_key_when_none_given(client):
    created = client.post("/__admin/accounts", json={"name": "gen"}).json
    assert len(created["apiKeys"]) == 1
    assert (
        client.post(
            LISTS, json={"name": "n"}, headers={"Authorization": f"App {created['apiKeys'][0]}"}
        ).status_code
        == 200
    )


def test_create_account_refuses_a_key_in_use_and_bad_bodies(client, runtime):
    taken = client.post("/__admin/accounts", json={"name": "x", "apiKeys": ["test-key-1"]})
    assert taken.status_code == 409
    assert "test-key-1" in taken.json["error"]
    bad = client.post("/__admin/accounts", json={"name": "x", "identifier": "fax"})
    assert bad.status_code == 400
    assert "identifier" in bad.json["fields"]
    assert client.post("/__admin/accounts", json={"name": "x", "username": "u"}).status_code == 400
    assert len(runtime.accounts.describe_all()) == 1


def test_revoke_and_restore_keys(client, auth):
    assert client.post("/__admin/keys/test-key-1/revoke").json == {"apiKey": "test-key-1", "revoked": True}
    assert client.post(LISTS, json={"name": "n"}, headers=auth).status_code == 401
    client.post("/__admin/keys/test-key-1/restore")
    assert client.post(LISTS, json={"name": "n"}, headers=auth).status_code == 200
    assert client.post("/__admin/keys/nope/revoke").status_code == 404


def test_clock_get_and_advance(client):
    assert client.get("/__admin/clock").json == {
        "now": "2026-11-22T10:00:00.000+0000",
        "mode": "manual",
        "speed": 0.0,
    }
    assert client.post("/__admin/clock/advance", json={"seconds": 1.5}).json == {
        "now": "2026-11-22T10:00:01.500+0000"
    }
    assert client.post("/__admin/clock/advance", json={"seconds": -1}).status_code == 400
    assert client.post("/__admin/clock/advance", json={}).json["fields"] == {
        "seconds": ["property not found or blank"]
    }


def test_advancing_a_real_clock_is_a_conflict():
    app = create_app(Runtime(make_settings(clock="real", start=None)))
    app.test_client_class = ContractClient
    response = app.test_client().post("/__admin/clock/advance", json={"seconds": 1})
    assert response.status_code == 409
    assert "manual" in response.json["error"]


def test_lists_members_pages_and_delete(client, runtime, auth):
    list_id = client.post(LISTS, json={"name": "n"}, headers=auth).json["listId"]
    client.post(f"{LISTS}/{list_id}/add", json={"userIds": [f"u{i}@x.io" for i in range(5)]}, headers=auth)
    assert client.get("/__admin/lists").json["lists"][0]["memberCount"] == 5
    whole = client.get(f"/__admin/lists/{list_id}").json
    assert whole["members"] == [f"u{i}@x.io" for i in range(5)]
    assert whole["name"] == "n"
    page = client.get(f"/__admin/lists/{list_id}?limit=2&offset=1").json
    assert page["members"] == ["u1@x.io", "u2@x.io"]
    assert client.get(f"/__admin/lists/{list_id}?limit=x").status_code == 400
    assert client.delete(f"/__admin/lists/{list_id}").json == {"listId": list_id, "deleted": True}
    assert client.get(f"/__admin/lists/{list_id}").status_code == 404
    assert client.delete(f"/__admin/lists/{list_id}").status_code == 404
    assert client.get("/__admin/lists/abc").status_code == 404


def test_journal_newest_first_filtered_and_capped(runtime: Runtime, auth):
    rt = Runtime(make_settings(journal_size=3, rate_limit_create=0))
    app: Flask = create_app(rt)
    app.test_client_class = ContractClient
    client = app.test_client()
    for i in range(5):
        client.post(LISTS, json={"name": str(i)}, headers=auth)
    client.post(LISTS, json={"name": "x"}, headers={"Authorization": "App nope"})
    entries = client.get("/__admin/requests").json["requests"]
    assert [e["status"] for e in entries] == [401, 200, 200]
    assert entries[1]["requestBody"] == '{"name": "4"}'
    assert entries[1]["responseBody"].startswith('{"listId":')
    assert entries[1]["apiKey"] == "te…"  # masked (issue #36): the first two of a short key
    assert entries[1]["operation"] == "lists.create"
    mine = client.get("/__admin/requests?apiKey=test-key-1").json["requests"]
    assert len(mine) == 2 and all(e["apiKey"] == "te…" for e in mine)
    assert len(client.get("/__admin/requests?limit=1").json["requests"]) == 1
    assert client.get("/__admin/requests?path=/nowhere").json["requests"] == []


def test_the_journal_keeps_its_capacity_and_a_few_more_rows_also_after_a_reset(runtime: Runtime):
    journal = Journal(runtime.store, runtime.clock, capacity=5, body_chars=100)

    def write(count: int) -> None:
        for i in range(count):
            entry = Entry("POST", LISTS, "", 200, None, None, None, f"request {i}", "")
            journal.record(entry, later=i % 2 == 0)
            journal.flush()

    def rows() -> int:
        with runtime.store.read() as conn:
            return int(conn.execute("SELECT count(*) FROM journal").fetchone()[0])

    for _ in range(2):  # and again after a reset, whose ids start again from 1
        write(300)
        assert 5 <= rows() <= 5 + PRUNE_EVERY
        assert [e["requestBody"] for e in journal.entries()] == [f"request {i}" for i in range(299, 294, -1)]
        runtime.store.reset()


def test_admin_token_is_required_when_set():
    app = create_app(Runtime(make_settings(admin_token="t0k")))
    app.test_client_class = ContractClient
    client = app.test_client()
    assert client.get("/__admin/clock").status_code == 401
    assert client.get("/__admin/clock", headers={"Authorization": "Bearer nope"}).status_code == 401
    assert client.get("/__admin/clock", headers={"Authorization": "Bearer t0k"}).status_code == 200


def test_the_health_check_needs_no_token_and_answers_any_host():
    """A container's health check, a load balancer's probe: by an address, with no credentials."""
    app = create_app(Runtime(make_settings(admin_token="t0k", host="0.0.0.0")))
    client = app.test_client()
    for host in ("10.1.2.3:8080", "mock-infobip:8080", "localhost"):
        answer = client.get("/__admin/health", headers={"Host": host})
        assert answer.status_code == 200 and answer.json["status"] == "ok"
        assert client.get("/__admin/clock", headers={"Host": host}).status_code in (401, 403)
    assert client.post("/__admin/health", json={}).status_code in (401, 405)

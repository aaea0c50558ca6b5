"""Tenants (#38, item 6): the dashboard signed in with an account's API key shows that account
only and changes nothing but its handsets' replies; the admin token sees every account and
switches between them; off loopback every page needs one of the two. On both engines."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from mock_infobip.http.app import create_app
from mock_infobip.http.controls import TENANT_COOKIE
from mock_infobip.runtime import Runtime
from tests.conftest import make_settings

BOTH_BACKENDS = True
ADMIN = "admin-token-of-the-tenants-test-0123456789"
HANDSET, BETA_ONLY = "41793026727", "41793026728"


@pytest.fixture
def settings():  # served off loopback: a shared fake
    return make_settings(admin_token=ADMIN, host="0.0.0.0", api_keys=("key-a",))


class World:
    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.app = create_app(runtime)
        beta, _ = runtime.add_account("beta", ["key-b"])
        self.beta = beta.id
        self.alpha = runtime.accounts.by_key("key-a").account.id  # type: ignore[union-attr]
        runtime.outcomes.add({"match": {}, "status": "DELIVERED_TO_HANDSET", "delaySeconds": 10})
        api = self.app.test_client()
        self.ids: dict[str, str] = {}
        for key, name, sends in (
            ("key-a", "alpha list", [(HANDSET, "alpha code 1111")]),
            ("key-b", "beta list", [(HANDSET, "beta code 2222"), (BETA_ONLY, "beta only")]),
        ):
            headers = {"Authorization": f"App {key}"}
            assert (
                api.post("/saas/amplitude/1/lists", json={"name": name}, headers=headers).status_code == 200
            )
            for to, text in sends:
                body = {
                    "messages": [
                        {"destinations": [{"to": to}], "text": text, "notifyUrl": "http://127.0.0.1:9/x"}
                    ]
                }
                sent = api.post("/sms/2/text/advanced", json=body, headers=headers)
                assert sent.status_code == 200, sent.text
                self.ids[text] = sent.json["messages"][0]["messageId"]
        runtime.advance(60)  # reports pushed to a receiver that is not there: attempts

    def beta_list(self) -> int:
        with self.runtime.store.read() as conn:
            row = conn.execute("SELECT id FROM lists WHERE name = 'beta list'").fetchone()
        return int(row["id"])

    def client(self, sign_in: str | None = None) -> FlaskClient:
        client = self.app.test_client()
        if sign_in is not None:
            answer = client.post("/dashboard/login", data={"token": sign_in})
            assert answer.status_code == 302, answer.text
        return client


@pytest.fixture
def world(runtime: Runtime) -> World:
    return World(runtime)


def test_off_loopback_every_page_needs_a_sign_in(world: World):
    client = world.client()
    for path in ("/", "/dashboard/messages", f"/dashboard/handsets/{HANDSET}", "/dashboard/callbacks"):
        answer = client.get(path)
        assert answer.status_code == 302 and answer.headers["Location"].endswith("/dashboard/login")
    assert client.get("/dashboard/events").status_code == 401
    assert client.post(f"/dashboard/handsets/{HANDSET}/reply", data={"text": "hi"}).status_code == 401
    assert client.get("/dashboard/login").status_code == 200
    refused = client.post("/dashboard/login", data={"token": "key-c"})
    assert refused.status_code == 401 and "neither the admin token nor an API key" in refused.text


def test_a_tenant_sees_its_own_account_only(world: World):
    client = world.client("key-a")
    cookie = client.get_cookie(TENANT_COOKIE)
    assert cookie is not None and "key-a" not in cookie.value and cookie.http_only
    messages = client.get("/dashboard/messages").text
    assert "alpha code 1111" in messages and "beta" not in messages
    assert client.get(f"/dashboard/messages/{world.ids['alpha code 1111']}").status_code == 200
    assert client.get(f"/dashboard/messages/{world.ids['beta code 2222']}").status_code == 404
    lists = client.get("/dashboard/lists").text
    assert "alpha list" in lists and "beta list" not in lists
    assert client.get(f"/dashboard/lists/{world.beta_list()}").status_code == 404
    conversation = client.get(f"/dashboard/handsets/{HANDSET}").text
    assert "alpha code 1111" in conversation and "beta code" not in conversation
    callbacks = client.get("/dashboard/callbacks").text
    assert world.ids["alpha code 1111"] in callbacks and world.ids["beta code 2222"] not in callbacks
    overview = client.get("/").text
    assert 'id="message-count">1<' in overview and ">beta<" not in overview
    assert 'id="advance"' not in overview and "redeliver now" not in callbacks  # no action offered
    assert "account <b>default</b> (read-only)" in overview  # make_settings' account
    assert client.get("/dashboard/events").status_code == 200


def test_a_tenant_changes_nothing_but_its_replies(world: World):
    client = world.client("key-a")
    before = world.runtime.clock.now_ms()
    assert client.post("/dashboard/advance", data={"seconds": "60"}).status_code == 403
    assert world.runtime.clock.now_ms() == before
    redeliver = {"message": world.ids["alpha code 1111"]}
    assert client.post("/dashboard/callbacks/redeliver", data=redeliver).status_code == 403
    assert client.post("/dashboard/view", data={"account": str(world.beta)}).status_code == 403
    assert client.post(f"/dashboard/handsets/{HANDSET}/reply", data={"text": "YES"}).status_code == 303
    (reply,) = world.runtime.inbound.listing({})
    assert (reply["from"], reply["text"], reply["replyTo"]) == (HANDSET, "YES", world.ids["alpha code 1111"])
    # the other account's handset: nothing of this account's to answer
    assert client.post(f"/dashboard/handsets/{BETA_ONLY}/reply", data={"text": "NO"}).status_code == 400


def test_revoking_the_key_ends_the_tenants_sign_in(world: World):
    client = world.client("key-a")
    assert client.get("/dashboard/messages").status_code == 200
    world.runtime.accounts.set_revoked("key-a", True)
    assert client.get("/dashboard/messages").status_code == 302
    assert client.post("/dashboard/login", data={"token": "key-a"}).status_code == 401


def test_signing_out_ends_a_tenants_sign_in(world: World):
    client = world.client("key-b")
    cookie = client.get_cookie(TENANT_COOKIE)
    assert cookie is not None
    client.post("/dashboard/logout")
    assert client.get_cookie(TENANT_COOKIE) is None
    client.set_cookie(TENANT_COOKIE, cookie.value)  # kept by someone: ended on the server all the same
    assert client.get("/dashboard/messages").status_code == 302


def test_the_admin_sees_every_account_and_switches_between_them(world: World):
    client = world.client(ADMIN)
    assert all(text in client.get("/dashboard/messages").text for text in world.ids)
    switched = client.post("/dashboard/view", data={"account": str(world.beta)})
    assert switched.status_code == 303
    messages = client.get("/dashboard/messages").text
    assert "beta code 2222" in messages and "alpha code" not in messages
    assert f'<option value="{world.beta}" selected>' in messages
    assert client.get(f"/dashboard/messages/{world.ids['alpha code 1111']}").status_code == 404
    client.post("/dashboard/view", data={"account": ""})
    assert all(text in client.get("/dashboard/messages").text for text in world.ids)


def test_an_admin_token_signed_in_wins_over_a_tenants(world: World):
    client = world.client("key-a")
    client.post("/dashboard/login", data={"token": ADMIN})  # signing in as one ends the other
    assert client.get_cookie(TENANT_COOKIE) is None
    assert all(text in client.get("/dashboard/messages").text for text in world.ids)


def test_each_push_carries_one_accounts_reports(world: World):
    """Both accounts' reports go to one URL: each attempt carries one account's (as Infobip's)."""
    owner = {m["messageId"]: m["accountId"] for m in world.runtime.reports.outbox({})}
    attempts: list[dict[str, Any]] = world.runtime.reports.attempts({})
    assert len(attempts) >= 2
    for attempt in attempts:
        assert len({owner[m] for m in attempt["messageIds"]}) == 1

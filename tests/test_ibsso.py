"""IBSSO sessions: POST /auth/1/session, Authorization: IBSSO <token> on every endpoint, expiry after
inactivity on the fake's clock (ibsso_session_ttl), DELETE /auth/1/session."""

from __future__ import annotations

import re

import requests

from mock_infobip import fake

SESSION = "/auth/1/session"
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")


def test_a_session_works_everywhere_until_unused_for_its_ttl_or_destroyed():
    with fake(ibsso_session_ttl=600) as infobip:
        base = infobip.base_url
        infobip.runtime.add_account("Ops", username="ops", password="pw")
        created = requests.post(base + SESSION, json={"username": "ops", "password": "pw", "unsafe": False})
        assert created.status_code == 200 and UUID.fullmatch(created.json()["token"])
        token = created.json()["token"]
        again = requests.post(base + SESSION, json={"username": "ops", "password": "pw"})
        assert again.json() == {"token": token}  # alive: destroy it first to get a new one
        sso = {"Authorization": f"IBSSO {token}"}
        lists = base + "/saas/amplitude/1/lists"
        assert requests.post(lists, json={"name": "via IBSSO"}, headers=sso).status_code == 200
        assert requests.get(base + "/sms/3/logs", headers=sso).status_code == 200
        for _ in range(3):  # each use keeps it alive
            infobip.clock.advance(599)
            assert requests.get(base + "/sms/1/logs", headers=sso).status_code == 200
        infobip.clock.advance(600)
        expired = requests.get(base + "/sms/1/logs", headers=sso)
        assert expired.status_code == 401
        assert expired.json()["requestError"]["serviceException"]["messageId"] == "UNAUTHORIZED"
        token = requests.post(base + SESSION, json={"username": "ops", "password": "pw"}).json()["token"]
        sso = {"Authorization": f"ibsso {token}"}  # the scheme in any letter case, as every scheme
        infobip.reset()  # sessions are credentials: a reset keeps them
        assert requests.get(base + "/sms/1/logs", headers=sso).status_code == 200
        ended = requests.delete(base + SESSION, headers=sso)
        assert (ended.status_code, ended.content) == (204, b"")
        assert requests.get(base + "/sms/1/logs", headers=sso).status_code == 401
        assert requests.delete(base + SESSION, headers=sso).status_code == 401


def test_bad_credentials_and_bodies():
    with fake() as infobip:
        base = infobip.base_url
        infobip.runtime.add_account("Ops", username="ops", password="pw")
        wrong = requests.post(base + SESSION, json={"username": "ops", "password": "nope"})
        assert wrong.status_code == 401
        missing = requests.post(base + SESSION, json={"username": "ops"})
        assert missing.status_code == 400
        assert "password" in missing.json()["requestError"]["serviceException"]["validationErrors"]
        # destroying needs an IBSSO session: an API key is not one
        assert requests.delete(base + SESSION, headers=infobip.headers).status_code == 401
        assert requests.get(base + "/sms/1/logs", headers={"Authorization": "IBSSO nope"}).status_code == 401

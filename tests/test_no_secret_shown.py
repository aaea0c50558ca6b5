"""No secret is shown (passwords in URLs, secret parameters, credentials computable from the seed),
and no number a client sends that does not fit is anything but a 400 naming it."""

from __future__ import annotations

import base64
import json

import requests

from mock_infobip import fake
from mock_infobip.system.redact import redact
from tests.receivers import Receiver
from tests.servers import serve

SECRET = "s3cr3t-pa55"


def test_redact_masks_url_passwords_and_secret_parameters():
    assert (
        redact(f"https://crm:{SECRET}@hooks.example.com/dlr?x=1")
        == "https://crm:***@hooks.example.com/dlr?x=1"
    )
    assert redact("http://crm@hooks.example.com/dlr") == "http://crm@hooks.example.com/dlr"
    form = f"client_id=ops&client_secret={SECRET}&grant_type=client_credentials"
    assert redact(form) == "client_id=ops&client_secret=***&grant_type=client_credentials"
    assert redact(f"/x?token={SECRET}&password={SECRET}&y=2") == "/x?token=***&password=***&y=2"
    assert (
        redact(f'{{"username": "ops", "password": "{SECRET}"}}') == '{"username": "ops", "password": "***"}'
    )
    assert redact("mypassword=x&keep=1") == "mypassword=x&keep=1"


def test_passwords_in_callback_and_forward_urls_are_shown_nowhere():
    receiver = Receiver()
    url = receiver.url.replace("http://", f"http://crm:{SECRET}@")
    try:
        with fake() as infobip:
            infobip.outcome("DELIVERED_TO_HANDSET", delay_seconds=0)
            body = {"messages": [{"destinations": [{"to": "41793026727"}], "text": "x", "notifyUrl": url}]}
            sent = requests.post(
                infobip.base_url + "/sms/2/text/advanced", headers=infobip.headers, json=body
            )
            message_id = sent.json()["messages"][0]["messageId"]
            infobip.number("447491163443", forward_url=url)
            infobip.handset("41793026727", "447491163443", "YES")
            infobip.clock.advance(1)
            assert len(receiver.bodies) == 2  # the pushes used the password
            form = {"client_id": "ops", "client_secret": SECRET, "grant_type": "client_credentials"}
            requests.post(infobip.base_url + "/auth/1/oauth2/token", data=form)
            shown = [
                requests.get(infobip.base_url + path).text
                for path in (
                    "/__admin/callbacks",
                    "/__admin/messages",
                    "/__admin/numbers",
                    "/__admin/requests",
                    "/dashboard/callbacks",
                    "/dashboard/inbound",
                    f"/dashboard/messages/{message_id}",
                )
            ]
            assert all(SECRET not in page for page in shown)
            assert "crm:***@" in shown[0] and "crm:***@" in shown[4] and "crm:***@" in shown[6]
            assert SECRET not in json.dumps(infobip.callbacks()) + json.dumps(infobip.requests())
    finally:
        receiver.close()


def test_issued_tokens_are_not_shown_by_the_journal():
    with fake() as infobip:
        infobip.runtime.add_account("O", username="ops", password="pw")
        form = {"client_id": "ops", "client_secret": "pw", "grant_type": "client_credentials"}
        access = requests.post(infobip.base_url + "/auth/1/oauth2/token", data=form).json()["access_token"]
        session = requests.post(
            infobip.base_url + "/auth/1/session", json={"username": "ops", "password": "pw"}
        )
        shown = requests.get(infobip.base_url + "/__admin/requests").text
        assert access not in shown and session.json()["token"] not in shown


def test_the_access_log_redacts_secret_parameters(tmp_path):
    server = serve("--db", str(tmp_path / "f.db"), "--api-key", "k", "--access-log", "combined")
    requests.get(
        server.base_url + f"/sms/1/logs?limit=1&password={SECRET}&client_secret={SECRET}", timeout=10
    )
    out = server.stop()
    (line,) = [line for line in out.splitlines() if "/sms/1/logs" in line]
    assert SECRET not in out and "password=***&client_secret=***" in line


def test_credentials_are_not_computable_from_the_seed():
    issued = []
    for _ in range(2):
        with fake(seed=42) as infobip:
            infobip.runtime.add_account("O", username="ops", password="pw")
            form = {"client_id": "ops", "client_secret": "pw", "grant_type": "client_credentials"}
            answer = requests.post(infobip.base_url + "/auth/1/oauth2/token", data=form).json()
            _, (key,) = infobip.runtime.add_account("P")
            issued.append((answer["access_token"], key))
    assert issued[0][0] != issued[1][0] and issued[0][1] != issued[1][1]


def test_numbers_that_do_not_fit_are_a_400_naming_them():
    too_big = str(2**63)
    cursor = base64.urlsafe_b64encode(f"{too_big}:{too_big}".encode()).decode().rstrip("=")
    with fake() as infobip:
        for path in ("/sms/3/logs", "/mms/2/logs"):
            answer = requests.get(
                infobip.base_url + path,
                params={"useCursor": "true", "cursor": cursor},
                headers=infobip.headers,
            )
            assert answer.status_code == 400, path
            assert [v["property"] for v in answer.json()["violations"]] == ["cursor"]
        for page in ("messages", "lists", "callbacks", "refusals", "inbound"):
            answer = requests.get(f"{infobip.base_url}/dashboard/{page}?page={too_big}")
            assert answer.status_code == 400 and "page" in answer.text, page
        assert requests.get(f"{infobip.base_url}/dashboard/lists/{too_big}").status_code == 404
        assert infobip.runtime.errors == []


def test_mock_infobip_settings_masks_the_admin_token_and_the_api_keys():
    from tests.servers import run_cli

    env = {
        "MOCK_INFOBIP_ADMIN_TOKEN": "planted-tok-8812",
        "MOCK_INFOBIP_API_KEYS": "planted-key-1 planted-key-2",
    }
    shown = run_cli("settings", env=env)
    assert shown.returncode == 0
    assert "planted" not in shown.stdout + shown.stderr
    rows = {line.split()[0]: line for line in shown.stdout.splitlines()}
    assert rows["admin_token"].endswith("***") and rows["api_keys"].endswith("*** ***")

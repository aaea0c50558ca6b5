"""No secret is shown (passwords in URLs, secret parameters, credentials computable from the seed),
and no number a client sends that does not fit is anything but a 400 naming it."""

from __future__ import annotations

import base64
import json
import subprocess
from urllib.parse import quote

import pytest
import requests

from mock_infobip import fake, server
from mock_infobip.core.settings import SettingsError, from_sources
from mock_infobip.storage import locator
from mock_infobip.system.redact import redact
from tests.receivers import Receiver
from tests.servers import command, run_cli, serve

SECRET = "s3cr3t-pa55"
BOTH_BACKENDS = True  # the tests given ``stores`` (tests/conftest.py)
LISTS = "/saas/amplitude/1/lists"


def test_redact_masks_url_passwords_and_secret_parameters():
    assert (
        redact(f"https://crm:{SECRET}@hooks.example.com/dlr?x=1") == "https://***@hooks.example.com/dlr?x=1"
    )
    assert redact("http://crm@hooks.example.com/dlr") == "http://***@hooks.example.com/dlr"  # a token, maybe
    assert redact('{"notifyUrl":"http:\\/\\/crm:pw@h\\/dlr"}') == '{"notifyUrl":"http:\\/\\/***@h\\/dlr"}'
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
            assert "//***@" in shown[0] and "//***@" in shown[4] and "//***@" in shown[6]
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
    admin_token = rows["admin_token"].split("MOCK_INFOBIP_ADMIN_TOKEN")[1]
    api_keys = rows["api_keys"].split("MOCK_INFOBIP_API_KEYS")[1]
    assert admin_token.split()[0] == "***" and api_keys.split()[:2] == ["***", "***"]


# --- the database: both of PostgreSQL's forms, shown without the password (issue #36, 6) ----------

UNREACHABLE = "127.0.0.1:1"  # nothing listens on port 1: refused at once


@pytest.mark.parametrize(
    ("db", "engine"),
    [
        ("postgresql://mi:pw@db/fake", "postgres"),
        ("postgres://db/fake", "postgres"),
        ("host=db user=mi password=pw dbname=fake", "postgres"),
        ("  dbname = fake host=db", "postgres"),
        ("mock-infobip.db", "sqlite"),
        ("./a=b.db", "sqlite"),
        ("/var/lib/fake/a b.db", "sqlite"),
        (":memory:", "sqlite"),
        ("file:fake.db?mode=memory", "sqlite"),
    ],
)
def test_a_database_is_postgres_in_either_form_else_a_sqlite_path(db, engine):
    assert locator.engine_of(db) == engine


@pytest.mark.parametrize(
    "db", ["hots=db password=pw dbname=fake", "mysql://mi:pw@db/fake", "postgresq://mi:pw@db/fake"]
)
def test_what_looks_like_a_connection_string_but_is_none_is_refused(db):
    with pytest.raises(locator.NotADatabase):
        locator.engine_of(db)
    with pytest.raises(SettingsError) as refused:
        from_sources(flags={"db": db})
    assert "pw" not in str(refused.value)
    assert (
        from_sources(environ={"DATABASE_URL": db}).db == "./mock-infobip.db"
    )  # not PostgreSQL's: left alone
    keywords = "host=db user=mi password=pw dbname=fake"
    assert from_sources(environ={"DATABASE_URL": keywords}).db == keywords


PASSWORDS = ["s3cr'et-9c1", "s3cr et-9c1", "s3cr@et-9c1", "s3cr\\et-9c1"]


def _forms(password: str) -> list[str]:
    quoted = password.replace("\\", "\\\\").replace("'", "\\'")
    return [
        f"postgresql://mi:{password}@{UNREACHABLE}/fake",
        f"postgresql://mi:{quote(password, safe='')}@{UNREACHABLE}/fake",
        f"host=127.0.0.1 port=1 user=mi password='{quoted}' dbname=fake",
    ]


@pytest.mark.parametrize("password", PASSWORDS)
def test_a_database_password_is_shown_nowhere_whatever_it_holds(password):
    fragment = "et-9c1"  # in every password: not even a part of one is shown
    for db in _forms(password):
        assert fragment not in locator.shown(db)
        upgraded = run_cli("db", "upgrade", "--db", db)
        assert upgraded.returncode != 0
        assert len((upgraded.stdout + upgraded.stderr).strip().splitlines()) == 1  # one line (#37)
        assert fragment not in upgraded.stdout + upgraded.stderr
        described = run_cli("settings", env={"MOCK_INFOBIP_DB": db})
        assert fragment not in described.stdout + described.stderr
    readable = locator.shown(_forms(password)[2]).split()
    assert sorted(readable) == ["dbname=fake", "host=127.0.0.1", "password=***", "port=1", "user=mi"]


def test_a_keyword_string_is_served_on_postgres_never_as_a_file_named_after_it(tmp_path):
    """It was taken as a SQLite file name: a new file in the working directory holding the password."""
    db = f"host=127.0.0.1 port=1 user=mi password={SECRET} dbname=fake"
    process = subprocess.run(
        [*command(), "serve", "--db", db, "--port", "0"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert process.returncode != 0  # PostgreSQL is not there: refused, not served on a file
    assert SECRET not in process.stdout + process.stderr
    assert list(tmp_path.iterdir()) == []


def test_the_journal_masks_each_request_s_api_key_and_still_filters_by_it():
    key = "planted-journal-key-7731"
    with fake(api_keys=(key,)) as infobip:
        basic = base64.b64encode(f"{key}:".encode()).decode()
        for authorization in (f"App {key}", f"Basic {basic}"):
            requests.post(
                infobip.base_url + LISTS, json={"name": "n"}, headers={"Authorization": authorization}
            )
        listed = requests.get(infobip.base_url + "/__admin/requests")
        assert key not in listed.text
        assert [e["apiKey"] for e in listed.json()["requests"]] == ["plan…7731", "plan…7731"]
        mine = requests.get(infobip.base_url + "/__admin/requests", params={"apiKey": key}).json()["requests"]
        assert len(mine) == 2 and key not in json.dumps(mine)


def test_a_callback_url_with_json_escaped_slashes_is_masked_in_the_journal_too():
    escaped = "http:\\/\\/crm:" + SECRET + "@127.0.0.1:9\\/dlr"
    raw = '{"messages":[{"destinations":[{"to":"41793026727"}],"text":"x","notifyUrl":"' + escaped + '"}]}'
    with fake() as infobip:
        sent = requests.post(
            infobip.base_url + "/sms/2/text/advanced",
            data=raw,
            headers={**infobip.headers, "Content-Type": "application/json"},
        )
        assert sent.status_code == 200
        for path in ("/__admin/requests", "/__admin/messages", "/dashboard/messages"):
            page = requests.get(infobip.base_url + path)
            assert SECRET not in page.text and "crm" not in page.text, path


# --- the dashboard's sign-in: a random id kept on the server, never the token (issue #36, 6) -------

TOKEN = "planted-admin-tok-5120"


def _sign_in(base: str, **headers: str) -> requests.Response:
    return requests.post(
        base + "/dashboard/login", data={"token": TOKEN}, headers=headers, allow_redirects=False
    )


def _advance(base: str, cookie: str) -> int:
    answer = requests.post(
        base + "/dashboard/advance",
        data={"seconds": "1"},
        cookies={"mock_infobip_admin": cookie},
        allow_redirects=False,
    )
    return answer.status_code


def test_the_dashboard_cookie_is_a_random_expiring_sign_in_never_the_token():
    with fake(admin_token=TOKEN, clock="manual") as infobip:
        base = infobip.base_url
        signed = _sign_in(base)
        assert signed.status_code == 302
        set_cookie = signed.headers["Set-Cookie"]
        assert TOKEN not in set_cookie
        assert "HttpOnly" in set_cookie and "SameSite=Strict" in set_cookie
        assert "Secure" in set_cookie  # the in-process fake is https://api.infobip.com
        assert "Max-Age=43200" in set_cookie  # dashboard_signin_hours: 12
        signin = signed.cookies["mock_infobip_admin"]
        assert signin != TOKEN and len(signin) >= 40
        assert signin != _sign_in(base).cookies["mock_infobip_admin"]  # each sign-in its own
        assert _advance(base, signin) == 302
        assert _advance(base, TOKEN) == 401  # the token itself is no cookie
        assert _advance(base, signin[:-1] + ("A" if signin[-1] != "A" else "B")) == 401
        infobip.clock.advance(10 * 24 * 3600)  # the fake's days: a sign-in lasts in real time
        assert _advance(base, signin) == 302
        out = requests.post(
            base + "/dashboard/logout", cookies={"mock_infobip_admin": signin}, allow_redirects=False
        )
        assert out.status_code == 302 and "mock_infobip_admin=; " in out.headers["Set-Cookie"]
        assert _advance(base, signin) == 401  # ended on the server, whatever the browser kept


def test_the_sign_in_cookie_is_secure_over_https_from_a_trusted_proxy_only():
    """Over plain HTTP (a loopback server) the cookie is not Secure, unless a proxy the settings
    trust says the browser came over HTTPS."""
    https = {"X-Forwarded-Proto": "https"}
    with server(admin_token=TOKEN, trusted_proxies=("127.0.0.1",)) as infobip:
        assert infobip.base_url.startswith("http://")
        assert "Secure" in _sign_in(infobip.base_url, **https).headers["Set-Cookie"]
        assert "Secure" not in _sign_in(infobip.base_url).headers["Set-Cookie"]
    with server(admin_token=TOKEN) as infobip:  # nobody trusted: the header is anyone's to send
        assert "Secure" not in _sign_in(infobip.base_url, **https).headers["Set-Cookie"]


def test_a_sign_in_ends_after_its_hours_of_the_wall_clock(stores):
    from mock_infobip.core.clock import Clock
    from mock_infobip.core.randomness import Randomness
    from mock_infobip.identity.signins import SignIns
    from tests.test_clock import FakeWall

    wall = FakeWall()
    store = stores()
    signins = SignIns(store, Clock(store, wall), Randomness(1), hours=1)
    signin = signins.create(TOKEN)
    assert signins.valid(TOKEN, signin) and not signins.valid("another-token", signin)
    wall.now += 3599
    assert signins.valid(TOKEN, signin)
    wall.now += 1
    assert not signins.valid(TOKEN, signin)
    with store.read() as conn:
        row = conn.execute("SELECT digest FROM dashboard_signins").fetchone()
    assert signin not in row["digest"] and TOKEN not in row["digest"]  # only a digest is kept


def test_without_psycopg_a_url_is_shown_by_the_standard_url_parser(monkeypatch):
    """The lowest-dependencies run has no [postgres] extra: a URL is still shown parsed, without its
    password; a keyword string is shown as no more than what it is."""
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "psycopg" else real(name, *a)
    )
    assert (
        locator.shown("postgresql://ops:s3cret@db.internal:5432/fake")
        == "postgresql://ops:***@db.internal:5432/fake"
    )
    assert (
        locator.shown("postgresql://ops@db/fake?sslmode=require&password=pw")
        == "postgresql://ops@db/fake?sslmode=require"
    )
    for password in PASSWORDS:
        assert "et-9c1" not in locator.shown(_forms(password)[0])
    assert locator.shown("host=db password=pw dbname=fake") == locator.UNREADABLE

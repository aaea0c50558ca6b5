"""The inbox (issue #38), first part: every message in the admin listing carries ``otp`` (a 2FA
message's PIN, else the first code of 4 to 10 digits in its text, or null) and ``links`` (the
URLs in its text); inbound messages too."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
import requests

from mock_infobip import FakeError, fake
from mock_infobip.channels.messages.extract import code_in, links_in

SHOP = "447491163443"


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Your code is 482913.", "482913"),
        ("Order 12 shipped; code 0042", "0042"),  # 12 is too short: the first run of 4 to 10 digits
        ("Call +41 79 302 67 27", None),  # 2 or 3 digits a group: no code
        ("12345678901 is too long", None),
        ("", None),
    ],
)
def test_the_code_of_a_text(text, code):
    assert code_in(text) == code


def test_the_links_of_a_text():
    text = "Confirm at https://shop.example/c?t=1, or http://x.io/a). Not ftp://y or https:/z"
    assert links_in(text) == ["https://shop.example/c?t=1", "http://x.io/a"]


def test_the_admin_listing_gives_each_message_its_otp_and_links():
    with fake() as infobip:
        base, headers = infobip.base_url, infobip.headers
        body = {
            "messages": [
                {
                    "destinations": [{"to": "41793026727"}],
                    "text": "Sale 2026: code 7731 at https://shop.example/s",
                },
                {"destinations": [{"to": "41793026728"}], "text": "Hello"},
            ]
        }
        requests.post(base + "/sms/2/text/advanced", json=body, headers=headers)
        app_id = requests.post(base + "/2fa/2/applications", json={"name": "A"}, headers=headers).json()[
            "applicationId"
        ]
        template = {"messageText": "Ref 1234567: your PIN is {{pin}}", "pinType": "NUMERIC", "pinLength": 6}
        message_id = requests.post(
            f"{base}/2fa/2/applications/{app_id}/messages", json=template, headers=headers
        ).json()["messageId"]
        requests.post(
            base + "/2fa/2/pin",
            json={"applicationId": app_id, "messageId": message_id, "to": "41793026729"},
            headers=headers,
        )
        listed = {m["to"]: m for m in requests.get(base + "/__admin/messages").json()["messages"]}
        assert (listed["41793026727"]["otp"], listed["41793026727"]["links"]) == (
            "2026",
            ["https://shop.example/s"],
        )
        assert (listed["41793026728"]["otp"], listed["41793026728"]["links"]) == (None, [])
        assert listed["41793026729"]["otp"] == infobip.last_pin("41793026729")  # the PIN, not the reference
        infobip.number(SHOP)
        infobip.handset("41793026727", SHOP, "my code was 7731, see https://x.example")
        (inbound,) = requests.get(base + "/__admin/inbound").json()["messages"]
        assert (inbound["otp"], inbound["links"]) == ("7731", ["https://x.example"])


# --- the wait API ---------------------------------------------------------------------------------


def send(base: str, headers: dict[str, str], to: str, text: str = "Your code is 4821") -> str:
    body = {"messages": [{"destinations": [{"to": to}], "text": text}]}
    answer = requests.post(base + "/sms/2/text/advanced", json=body, headers=headers)
    return str(answer.json()["messages"][0]["messageId"])


def test_since_a_message_or_a_time_lists_only_what_was_sent_after_it():
    with fake() as infobip:
        base, headers = infobip.base_url, infobip.headers
        first = send(base, headers, "41793026727")
        infobip.clock.advance(60)
        second = send(base, headers, "41793026727")

        def listed(**query: str) -> list[str]:
            found = requests.get(base + "/__admin/messages", params=query).json()["messages"]
            return [m["messageId"] for m in found]

        assert listed(since=first) == [second]
        assert listed(since=second) == []
        assert listed(since=infobip.clock.now().isoformat()) == []
        assert listed(since="2000-01-01T00:00:00Z") == [second, first]
        refused = requests.get(base + "/__admin/messages", params={"wait": "61"})
        assert refused.status_code == 400 and "wait" in refused.json()["fields"]


def test_a_waiting_request_is_answered_as_soon_as_a_matching_message_is_sent_holding_no_thread(tmp_path):
    """Five waiting requests (more than the controls' 2 threads) hold no thread: the health check,
    another listing and the send itself are answered while they wait; each gets the message."""
    from mock_infobip.runtime import Runtime
    from mock_infobip.serving.assembly import BackgroundServer, create_server
    from tests.conftest import make_settings

    runtime = Runtime(make_settings(db=str(tmp_path / "w.db"), api_keys=("k",), port=0, clock="real"))
    background = BackgroundServer(create_server(runtime)).start()
    base, headers = f"http://127.0.0.1:{background.port}", {"Authorization": "App k"}
    answers: list[list[str]] = []
    lock = threading.Lock()

    def wait() -> None:
        query = {"to": "41793026727", "wait": "30"}
        got = requests.get(base + "/__admin/messages", params=query, timeout=60)
        with lock:
            answers.append([m["text"] for m in got.json()["messages"]])

    waiting = [threading.Thread(target=wait) for _ in range(5)]
    try:
        for thread in waiting:
            thread.start()
        until = time.monotonic() + 30
        while background.server.waiting() < 5:  # every one of them waiting on the loop
            assert time.monotonic() < until, "never: 5 requests waiting"
            time.sleep(0.01)
        assert requests.get(base + "/__admin/health", timeout=10).status_code == 200
        assert requests.get(base + "/__admin/messages", timeout=10).json()["messages"] == []
        send(base, headers, "41793026728", "not for them")
        send(base, headers, "41793026727", "for them")
        for thread in waiting:
            thread.join(timeout=60)
        assert answers == [["for them"]] * 5
    finally:
        background.stop()
        runtime.close()


WOKEN_WITHIN = 30  # seconds: far more than a wake takes, half the wait a missed one would take


def _wait_on(base: str, answers: list[list[str]]) -> threading.Thread:
    def wait() -> None:
        got = requests.get(base + "/__admin/messages", params={"to": "41793026727", "wait": "60"}, timeout=90)
        answers.append([m["text"] for m in got.json()["messages"]])

    thread = threading.Thread(target=wait)
    thread.start()
    return thread


def _until_waiting(background: Any) -> None:
    until = time.monotonic() + 30
    while background.server.waiting() < 1:
        assert time.monotonic() < until, "never: a request waiting"
        time.sleep(0.01)


def test_a_send_wakes_a_waiting_request_before_its_next_look(tmp_path, monkeypatch):
    """The waiting request's own looks are an hour apart here: only the send's wake answers it
    before its 60 s end (its last look, which would find the message too)."""
    from mock_infobip.http.routes import admin
    from mock_infobip.runtime import Runtime
    from mock_infobip.serving.assembly import BackgroundServer, create_server
    from tests.conftest import make_settings

    monkeypatch.setattr(admin, "WAIT_POLL", 3600)
    runtime = Runtime(make_settings(db=str(tmp_path / "w.db"), api_keys=("k",), port=0, clock="real"))
    background = BackgroundServer(create_server(runtime)).start()
    base = f"http://127.0.0.1:{background.port}"
    answers: list[list[str]] = []
    try:
        waiting = _wait_on(base, answers)
        _until_waiting(background)
        send(base, {"Authorization": "App k"}, "41793026727", "for them")
        waiting.join(timeout=WOKEN_WITHIN)
        assert not waiting.is_alive(), "not woken: answered only at the end of its wait"
        assert answers == [["for them"]]
    finally:
        background.stop()
        runtime.close()


@pytest.mark.postgres
def test_a_send_on_another_host_wakes_a_waiting_request_on_postgresql(postgres_url, monkeypatch):
    """Two hosts of one fake: what one sends is heard by the other (LISTEN/NOTIFY), whose waiting
    request looks at once (its own looks an hour apart here)."""
    from mock_infobip.http.routes import admin
    from mock_infobip.runtime import Runtime
    from mock_infobip.serving.assembly import BackgroundServer, create_server
    from tests.conftest import make_settings
    from tests.postgres import empty_database

    monkeypatch.setattr(admin, "WAIT_POLL", 3600)
    settings = make_settings(db=empty_database(postgres_url), api_keys=("k",), port=0, clock="real")
    runtimes = [Runtime(settings), Runtime(settings)]
    servers = [BackgroundServer(create_server(rt)).start() for rt in runtimes]
    bases = [f"http://127.0.0.1:{s.port}" for s in servers]
    answers: list[list[str]] = []
    try:
        assert all(rt.store.listening(30) for rt in runtimes)
        waiting = _wait_on(bases[0], answers)
        _until_waiting(servers[0])
        send(bases[1], {"Authorization": "App k"}, "41793026727", "for them")
        waiting.join(timeout=WOKEN_WITHIN)
        assert not waiting.is_alive(), "not woken: answered only at the end of its wait"
        assert answers == [["for them"]]
    finally:
        for server in servers:
            server.stop()
        for rt in runtimes:
            rt.close()


def test_handle_wait_for_message_returns_the_message_or_names_what_arrived():
    with fake() as infobip:
        base, headers = infobip.base_url, infobip.headers
        send(base, headers, "41793026727", "before")  # already there: not waited for
        later = threading.Timer(0.2, lambda: send(base, headers, "41793026727", "Your code is 9090"))
        later.start()
        message = infobip.wait_for_message("+41793026727", timeout=30)
        later.join()
        assert (message["text"], message["otp"]) == ("Your code is 9090", "9090")
        with pytest.raises(FakeError, match=r"no message to 41793026728 .*arrived: none"):
            infobip.wait_for_message("41793026728", timeout=0.2)


def test_a_wait_takes_a_search_and_skips_what_does_not_match_it():
    """#38: one HTTP call waits for the SMS a test means (a search: docs/search.md) and reads its
    code; the handle's wait_for_message takes the same q."""
    with fake() as infobip:
        base, headers = infobip.base_url, infobip.headers
        newest = requests.get(base + "/__admin/messages", params={"limit": "1"}).json()["messages"]
        assert newest == []

        def sends() -> None:
            send(base, headers, "41793026727", "Welcome!")  # to the number, but no code
            send(base, headers, "41793026727", "Your code is 5150")

        later = threading.Timer(0.2, sends)
        later.start()
        query = {"q": "to:+41793026727 is:pin", "since": "1970-01-01T00:00:00Z", "wait": "30"}
        got = requests.get(base + "/__admin/messages", params=query, timeout=60).json()["messages"]
        later.join()
        assert [(m["text"], m["otp"]) for m in got] == [("Your code is 5150", "5150")]
        again = threading.Timer(0.2, lambda: send(base, headers, "41793026728", "Code 7777 for you"))
        again.start()
        message = infobip.wait_for_message(q="is:pin", timeout=30)
        again.join()
        assert message["otp"] == "7777"


def test_inbound_messages_are_waited_for_too():
    with fake() as infobip:
        infobip.number(SHOP)
        infobip.handset("41793026727", SHOP, "first")
        (first,) = requests.get(infobip.base_url + "/__admin/inbound").json()["messages"]
        later = threading.Timer(0.2, lambda: infobip.handset("41793026727", SHOP, "STOP"))
        later.start()
        query = {"since": first["messageId"], "wait": "30"}
        got = requests.get(infobip.base_url + "/__admin/inbound", params=query).json()["messages"]
        later.join()
        assert [m["text"] for m in got] == ["STOP"]


def test_the_setting_max_wait_seconds_caps_a_wait():
    with fake(max_wait_seconds=0.1) as infobip:
        listed = requests.get(infobip.base_url + "/__admin/messages", params={"wait": "60"}, timeout=10)
        assert listed.json()["messages"] == []  # answered after 0.1 s, not 60

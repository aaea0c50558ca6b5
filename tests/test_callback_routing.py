"""Any callback URL is accepted at send time; where a push goes is the fake's policy (callback_hosts,
callback_routes, in-process receivers), and a URL no rule allows is never connected to."""

from __future__ import annotations

import socket
from typing import Any

import pytest
import requests

from mock_infobip import fake
from mock_infobip.core.settings import SettingsError, from_sources
from mock_infobip.system.redact import redact
from tests.receivers import Receiver

SEND = "/sms/2/text/advanced"


def send(infobip: Any, url: str) -> None:
    body = {"messages": [{"destinations": [{"to": "41793026727"}], "text": "Hi", "notifyUrl": url}]}
    answer = requests.post(infobip.base_url + SEND, headers=infobip.headers, json=body)
    assert answer.status_code == 200, (url, answer.text)


@pytest.fixture
def no_connections(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Every attempt to open a socket or resolve a name is recorded and refused."""
    tried: list[Any] = []

    def refuse(*args: Any, **kwargs: Any) -> Any:
        tried.append(args)
        raise ConnectionRefusedError("the test allows no connection")

    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)
    return tried


def test_a_production_url_is_accepted_and_its_pushes_are_refused_without_a_connection(no_connections):
    with fake(callback_max_retries=2) as infobip:
        infobip.outcome("DELIVERED_TO_HANDSET", delay_seconds=0)
        send(infobip, "https://www.example.com/sms/advanced")  # Infobip's own request example
        infobip.clock.advance(1)
        (attempt,) = infobip.callbacks()
        assert attempt["url"] == "https://www.example.com/sms/advanced"
        assert attempt["status"] is None and attempt["nextRetryAt"] is not None
        assert attempt["error"] == (
            "host not allowed: www.example.com (allow it with the setting callback_hosts, or send its "
            "pushes to a local URL with callback_routes)"
        )
        assert requests.get(infobip.base_url + "/sms/1/reports", headers=infobip.headers).json() == {
            "results": []
        }
        infobip.clock.advance(3600)  # the retry cycle runs out: the report becomes pullable
        assert [a["retry"] for a in infobip.callbacks()] == [0, 1, 2]
        pulled = requests.get(infobip.base_url + "/sms/1/reports", headers=infobip.headers).json()
        assert [r["status"]["name"] for r in pulled["results"]] == ["DELIVERED_TO_HANDSET"]
        shown = requests.get(infobip.base_url + "/__admin/callbacks").json()
        assert "host not allowed: www.example.com" in str(shown)
    assert no_connections == []


HOSTILE = (
    "http://127.0.0.1.evil.example/x",
    "http://2130706433/x",
    "http://evil.example#@127.0.0.1/x",
    "http://localhost.evil.example/x",
    "http://0177.0.0.1/x",
    "http://127.1/x",
    "https://myapp.example.com.evil.example/x",
    "https://myapp.example.com@evil.example/x",
    "https://evil.example/https://myapp.example.com/x",
    "https://evil.example?https://myapp.example.com/x",
    "http://myapp.example.com/x",  # another scheme than the route's
    "https://myapp.example.com:444/x",  # another port
    "https://myapp.example.comx/x",
)


def test_hostile_spellings_reach_no_host_that_no_rule_allows(no_connections):
    routes = {"https://myapp.example.com/": "http://127.0.0.1:9/"}
    with fake(callback_routes=routes) as infobip:
        infobip.outcome("DELIVERED_TO_HANDSET", delay_seconds=0)
        for url in HOSTILE:
            send(infobip, url)
        infobip.clock.advance(1)
        attempts = infobip.callbacks()
        assert sorted(a["url"] for a in attempts) == sorted(map(redact, HOSTILE))  # user-info masked
        assert all(a["error"].startswith("host not allowed: ") for a in attempts), attempts
    assert no_connections == []


def test_callback_routes_send_production_urls_to_a_local_receiver_path_and_query_kept():
    receiver = Receiver()
    local = receiver.url.removesuffix("/dlr") + "/in"
    try:
        routes = {"https://myapp.example.com/hooks": local}
        with fake(callback_routes=routes) as infobip:
            infobip.outcome("DELIVERED_TO_HANDSET", delay_seconds=0)
            send(infobip, "https://myapp.example.com/hooks/dlr?tenant=7")
            mms = {
                "messages": [
                    {
                        "sender": "447491163443",
                        "destinations": [{"to": "41793026727"}],
                        "content": {"messageSegments": [{"type": "TEXT", "text": "Hi"}]},
                        "webhooks": {"delivery": {"url": "https://myapp.example.com/hooks/mms"}},
                    }
                ]
            }
            answer = requests.post(infobip.base_url + "/mms/2/messages", headers=infobip.headers, json=mms)
            assert answer.status_code == 200, answer.text
            infobip.number("447491163443", forward_url="https://myapp.example.com/hooks/mo")
            infobip.handset("41793026727", "447491163443", "YES")
            infobip.clock.advance(1)
            assert sorted(receiver.paths) == ["/in/dlr?tenant=7", "/in/mms", "/in/mo"]
            assert {a["status"] for a in infobip.callbacks()} == {200}
            assert {a["url"] for a in infobip.callbacks()} == {
                "https://myapp.example.com/hooks/dlr?tenant=7",
                "https://myapp.example.com/hooks/mms",
                "https://myapp.example.com/hooks/mo",
            }
    finally:
        receiver.close()


def test_callback_hosts_are_pushed_to_as_given_and_in_process_receivers_need_no_socket(no_connections):
    got: list[Any] = []
    with fake() as infobip:
        infobip.add_receiver(lambda body: got.append(body), "https://myapp.example.com")
        infobip.add_receiver(lambda body: 503, "https://down.example.com")
        infobip.outcome("DELIVERED_TO_HANDSET", delay_seconds=0)
        send(infobip, "https://myapp.example.com/dlr")
        send(infobip, "https://down.example.com/dlr")
        infobip.clock.advance(1)
        assert [r["status"]["name"] for body in got for r in body["results"]] == ["DELIVERED_TO_HANDSET"]
        statuses = {a["url"]: a["status"] for a in infobip.callbacks()}
        assert statuses == {"https://myapp.example.com/dlr": 200, "https://down.example.com/dlr": 503}
    assert no_connections == []


def test_callback_routes_from_every_source():
    expected = (("https://myapp.example.com/", "http://127.0.0.1:8000/"),)
    table = {"https://myapp.example.com/": "http://127.0.0.1:8000/"}
    assert from_sources(python={"callback_routes": table}).callback_routes == expected
    variable = {"MOCK_INFOBIP_CALLBACK_ROUTES": "https://myapp.example.com/=http://127.0.0.1:8000/"}
    assert from_sources(environ=variable).callback_routes == expected
    for bad in ({"myapp.example.com": "http://127.0.0.1/"}, {"https://a.example/": "ftp://x/"}, "nope", 3):
        with pytest.raises(SettingsError, match="callback_routes"):
            from_sources(python={"callback_routes": bad})

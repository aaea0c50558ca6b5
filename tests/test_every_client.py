"""Every common Python HTTP client against the fake, in process (``infobip``) and over loopback
(``infobip_server``): the same answers, the same retries, the same errors for the same faults.
In process, no socket is opened."""

from __future__ import annotations

import asyncio
import http.client
import json
import socket
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from typing import Any

import aiohttp
import httpx
import pytest
import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from mock_infobip.testing import Handle

BOTH_BACKENDS = True  # SQLite and PostgreSQL (tests/conftest.py)

LISTS = "/saas/amplitude/1/lists"
Call = Callable[[str, dict[str, str], dict[str, Any], float | None], tuple[int, Any]]


def base(handle: Handle) -> str:
    return handle.base_url  # https://api.infobip.com in process, http://127.0.0.1:port on a server


# --- one create-list call per client: (status, parsed body) ---------------------------------------


def with_requests(url: str, headers: dict[str, str], body: dict[str, Any], timeout: float | None) -> Any:
    session = requests.Session()
    retry = Retry(total=3, status_forcelist=[503], allowed_methods=None, backoff_factor=0)
    session.mount("http://", HTTPAdapter(max_retries=retry))
    session.mount("https://", HTTPAdapter(max_retries=retry))
    response = session.post(url, json=body, headers=headers, timeout=timeout)
    return response.status_code, response.json()


def with_httpx(url: str, headers: dict[str, str], body: dict[str, Any], timeout: float | None) -> Any:
    with httpx.Client(timeout=timeout) as client:
        response = client.post(url, json=body, headers=headers)
        return response.status_code, response.json()


def with_httpx_async(url: str, headers: dict[str, str], body: dict[str, Any], timeout: float | None) -> Any:
    async def call() -> Any:
        async with httpx.AsyncClient(timeout=timeout) as client:
            response = await client.post(url, json=body, headers=headers)
            return response.status_code, response.json()

    return asyncio.run(call())


def with_aiohttp(url: str, headers: dict[str, str], body: dict[str, Any], timeout: float | None) -> Any:
    async def call() -> Any:
        limits = aiohttp.ClientTimeout(total=timeout)
        async with (
            aiohttp.ClientSession(timeout=limits) as session,
            session.post(url, json=body, headers=headers) as response,
        ):
            return response.status, await response.json()

    return asyncio.run(call())


def with_urllib(url: str, headers: dict[str, str], body: dict[str, Any], timeout: float | None) -> Any:
    data = json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, headers={**headers, "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


CLIENTS: dict[str, Call] = {
    "requests": with_requests,
    "httpx": with_httpx,
    "httpx-async": with_httpx_async,
    "aiohttp": with_aiohttp,
    "urllib": with_urllib,
}

# What each client raises, by its own nature, for a dropped connection and a truncated body.
DROPPED = {
    "requests": requests.ConnectionError,
    "httpx": httpx.RemoteProtocolError,
    "httpx-async": httpx.RemoteProtocolError,
    "aiohttp": aiohttp.ServerDisconnectedError,
    "urllib": http.client.RemoteDisconnected,
}
TRUNCATED = {
    "requests": requests.exceptions.ChunkedEncodingError,
    "httpx": httpx.RemoteProtocolError,
    "httpx-async": httpx.RemoteProtocolError,
    "aiohttp": aiohttp.ClientPayloadError,
    "urllib": http.client.IncompleteRead,
}
TIMED_OUT = {
    "requests": requests.ConnectionError,  # its adapter retried the read timeouts: max retries exceeded
    "httpx": httpx.ReadTimeout,
    "httpx-async": httpx.ReadTimeout,
    "aiohttp": asyncio.TimeoutError,
    "urllib": TimeoutError,
}


@pytest.fixture(params=["infobip", "infobip_server"])
def fake_of(request: pytest.FixtureRequest) -> Handle:
    handle: Handle = request.getfixturevalue(request.param)
    return handle


@pytest.mark.infobip(rate_limit_create=0)
@pytest.mark.parametrize("client", CLIENTS)
def test_answers_and_errors_are_the_same(fake_of: Handle, client: str) -> None:
    call, url, headers = CLIENTS[client], base(fake_of) + LISTS, fake_of.headers
    status, body = call(url, headers, {"name": f"cohort via {client}"}, 10)
    assert status == 200 and isinstance(body["listId"], int)
    assert [entry["name"] for entry in fake_of.lists()] == [f"cohort via {client}"]

    status, body = call(url, {"Authorization": "App nope"}, {"name": "x"}, 10)
    assert status == 401 and body["requestError"]["serviceException"]["messageId"] == "UNAUTHORIZED"

    fake_of.fault(path=LISTS, drop=True, times=4)  # requests' adapter retries a dropped POST 3 times
    with pytest.raises(DROPPED[client]):
        call(url, headers, {"name": "dropped"}, 10)
    fake_of.clear_faults()

    fake_of.fault(path=LISTS, truncate=True, times=1)
    with pytest.raises(TRUNCATED[client]):
        call(url, headers, {"name": "truncated"}, 10)
    # the server carried both out before the connection broke, as over a network
    assert sorted(entry["name"] for entry in fake_of.lists())[-1] == "truncated"


@pytest.mark.infobip(rate_limit_create=0)
def test_requests_retries_a_503_through_its_adapter(fake_of: Handle) -> None:
    fake_of.fault(path=LISTS, status=503, times=2)
    status, body = with_requests(base(fake_of) + LISTS, fake_of.headers, {"name": "third time"}, 10)
    assert status == 200 and isinstance(body["listId"], int)
    assert [entry["status"] for entry in fake_of.requests(path=LISTS)] == [200, 503, 503]


@pytest.mark.infobip(rate_limit_create=0)
@pytest.mark.parametrize("client", CLIENTS)
def test_latency_past_the_clients_timeout_is_its_timeout(fake_of: Handle, client: str) -> None:
    fake_of.fault(path=LISTS, latency_ms=5000, times=4)
    with pytest.raises(TIMED_OUT[client]):
        CLIENTS[client](base(fake_of) + LISTS, fake_of.headers, {"name": "late"}, 0.2)
    # the client stopped waiting: each held request is dropped (journaled with status 0), not served
    attempts = 4 if client == "requests" else 1  # its adapter retried the read timeouts
    deadline = time.monotonic() + 30
    while len(fake_of.requests(path=LISTS)) < attempts and time.monotonic() < deadline:
        time.sleep(0.02)
    assert [entry["status"] for entry in fake_of.requests(path=LISTS)] == [0] * attempts
    fake_of.clear_faults()
    assert fake_of.lists() == []


@pytest.mark.infobip(rate_limit_create=0)
def test_in_process_opens_no_socket(infobip: Handle, monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError(f"a socket was used: {args!r}")

    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    for name, call in CLIENTS.items():
        status, _ = call(base(infobip) + LISTS, infobip.headers, {"name": name}, 10)
        assert status == 200
    assert len(infobip.lists()) == len(CLIENTS)


@pytest.mark.parametrize("client", CLIENTS)
def test_the_real_infobip_is_never_reached(infobip_server: Handle, client: str) -> None:
    """With the server fixture nothing is routed in process: a call to api.infobip.com is refused
    before any connection, with a message saying what to do, and the test would fail."""
    from mock_infobip.inprocess import ROUTER, RealInfobipBlocked

    with pytest.raises(RealInfobipBlocked, match="allow_real_infobip"):
        CLIENTS[client]("https://eu.api.infobip.com" + LISTS, infobip_server.headers, {"name": "x"}, 5)
    assert ROUTER.blocked  # what makes the fixture fail the test even if the error was swallowed
    ROUTER.blocked.clear()


SYNC_CLIENTS = ("requests", "httpx", "urllib")


class Recorder:
    """A WSGI app the router serves in process: notes the thread each call ran on, takes
    ``delay`` seconds, answers an empty JSON object."""

    def __init__(self, delay: float = 0.0) -> None:
        self.delay = delay
        self.threads: list[int] = []

    def __call__(self, environ: dict[str, Any], start_response: Any) -> list[bytes]:
        self.threads.append(threading.get_ident())
        time.sleep(self.delay)
        start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", "2")])
        return [b"{}"]


@pytest.mark.parametrize("client", SYNC_CLIENTS)
def test_a_call_with_a_timeout_is_served_on_the_callers_thread(client: str) -> None:
    """No thread a call (it cost more than the fake's answer): the answer is made on the thread
    that asked, unless a fault would hold it (the latency test above)."""
    from mock_infobip.inprocess import ROUTER

    app = Recorder()
    route = ROUTER.add("https://recorder.invalid", app)
    try:
        status, body = CLIENTS[client]("https://recorder.invalid" + LISTS, {}, {}, 10)
    finally:
        ROUTER.remove(route)
    assert (status, body) == (200, {})
    assert app.threads == [threading.get_ident()]


@pytest.mark.parametrize("client", SYNC_CLIENTS)
def test_an_answer_later_than_the_timeout_is_the_clients_timeout(client: str) -> None:
    """Slow without any fault: the client times out, as over a socket, and the app did the work."""
    from mock_infobip.inprocess import ROUTER

    app = Recorder(delay=0.3)
    route = ROUTER.add("https://recorder.invalid", app)
    try:
        with pytest.raises(TIMED_OUT[client]):
            CLIENTS[client]("https://recorder.invalid" + LISTS, {}, {}, 0.1)
    finally:
        ROUTER.remove(route)
    assert len(app.threads) == (4 if client == "requests" else 1)  # requests' adapter retried

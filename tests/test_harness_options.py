"""The in-process harness's options: the guard against the real Infobip, tenant base URLs, failing
on 404/405, living beside responses and respx, and a plugin that costs nothing until used."""

from __future__ import annotations

import asyncio
import contextlib
import json
import subprocess
import sys
import urllib.request

import aiohttp
import httpx
import pytest
import requests
import responses
import respx

from mock_infobip import fake
from mock_infobip.inprocess import ROUTER, RealInfobipBlocked
from mock_infobip.inprocess.aiohttp_support import connector
from mock_infobip.inprocess.httpx_support import async_transport, transport
from mock_infobip.inprocess.stdlib import InProcessHandler
from mock_infobip.testing import Handle
from tests.receivers import Receiver

pytest_plugins = ["pytester"]
LISTS = "/saas/amplitude/1/lists"


def test_guard_only_infobip_hosts_and_only_while_active() -> None:
    receiver = Receiver()
    try:
        with fake() as infobip:
            with pytest.raises(RealInfobipBlocked, match=r"my-tenant\.api\.infobip\.com"):
                requests.post(f"https://my-tenant.api.infobip.com{LISTS}", json={}, headers=infobip.headers)
            with pytest.raises(RealInfobipBlocked):
                httpx.get("http://api.infobip.com/sms/1/reports")
            assert requests.post(receiver.url, json={"results": []}).status_code == 200  # other hosts go out
            with pytest.raises(RealInfobipBlocked, match="2 attempts"):
                infobip.check()
            infobip.check()  # drained
        assert not ROUTER.active
        assert ROUTER.route("https", "api.infobip.com", 443) is None
    finally:
        receiver.close()


def test_allow_real_infobip_lets_them_through() -> None:
    with fake(allow_real_infobip=True) as infobip:
        # the call goes out (offline: fails to resolve) instead of being refused
        with contextlib.suppress(requests.RequestException):
            requests.post(f"https://nowhere.api.infobip.com{LISTS}", json={}, timeout=5)
        assert not ROUTER.blocked
        infobip.check()


def test_a_tenant_base_url_is_served() -> None:
    with fake("https://my-tenant.api.infobip.com", rate_limit_create=0) as infobip:
        answer = httpx.post(
            f"https://my-tenant.api.infobip.com{LISTS}", json={"name": "t"}, headers=infobip.headers
        )
        assert answer.status_code == 200
        assert infobip.base_url == "https://my-tenant.api.infobip.com"


@pytest.mark.infobip(rate_limit_create=0)
def test_beside_responses_with_a_passthru(infobip: Handle) -> None:
    with responses.RequestsMock() as mocked:
        mocked.add(responses.GET, "https://crm.example.test/contacts", json={"contacts": 2})
        mocked.add_passthru("https://api.infobip.com")
        assert requests.get("https://crm.example.test/contacts").json() == {"contacts": 2}
        answer = requests.post(f"https://api.infobip.com{LISTS}", json={"name": "r"}, headers=infobip.headers)
        assert answer.status_code == 200
    assert [entry["name"] for entry in infobip.lists()] == ["r"]


@pytest.mark.infobip(rate_limit_create=0)
def test_beside_respx_without_configuration(infobip: Handle) -> None:
    with respx.mock(assert_all_called=True) as mocked:
        mocked.get("https://crm.example.test/contacts").respond(json={"contacts": 2})
        assert httpx.get("https://crm.example.test/contacts").json() == {"contacts": 2}
        answer = httpx.post(f"https://api.infobip.com{LISTS}", json={"name": "x"}, headers=infobip.headers)
        assert answer.status_code == 200
    assert [entry["name"] for entry in infobip.lists()] == ["x"]


def test_fixture_options_in_a_project(pytester: pytest.Pytester) -> None:
    pytester.makeini("""
        [pytest]
        infobip_settings =
            rate_limit_create = 0
        infobip_base_urls =
            https://api.infobip.com
            https://my-tenant.api.infobip.com
    """)
    pytester.makepyfile("""
        import pytest, requests, httpx
        LISTS = "/saas/amplitude/1/lists"

        def test_both_base_urls_served(infobip):
            for base in ("https://api.infobip.com", "https://my-tenant.api.infobip.com"):
                answer = httpx.post(base + LISTS, json={"name": base}, headers=infobip.headers)
                assert answer.status_code == 200

        def fetch_reports(headers):  # code under test that swallows every error
            try:
                requests.get("https://eu.api.infobip.com/sms/1/reports", headers=headers)
            except Exception:
                pass
            try:
                requests.get("https://eu.api.infobip.com/sms/1/reports", headers=headers)
            except AssertionError:
                pass

        def test_a_swallowed_call_to_the_real_infobip_fails_the_test(infobip):
            fetch_reports(infobip.headers)

        def test_a_call_the_test_expects_to_be_blocked_passes(infobip):
            from mock_infobip import RealInfobipBlocked

            with pytest.raises(RealInfobipBlocked, match="allow_real_infobip"):
                requests.get("https://eu.api.infobip.com/sms/1/reports", headers=infobip.headers)
            with pytest.raises(RealInfobipBlocked):
                httpx.get("https://other.api.infobip.com/sms/1/reports", headers=infobip.headers)

        def test_caught_once_swallowed_once_fails(infobip):
            from mock_infobip import RealInfobipBlocked

            with pytest.raises(RealInfobipBlocked):
                requests.get("https://eu.api.infobip.com/sms/1/reports", headers=infobip.headers)
            fetch_reports(infobip.headers)

        def test_an_unhandled_call_fails_the_test(infobip):
            requests.get("https://eu.api.infobip.com/sms/1/reports", headers=infobip.headers)

        @pytest.mark.infobip(allow_real_infobip=True)
        def test_opted_out(infobip):
            try:
                requests.get("https://eu.api.infobip.com/sms/1/reports", timeout=5)
            except requests.RequestException:
                pass  # offline; the point is that it was not refused

        @pytest.mark.infobip(fail_on_unmatched=True)
        def test_a_wrong_path_fails_when_asked(infobip):
            requests.post("https://api.infobip.com/saas/amplitude/1/list", json={}, headers=infobip.headers)

        def test_a_wrong_path_passes_by_default(infobip):
            answer = requests.post("https://api.infobip.com/saas/amplitude/1/list", headers=infobip.headers)
            assert answer.status_code == 404
            assert [e["path"] for e in infobip.unmatched()] == ["/saas/amplitude/1/list"]
    """)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=7, failed=1, errors=3)
    result.stdout.fnmatch_lines(
        [
            "*ERROR at teardown of test_a_swallowed_call_to_the_real_infobip_fails_the_test*",
            "*tried to reach the real Infobip (eu.api.infobip.com:443)*(2 attempts)*",
            "*ERROR at teardown of test_caught_once_swallowed_once_fails*",
            "*tried to reach the real Infobip (eu.api.infobip.com:443)*(2 attempts)*",
            "*ERROR at teardown of test_a_wrong_path_fails_when_asked*",
            "*answered 1 request(s) with 404/405*",
            "*POST /saas/amplitude/1/list -> 404*",
        ]
    )
    result.stdout.fnmatch_lines(["*_ test_an_unhandled_call_fails_the_test _*", "E *RealInfobipBlocked: *"])
    result.stdout.no_fnmatch_line("*ERROR at teardown of test_an_unhandled_call_fails_the_test*")
    result.stdout.no_fnmatch_line("*test_a_call_the_test_expects_to_be_blocked_passes*")


def test_the_plugin_imports_nothing_heavy() -> None:
    code = (
        "import sys, mock_infobip.pytest_plugin; "
        "heavy = ('flask', 'werkzeug', 'jsonschema', 'mock_infobip.http.app', 'mock_infobip.testing'); "
        "print(sorted(m for m in heavy if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


@pytest.mark.infobip(rate_limit_create=0)
def test_the_explicit_forms_of_each_adapter(infobip: Handle) -> None:
    """The adapters as the README offers them for wiring in by hand (mounts, connector, opener)."""
    url = f"https://api.infobip.com{LISTS}"
    with httpx.Client(mounts={"https://api.infobip.com": transport()}) as client:
        assert client.post(url, json={"name": "mounted"}, headers=infobip.headers).status_code == 200

    async def with_async_clients() -> tuple[int, int]:
        async with httpx.AsyncClient(mounts={"https://api.infobip.com": async_transport()}) as client:
            first = await client.post(url, json={"name": "async mounted"}, headers=infobip.headers)
        async with (
            aiohttp.ClientSession(connector=connector()) as session,
            session.post(url, json={"name": "connector"}, headers=infobip.headers) as answer,
        ):
            return first.status_code, answer.status

    assert asyncio.run(with_async_clients()) == (200, 200)
    opener = urllib.request.build_opener(InProcessHandler())
    call = urllib.request.Request(
        url,
        data=json.dumps({"name": "opener"}).encode(),
        headers={**infobip.headers, "Content-Type": "application/json"},
    )
    with opener.open(call, timeout=5) as answer:
        assert answer.status == 200
    assert sorted(e["name"] for e in infobip.lists()) == ["async mounted", "connector", "mounted", "opener"]

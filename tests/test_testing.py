"""The in-process fake, the background server, the handle, faults and the pytest plugin."""

from __future__ import annotations

import pytest
import requests
from urllib3.connectionpool import HTTPSConnectionPool

from mock_infobip import fake, server
from mock_infobip.inprocess import ROUTER
from mock_infobip.testing import FakeError
from tests.receivers import Receiver

LISTS = "https://api.infobip.com/saas/amplitude/1/lists"
pytest_plugins = ["pytester"]


def test_routing_is_only_while_active_and_other_hosts_go_out_as_usual():
    original = HTTPSConnectionPool.ConnectionCls
    receiver = Receiver()
    try:
        with fake() as infobip:
            assert HTTPSConnectionPool.ConnectionCls is not original
            assert requests.post(LISTS, json={"name": "n"}, headers=infobip.headers).status_code == 200
            assert requests.post(receiver.url, json={"results": []}).status_code == 200  # a real socket
            assert receiver.bodies == [{"results": []}]
            assert ROUTER.find("https://api.infobip.com.evil.test/x") is None
        assert HTTPSConnectionPool.ConnectionCls is original
        assert ROUTER.find(LISTS) is None
    finally:
        receiver.close()


def test_nested_fakes_the_inner_one_wins_until_it_ends():
    with fake(rate_limit_create=0) as outer:
        with fake() as inner:
            requests.post(LISTS, json={"name": "inner"}, headers=inner.headers)
        requests.post(LISTS, json={"name": "outer"}, headers=outer.headers)
        assert [entry["name"] for entry in outer.lists()] == ["outer"]


def test_query_strings_paths_and_bodies_reach_the_app():
    with fake() as infobip:
        assert (
            requests.get("https://api.infobip.com/sms/1/logs?limit=2000", headers=infobip.headers).status_code
            == 400
        )
        assert requests.post(LISTS, data="{", headers=infobip.headers).status_code == 400
        assert requests.get("https://api.infobip.com/nowhere").status_code == 404


def test_the_handle_steers_and_inspects():
    with fake(start="2026-01-01T00:00:00Z") as infobip:
        assert infobip.clock.now().isoformat() == "2026-01-01T00:00:00+00:00"
        assert infobip.clock.advance(90).isoformat() == "2026-01-01T00:01:30+00:00"
        infobip.clock.sleep(30)
        assert infobip.clock.now().minute == 2
        other = infobip.add_account("shop", ["shop-key"], identifier="phone")
        assert other["apiKeys"] == ["shop-key"]
        list_id = requests.post(LISTS, json={"name": "x"}, headers={"Authorization": "App shop-key"}).json()[
            "listId"
        ]
        requests.post(
            f"{LISTS}/{list_id}/add",
            json={"userIds": ["+41793026727"]},
            headers={"Authorization": "App shop-key"},
        )
        assert infobip.members(list_id) == ["+41793026727"]
        assert [r["path"] for r in infobip.requests()] == [
            f"/saas/amplitude/1/lists/{list_id}/add",
            "/saas/amplitude/1/lists",
        ]
        infobip.revoke_key("shop-key")
        assert (
            requests.post(LISTS, json={"name": "y"}, headers={"Authorization": "App shop-key"}).status_code
            == 401
        )
        infobip.reset()
        assert infobip.lists() == [] and infobip.requests() == []


def test_outcome_and_fault_arguments_are_checked_like_the_admin_api():
    from mock_infobip.core.errors import InvalidRequest

    with fake() as infobip:
        with pytest.raises(InvalidRequest, match="unknown status"):
            infobip.outcome("DELIVERED")
        with pytest.raises(InvalidRequest, match="status"):
            infobip.fault(status=418)


def test_callbacks_to_a_registered_receiver_stay_in_process():
    from flask import Flask, request

    got: list[dict] = []
    app = Flask("r")
    app.add_url_rule(
        "/dlr", "dlr", lambda: (got.extend(request.get_json()["results"]), "")[1], methods=["POST"]
    )
    with fake() as infobip:
        url = infobip.add_receiver(app, "http://crm.internal")
        requests.post(
            "https://api.infobip.com/sms/2/text/advanced",
            headers=infobip.headers,
            json={"messages": [{"destinations": [{"to": "999"}], "notifyUrl": f"{url}/dlr"}]},
        )
        assert [r["status"]["name"] for r in got] == ["REJECTED_PREFIX_MISSING"]
        assert infobip.callbacks()[0]["status"] == 200


def test_probabilistic_faults_come_from_the_seeded_source():
    def pattern(seed: int) -> list[int]:
        with fake(seed=seed, rate_limit_create=0) as infobip:
            infobip.fault(path="/saas/*", status=500, probability=0.5)
            return [
                requests.post(LISTS, json={"name": "x"}, headers=infobip.headers).status_code
                for _ in range(40)
            ]

    first = pattern(3)
    assert first == pattern(3)
    assert set(first) == {200, 500}
    assert first != pattern(4)


def test_faults_filter_by_method_and_key_and_are_journaled():
    with fake(rate_limit_create=0) as infobip:
        infobip.add_account("b", ["b-key"])
        infobip.fault(path="/saas/*", api_key="b-key", status=429, latency_ms=1)
        infobip.fault(method="GET", path="/saas/*", status=500)
        assert requests.post(LISTS, json={"name": "x"}, headers=infobip.headers).status_code == 200
        refused = requests.post(LISTS, json={"name": "x"}, headers={"Authorization": "App b-key"})
        assert refused.json() == {
            "requestError": {
                "serviceException": {"messageId": "TOO_MANY_REQUESTS", "text": "Too many requests"}
            }
        }
        infobip.fault(path="/saas/*", drop=True)
        with pytest.raises(requests.ConnectionError):
            requests.post(LISTS, json={"name": "x"}, headers=infobip.headers)
        assert infobip.requests()[0]["status"] == 0  # the dropped request is in the journal
        faults = infobip.runtime.faults.all()
        assert [f.applied for f in faults] == [1, 0, 1]


def test_fault_admin_api():
    with fake() as infobip:
        admin = "https://api.infobip.com/__admin/faults"
        created = requests.post(admin, json={"path": "/sms/3/*", "status": 503, "times": 1}).json()
        assert requests.get(admin).json()["faults"] == [created]
        v3 = requests.post("https://api.infobip.com/sms/3/messages", json={}, headers=infobip.headers)
        assert (v3.status_code, v3.json()["errorCode"]) == (503, "E503")
        assert requests.delete(f"{admin}/{created['id']}").json() == {"deleted": 1}
        assert requests.post(admin, json={"path": "/x", "status": 503, "probability": 2}).status_code == 400


def test_server_mode_same_handle_and_a_clean_stop():
    with server() as infobip:
        assert infobip.base_url.startswith("http://127.0.0.1:")
        response = requests.post(
            infobip.base_url + "/saas/amplitude/1/lists", json={"name": "s"}, headers=infobip.headers
        )
        assert response.status_code == 200
        assert infobip.lists()[0]["name"] == "s"
        infobip.fault(path="/saas/*", truncate=True)
        infobip.clock.advance(5)
        try:
            requests.post(
                infobip.base_url + "/saas/amplitude/1/lists", json={"name": "t"}, headers=infobip.headers
            )
            raise AssertionError("a truncated answer must not read as whole")
        except requests.exceptions.ChunkedEncodingError:
            pass
        url = infobip.base_url
    try:
        requests.get(url + "/__admin/health", timeout=2)
        raise AssertionError("the server is still answering")
    except requests.ConnectionError:
        pass


def test_unexpected_errors_are_raised_by_check(monkeypatch):
    with fake() as infobip:
        monkeypatch.setattr(infobip.runtime.lists, "create_list", lambda *a: 1 / 0)
        assert requests.post(LISTS, json={"name": "x"}, headers=infobip.headers).status_code == 500
        with pytest.raises(FakeError, match="ZeroDivisionError"):
            infobip.check()
        infobip.check()  # reported once


def test_plugin_fixtures_settings_and_errors(pytester):
    pytester.makeini("""
        [pytest]
        infobip_settings =
            rate_limit_create = 0
    """)
    pytester.makepyfile("""
        import pytest, requests
        URL = "https://api.infobip.com/saas/amplitude/1/lists"

        def create(infobip):
            return requests.post(URL, json={"name": "x"}, headers=infobip.headers).status_code

        def test_ini_settings_apply(infobip):
            assert [create(infobip) for _ in range(3)] == [200, 200, 200]

        def test_reset_between_tests(infobip):
            assert infobip.lists() == []

        @pytest.mark.infobip(rate_limit_create=30)
        def test_marker_settings_apply(infobip):
            assert [create(infobip) for _ in range(2)] == [200, 429]

        def test_error_inside_the_fake_fails_this_test(infobip, monkeypatch):
            monkeypatch.setattr(infobip.runtime.lists, "create_list", lambda *a: 1 / 0)
            requests.post(URL, json={"name": "x"}, headers=infobip.headers)

        def test_server_fixture(infobip_server):
            r = requests.post(infobip_server.base_url + "/saas/amplitude/1/lists", json={"name": "x"},
                              headers=infobip_server.headers)
            assert r.status_code == 200

        def test_not_routed_without_the_fixture():
            from mock_infobip.inprocess import ROUTER
            assert ROUTER.find(URL) is None
    """)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=6, errors=1)
    result.stdout.fnmatch_lines(["*test_error_inside_the_fake_fails_this_test*", "*ZeroDivisionError*"])


SAME_START = "2026-11-22T10:00:00Z"


@pytest.mark.infobip(clock="manual", start=SAME_START)
def test_each_test_starts_at_its_start_one(infobip):
    assert infobip.clock.now().isoformat() == "2026-11-22T10:00:00+00:00"
    infobip.clock.advance(86400)


@pytest.mark.infobip(clock="manual", start=SAME_START)
def test_each_test_starts_at_its_start_two(infobip):
    assert infobip.clock.now().isoformat() == "2026-11-22T10:00:00+00:00"  # not a day later
    infobip.clock.advance(3600)


def test_clock_set_freeze_and_run():
    from mock_infobip import fake

    with fake(clock="manual", start=SAME_START) as infobip:
        assert infobip.clock.set("2026-11-22T12:00:00Z").isoformat() == "2026-11-22T12:00:00+00:00"
        with pytest.raises(ValueError, match="before the fake's now"):
            infobip.clock.set("2026-11-22T11:00:00Z")
        running = infobip.clock.run(speed=1000)
        infobip.runtime.clock.wall_sleep(50)  # 50 s of the fake's time: 50 ms of real time
        assert (infobip.clock.now() - running).total_seconds() >= 40
        frozen = infobip.clock.freeze()
        assert infobip.clock.now() == frozen
        assert infobip.runtime.clock.mode == "manual"


def test_assert_requested_and_unmatched(infobip):
    import requests as http

    http.post(infobip.base_url + "/saas/amplitude/1/lists", json={"name": "VIP"}, headers=infobip.headers)
    http.post(
        infobip.base_url + "/saas/amplitude/1/lists/1/add",
        json={"userIds": ["a@b.co"]},
        headers=infobip.headers,
    )
    http.get(infobip.base_url + "/sms/9/nothing", headers=infobip.headers)
    (create,) = infobip.assert_requested("POST", "/saas/amplitude/1/lists", times=1, json={"name": "VIP"})
    assert create["status"] == 200
    infobip.assert_requested("post", "/saas/amplitude/1/lists/{listId}/add", json={"userIds": ["a@b.co"]})
    with pytest.raises(
        AssertionError, match=r"expected POST /saas/amplitude/1/lists/\{listId\}/remove at least once"
    ):
        infobip.assert_requested("POST", "/saas/amplitude/1/lists/{listId}/remove")
    with pytest.raises(AssertionError, match="2 time"):
        infobip.assert_requested("POST", "/saas/amplitude/1/lists", times=2)
    assert [(e["method"], e["path"], e["status"]) for e in infobip.unmatched()] == [
        ("GET", "/sms/9/nothing", 404)
    ]


def test_faults_accept_path_templates(infobip):
    import requests as http

    infobip.fault(path="/saas/amplitude/1/lists/{listId}/add", status=503, times=1)
    answer = http.post(
        infobip.base_url + "/saas/amplitude/1/lists/7/add",
        json={"userIds": ["a@b.co"]},
        headers=infobip.headers,
    )
    assert answer.status_code == 503
    other = http.post(
        infobip.base_url + "/saas/amplitude/1/lists/7/remove",
        json={"userIds": ["a@b.co"]},
        headers=infobip.headers,
    )
    assert other.status_code != 503

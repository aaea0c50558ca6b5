"""The Amplitude-style cohort sync client against the in-process fake (spec/clients.md)."""

from __future__ import annotations

import json

import pytest

from mock_infobip.clients.cohort_sync import CohortSyncClient


@pytest.fixture
def state(tmp_path):
    return tmp_path / "state.json"


def client(infobip, state, **options) -> CohortSyncClient:
    options.setdefault("seed", 1)
    return CohortSyncClient(
        infobip.base_url, infobip.api_key, state_path=state, sleep=infobip.clock.sleep, **options
    )


def only_list(infobip) -> tuple[int, str]:
    (entry,) = infobip.lists()
    return int(entry["listId"]), str(entry["name"])


def emails(start: int, stop: int) -> list[str]:
    return [f"user{i}@example.com" for i in range(start, stop)]


def test_a_25000_member_cohort_with_invalid_members_syncs_without_429(infobip, state):
    members = emails(0, 25_000)
    invalid = [f"broken-{i}" for i in range(0, 25_000, 1000)]
    for position, bad in enumerate(invalid):
        members[position * 1000] = bad
    report = client(infobip, state).sync("8812", "Churn risk", members)
    assert report.status == "succeeded", report.error
    assert report.throttled == 0 and report.retries == 0
    assert report.requests == 1 + 25  # create, then 25 batches of 1,000
    assert report.rejected == dict.fromkeys(invalid, "VALIDATION_ERROR")
    assert report.added == 25_000 - len(invalid)
    assert report.waited_seconds == 24 * 10.0  # the add limit between batches, nothing more
    list_id, name = only_list(infobip)
    assert (report.list_id, name) == (list_id, "[Amplitude] Churn risk: 8812")
    assert sorted(infobip.members(list_id)) == sorted(m for m in members if m not in invalid)
    assert all(r["status"] != 429 for r in infobip.requests())


def test_a_later_run_sends_only_the_difference(infobip, state):
    sync = client(infobip, state)
    sync.sync("1", "VIP", ["a@x.io", "b@x.io", "c@x.io"])
    report = sync.sync("1", "VIP", ["b@x.io", "c@x.io", "d@x.io"])
    assert (report.added, report.removed, report.requests) == (1, 1, 2)
    assert infobip.members(report.list_id) == ["b@x.io", "c@x.io", "d@x.io"]
    adds = [json.loads(r["requestBody"]) for r in infobip.requests() if r["path"].endswith("/add")]
    assert adds[0]["userIds"] == ["d@x.io"]


def test_a_renamed_cohort_keeps_its_list(infobip, state):
    first = client(infobip, state).sync("1", "VIP", ["a@x.io"])
    second = client(infobip, state).sync("1", "Very important", ["a@x.io", "b@x.io"])
    assert second.list_id == first.list_id and len(infobip.lists()) == 1


def test_a_list_deleted_upstream_is_created_again_and_filled(infobip, state):
    sync = client(infobip, state)
    first = sync.sync("1", "VIP", ["a@x.io", "b@x.io"])
    infobip.delete_list(first.list_id)
    report = sync.sync("1", "VIP", ["a@x.io", "b@x.io", "c@x.io"])
    assert report.status == "succeeded"
    assert report.list_id != first.list_id
    assert infobip.members(report.list_id) == ["a@x.io", "b@x.io", "c@x.io"]  # a full sync
    assert report.added == 3


def test_a_deleted_list_can_fail_the_run_instead(infobip, state):
    sync = client(infobip, state, on_list_deleted="fail")
    first = sync.sync("1", "VIP", ["a@x.io"])
    infobip.delete_list(first.list_id)
    report = sync.sync("1", "VIP", ["a@x.io", "b@x.io"])
    assert report.status == "failed" and "TAG_NOT_FOUND" in report.error
    assert json.loads(state.read_text())["cohorts"]["1"]["members"] == ["a@x.io"]


def test_three_503s_and_a_dropped_connection_are_retried_until_it_converges(infobip, state):
    infobip.fault(path="/saas/amplitude/1/lists/*/add", status=503, times=3)
    report_first = client(infobip, state).sync("1", "VIP", [])  # create the list first
    assert report_first.status == "succeeded"
    infobip.fault(path="/saas/amplitude/1/lists/*/add", drop=True, times=1)
    report = client(infobip, state).sync("1", "VIP", emails(0, 10))
    assert report.status == "succeeded", report.error
    assert report.retries == 4 and report.requests == 5
    # each retry waits its backoff (1, 2, 4, 8 s plus jitter), topped up to the 10 s add limit
    assert report.waited_seconds == pytest.approx(4 * 10.0)
    assert infobip.members(report.list_id) == emails(0, 10)


def test_429_is_retried_with_backoff(infobip, state):
    sync = client(infobip, state, rate_limits={"add": 0})  # a client that does not pace itself
    report = sync.sync("1", "VIP", emails(0, 3000))
    assert report.status == "succeeded"
    assert report.throttled > 0 and report.retries == report.throttled
    assert infobip.members(report.list_id) == emails(0, 3000)


def test_retries_give_up_after_max_retries(infobip, state):
    infobip.fault(path="/saas/amplitude/1/lists", status=500)
    report = client(infobip, state, max_retries=3).sync("1", "VIP", ["a@x.io"])
    assert report.status == "failed" and "after 3 retries" in report.error
    assert report.requests == 4 and report.retries == 3
    assert not state.exists()


def test_a_wrong_key_fails_at_once_without_retries(infobip, state):
    sync = CohortSyncClient(infobip.base_url, "wrong", state_path=state, sleep=infobip.clock.sleep)
    report = sync.sync("1", "VIP", ["a@x.io"])
    assert report.status == "failed" and "authentication failed" in report.error
    assert (report.requests, report.retries) == (1, 0)


def test_bad_request_is_not_retried_and_shows_infobips_words(infobip, state):
    infobip.fault(path="/saas/amplitude/1/lists", status=400)
    report = client(infobip, state).sync("1", "VIP", ["a@x.io"])
    assert report.status == "failed" and "Bad request" in report.error
    assert report.requests == 1


def test_basic_auth(infobip, state):
    report = client(infobip, state, auth="basic").sync("1", "VIP", ["a@x.io"])
    assert report.status == "succeeded"


def test_a_crash_in_the_middle_loses_nothing(infobip, state):
    sync = client(infobip, state, batch_size=2)
    sync.sync("1", "VIP", ["a@x.io"])
    waits = []

    def crash(seconds: float) -> None:
        waits.append(seconds)
        if len(waits) == 2:
            raise KeyboardInterrupt  # the process dies during the second wait
        infobip.clock.sleep(seconds)

    crashing = CohortSyncClient(
        infobip.base_url, infobip.api_key, state_path=state, sleep=crash, batch_size=2
    )
    with pytest.raises(KeyboardInterrupt):
        crashing.sync("1", "VIP", emails(0, 6))
    assert json.loads(state.read_text())["cohorts"]["1"]["members"] == ["a@x.io"]  # unchanged
    infobip.clock.advance(60)
    report = client(infobip, state, batch_size=2).sync("1", "VIP", emails(0, 6))
    assert report.status == "succeeded"
    assert infobip.members(report.list_id) == emails(0, 6)
    assert report.removed == 1  # a@x.io left; the partial adds are simply sent again


def test_the_state_is_written_atomically(infobip, state, monkeypatch):
    import os

    sync = client(infobip, state)
    sync.sync("1", "VIP", ["a@x.io"])
    before = state.read_text()
    monkeypatch.setattr(os, "replace", lambda *a: (_ for _ in ()).throw(OSError("disk full")))
    with pytest.raises(OSError):
        sync.sync("1", "VIP", ["a@x.io", "b@x.io"])
    assert state.read_text() == before
    assert [p.name for p in state.parent.iterdir()] == ["state.json"]  # no temporary file left


def test_settable_rate_limits(infobip, state):
    report = client(infobip, state, batch_size=1, rate_limits={"add": 12}).sync("1", "VIP", emails(0, 3))
    assert report.waited_seconds == 2 * 12.0 and report.throttled == 0

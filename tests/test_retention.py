"""Issue #36, 8: a long-running fake keeps ``retention_days`` of its clock and prunes the rest in
small batches; nothing still owed (a pending status event or push) is pruned."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask

from mock_infobip.delivery import retention as retention_module
from mock_infobip.http.app import create_app
from mock_infobip.runtime import Runtime
from tests.conftest import make_settings
from tests.sms_helpers import rule, send_v2
from tests.support import ContractClient

BOTH_BACKENDS = True  # the tests given ``database`` (tests/conftest.py)
CH = "41793026727"
DAY = 86_400


def _fake(database: str, **settings: Any) -> tuple[Runtime, Any]:
    runtime = Runtime(make_settings(db=database, rate_limit_create=0, **settings))
    app: Flask = create_app(runtime)
    app.test_client_class = ContractClient
    return runtime, app.test_client()


@pytest.fixture
def kept_a_day(database: str) -> Iterator[tuple[Runtime, Any]]:
    runtime, client = _fake(database, retention_days=1)
    yield runtime, client
    runtime.close()


def _message_ids(client: Any) -> set[str]:
    return {m["messageId"] for m in client.get("/__admin/messages?limit=1000").json["messages"]}


def _sends_journaled(client: Any) -> list[Any]:
    return [e for e in client.get("/__admin/requests").json["requests"] if e["path"].startswith("/sms/")]


def test_what_is_older_than_the_retention_goes_and_what_is_owed_stays(kept_a_day):
    runtime, client = kept_a_day
    rule(client, status="DELIVERED_TO_HANDSET", delaySeconds=0)
    done = send_v2(client, CH, notifyUrl="http://127.0.0.1:9/nothing-listens")["messages"][0]["messageId"]
    later = send_v2(client, CH, sendAt="2026-11-25T10:00:00.000+0000")["messages"][0]["messageId"]
    runtime.advance(60)  # the first one delivered; its push failed once (retried in 1 min)
    assert client.get("/__admin/callbacks").json["callbacks"]
    runtime.advance(DAY / 2)
    assert _message_ids(client) == {done, later}  # younger than a day: kept
    assert len(_sends_journaled(client)) == 2
    runtime.advance(DAY)  # 1.5 days after the sends
    assert _message_ids(client) == {later}  # scheduled for later: owed, kept
    assert client.get("/__admin/callbacks").json["callbacks"] == []
    assert _sends_journaled(client) == []
    with runtime.store.read() as conn:
        for table in ("message_history", "status_events", "deliveries"):
            rows = conn.execute(f"SELECT count(*) FROM {table} WHERE message IN (SELECT id FROM messages)")
            left = conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            assert left == rows.fetchone()[0], table  # nothing left of the pruned message


def test_a_push_still_being_retried_keeps_its_message_whatever_its_age(database):
    runtime, client = _fake(database, retention_days=1, callback_max_retries=30)
    try:
        rule(client, status="DELIVERED_TO_HANDSET", delaySeconds=0)
        kept = send_v2(client, CH, notifyUrl="http://127.0.0.1:9/nothing-listens")["messages"][0]["messageId"]
        runtime.advance(2 * DAY)  # retries every 1 + n² minutes: still going after two days
        assert _message_ids(client) == {kept}
    finally:
        runtime.close()


def test_retention_0_keeps_everything(database):
    runtime, client = _fake(database, retention_days=0)
    try:
        rule(client, status="DELIVERED_TO_HANDSET", delaySeconds=0)
        sent = send_v2(client, CH)["messages"][0]["messageId"]
        runtime.advance(400 * DAY)
        assert _message_ids(client) == {sent}
    finally:
        runtime.close()


def test_pruning_goes_in_small_batches(kept_a_day, monkeypatch):
    runtime, client = kept_a_day
    monkeypatch.setattr(retention_module, "BATCH", 3)
    monkeypatch.setattr(retention_module, "MAX_BATCHES", 2)
    rule(client, status="DELIVERED_TO_HANDSET", delaySeconds=0)
    send_v2(client, *[f"4179302{i:04d}" for i in range(10)])
    runtime.clock.advance(2 * DAY)  # the clock alone: nothing pruned yet
    runtime.retention.prune()  # two batches of 3 messages, then the next table
    assert len(_message_ids(client)) == 4
    runtime.retention.prune()
    assert _message_ids(client) == set()

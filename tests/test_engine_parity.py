"""The engines answer the same: one scripted sequence of requests (lists, sends with outcomes, logs
and reports with their filters in upper and lower case, cursors, the outbox's filters, inbound, 2FA,
deletes) to a fake on SQLite and one on PostgreSQL, both on a manual clock with one seed; the whole
answers compared."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from flask.testing import FlaskClient

from mock_infobip.http.app import create_app
from mock_infobip.runtime import Runtime
from tests.conftest import KEY, make_settings

pytestmark = pytest.mark.postgres

AUTH = {"Authorization": f"App {KEY}"}
LISTS = "/saas/amplitude/1/lists"


def script(client: FlaskClient) -> Iterator[tuple[str, int, Any]]:
    """The requests, each answered as (request, status, body)."""

    def call(method: str, path: str, body: Any = None, headers: dict[str, str] | None = None) -> Any:
        answer = client.open(path, method=method, json=body, headers={**AUTH, **(headers or {})})
        found = (f"{method} {path}", answer.status_code, answer.get_json(silent=True))
        return found

    def advance(seconds: float) -> Any:
        return call("POST", "/__admin/clock/advance", {"seconds": seconds})

    made = call("POST", LISTS, {"name": "Churn risk"})
    yield made
    list_id = made[2]["listId"]
    people = ["Ann@Example.com", "ann@example.com", "bob@example.com", "not an email", "Ç@ü.example"]
    yield call("POST", f"{LISTS}/{list_id}/add", {"userIds": people})
    yield advance(11)
    yield call("POST", f"{LISTS}/{list_id}/remove", {"userIds": ["BOB@example.com", "nobody@example.com"]})
    yield call("GET", "/__admin/lists")
    yield call("GET", f"/__admin/lists/{list_id}")
    for rule in (
        {"match": {"prefix": "4179"}, "status": "DELIVERED_TO_HANDSET", "delaySeconds": 30},
        {"match": {"prefix": "4477"}, "status": "UNDELIVERABLE_NOT_DELIVERED", "delaySeconds": 60},
        {"match": {"prefix": "3367"}, "status": "REJECTED_DESTINATION", "delaySeconds": 0},
    ):
        yield call("POST", "/__admin/outcomes", rule)
    destinations = [{"to": n} for n in ("41793026727", "41793026728", "447700900123", "33671234567")]
    messages = [{"from": "Shop", "text": "Hi_50% off", "destinations": destinations}]
    yield call("POST", "/sms/2/text/advanced", {"messages": messages, "bulkId": "bulk_1"})
    yield call(
        "POST",
        "/sms/3/messages",
        {
            "messages": [
                {"sender": "Shop", "destinations": [{"to": "41793026729"}], "content": {"text": "Two"}}
            ]
        },
    )
    yield advance(90)
    for query in (
        "",
        "?generalStatus=DELIVERED",
        "?generalStatus=delivered",
        "?generalStatus=UNDELIVERABLE",
        "?bulkId=bulk_1",
        "?to=41793026727",
        "?limit=2",
    ):
        yield call("GET", "/sms/1/logs" + query)
    for query in ("?generalStatus=REJECTED", "?useCursor=true&limit=2", "?mcc=228"):
        yield call("GET", "/sms/3/logs" + query)
    first = call("GET", "/sms/3/logs?useCursor=true&limit=2")
    cursor = (first[2] or {}).get("cursor", {}).get("nextCursor")
    if cursor:
        yield call("GET", f"/sms/3/logs?useCursor=true&limit=2&cursor={cursor}")
    yield call("GET", "/sms/1/reports")
    yield call("GET", "/sms/3/reports?limit=10")
    for status in (
        "delivered_to_handset",
        "DELIVERED_TO_HANDSET",
        "delivered",
        "Undeliverable",
        "REJECTED",
        "50%",
        "_",
    ):
        yield call("GET", f"/__admin/messages?status={status}")
    yield call("GET", "/__admin/messages?to=447700900123")
    yield call("POST", "/__admin/numbers", {"number": "447860099299"})
    yield call("POST", "/__admin/inbound", {"from": "41793026727", "to": "447860099299", "text": "YES 100%"})
    yield call("GET", "/sms/1/inbox/reports")
    yield call("GET", "/__admin/inbound?to=447860099299")
    app = call("POST", "/2fa/2/applications", {"name": "Sign-up"})
    yield app
    app_id = app[2]["applicationId"]
    template = call(
        "POST",
        f"/2fa/2/applications/{app_id}/messages",
        {"messageText": "Code {{pin}}", "pinType": "NUMERIC"},
    )
    yield template
    pin = call(
        "POST",
        "/2fa/2/pin",
        {"applicationId": app_id, "messageId": template[2]["messageId"], "to": "41793026730"},
    )
    yield pin
    yield call("POST", f"/2fa/2/pin/{pin[2]['pinId']}/verify", {"pin": "000000"})
    yield call("GET", "/__admin/2fa/pins")
    yield call("DELETE", f"/__admin/lists/{list_id}")
    yield call("GET", "/__admin/lists")
    yield call("GET", "/__admin/requests?limit=5")


def answers(db: str) -> list[tuple[str, int, Any]]:
    runtime = Runtime(make_settings(db=db))
    try:
        return list(script(create_app(runtime).test_client()))
    finally:
        runtime.close()


def test_sqlite_and_postgresql_answer_the_same(postgres_url, tmp_path):
    from tests.postgres import empty_database

    on_sqlite = answers(str(tmp_path / "parity.db"))
    on_postgres = answers(empty_database(postgres_url))
    assert [status for _, status, _ in on_sqlite if status >= 500] == []
    assert len(on_sqlite) == len(on_postgres)
    for sqlite_answer, postgres_answer in zip(on_sqlite, on_postgres, strict=True):
        assert sqlite_answer == postgres_answer
    statuses = {request: status for request, status, _ in on_sqlite}
    assert statuses["GET /__admin/messages?status=delivered_to_handset"] == 200
    found = dict((request, body) for request, _, body in on_sqlite)
    assert len(found["GET /__admin/messages?status=delivered_to_handset"]["messages"]) == 3
    assert found["GET /__admin/messages?status=50%"]["messages"] == []
    assert found["GET /__admin/messages?status=_"]["messages"] == []
    assert statuses["GET /sms/1/logs?generalStatus=delivered"] == 400  # Infobip's enum: capitals
    assert found["GET /__admin/lists"] == {"lists": []}
    assert [answer[1] for answer in on_sqlite[:4]] == [200, 200, 200, 200]


def test_history_is_read_in_the_order_it_was_written_after_deletes_and_vacuum(postgres_url):
    """PostgreSQL reuses the slots of deleted rows: history is ordered by its id, not where it lies."""
    import psycopg

    from tests.postgres import empty_database

    url = empty_database(postgres_url)
    runtime = Runtime(make_settings(db=url))
    try:
        client = create_app(runtime).test_client()
        rule = {"match": {"prefix": "41"}, "status": "DELIVERED_TO_HANDSET", "delaySeconds": 60}
        assert client.post("/__admin/outcomes", json=rule).status_code == 201
        numbers = [f"4179302{i:04d}" for i in range(40)]
        body = {"messages": [{"from": "Shop", "text": "Hi", "destinations": [{"to": n} for n in numbers]}]}
        assert client.post("/sms/2/text/advanced", json=body, headers=AUTH).status_code == 200
        # the first half's history goes (its slots freed for the second half's next rows), and with it
        # what would have come next for them
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("DELETE FROM status_events WHERE message <= 20")
            conn.execute("DELETE FROM message_history WHERE message <= 20")
            conn.execute("VACUUM message_history")
        assert client.post("/__admin/clock/advance", json={"seconds": 60}).status_code == 200
        outbox = client.get("/__admin/messages?limit=40").get_json()["messages"]
        kept = [m for m in outbox if m["to"] in numbers[20:]]
        assert len(kept) == 20
        for message in kept:
            assert [h["status"] for h in message["history"]] == ["PENDING_ACCEPTED", "DELIVERED_TO_HANDSET"]
    finally:
        runtime.close()

"""A send is one transaction of a few statements, whatever its size (issue #35): all of a request's
messages, histories, events and reports are written, or none."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import requests

from mock_infobip import fake
from mock_infobip.channels.sms import service

NUMBERS = [{"to": f"4179{n:07d}"} for n in range(1000)]


class Counting:
    """A connection that counts the statements run through it."""

    def __init__(self, conn: Any, counts: list[str]) -> None:
        self._conn = conn
        self._counts = counts

    def execute(self, sql: str, params: Any = None) -> Any:
        self._counts.append(sql)
        return self._conn.execute(sql, {} if params is None else params)

    def executemany(self, sql: str, seq: Any) -> Any:
        self._counts.append(sql)
        return self._conn.executemany(sql, seq)


def counted(monkeypatch: pytest.MonkeyPatch, runtime: Any) -> tuple[list[str], list[int]]:
    """Statements run through the store while a send is made, and the write transactions it
    opened (outermost only)."""
    statements: list[str] = []
    transactions: list[int] = []
    store, messaging = runtime.store, runtime.messaging
    write, execute, send, depth, active = store.write, store.execute, messaging.send, [0], [False]

    def counting_send(*args: Any, **kwargs: Any) -> Any:
        active[0] = True
        try:
            return send(*args, **kwargs)
        finally:
            active[0] = False

    @contextmanager
    def counting_write(*locks: str) -> Iterator[Any]:
        if not active[0]:
            with write(*locks) as conn:
                yield conn
            return
        depth[0] += 1
        if depth[0] == 1:
            transactions.append(1)
        try:
            with write(*locks) as conn:
                yield Counting(conn, statements)
        finally:
            depth[0] -= 1

    def counting_execute(sql: str, params: Any = None) -> Any:
        if active[0]:
            statements.append(sql)
            if depth[0] == 0:
                transactions.append(1)
        return execute(sql, params)

    monkeypatch.setattr(messaging, "send", counting_send)
    monkeypatch.setattr(store, "write", counting_write)
    monkeypatch.setattr(store, "execute", counting_execute)
    return statements, transactions


def test_a_send_of_1000_destinations_is_one_transaction_of_a_few_statements(monkeypatch):
    with fake() as infobip:
        statements, transactions = counted(monkeypatch, infobip.runtime)
        response = requests.post(
            infobip.base_url + "/sms/2/text/advanced",
            headers=infobip.headers,
            json={
                "messages": [
                    {"destinations": [*NUMBERS, {"to": "123"}], "text": "x", "notifyUrl": "http://h/r"}
                ]
            },
            timeout=30,
        )
        assert response.status_code == 200 and len(response.json()["messages"]) == 1001
        sends = [s for s in statements if "INTO messages" in s]
        assert len(sends) == 1  # one executemany for every message
        assert len(statements) <= 50, statements
        # the numbers are reserved first (one statement of their own), then the send is one write
        assert len(transactions) == 2, (transactions, statements)
        outbox = requests.get(
            infobip.base_url + "/__admin/messages", params={"limit": "2000"}, timeout=30
        ).json()["messages"]
        assert len(outbox) == 1001
        rejected = [m for m in outbox if m["to"] == "123"]
        assert rejected and [h["status"] for h in rejected[0]["history"]] == [
            "PENDING_ACCEPTED",
            rejected[0]["status"],
        ]


def test_a_send_that_fails_midway_leaves_nothing(monkeypatch):
    with fake() as infobip:
        monkeypatch.setattr(service, "INSERT_EVENT", "INSERT INTO no_such_table (x) VALUES (:message)")
        response = requests.post(
            infobip.base_url + "/sms/2/text/advanced",
            headers=infobip.headers,
            json={"messages": [{"destinations": NUMBERS[:10], "text": "x"}]},
            timeout=30,
        )
        assert response.status_code == 500
        assert requests.get(infobip.base_url + "/__admin/messages", timeout=30).json()["messages"] == []
        with infobip.runtime.store.read() as conn:
            assert conn.execute("SELECT count(*) FROM message_history").fetchone()[0] == 0
            assert conn.execute("SELECT count(*) FROM status_events").fetchone()[0] == 0
        monkeypatch.undo()
        again = requests.post(
            infobip.base_url + "/sms/2/text/advanced",
            headers=infobip.headers,
            json={"messages": [{"destinations": NUMBERS[:10], "text": "x"}]},
            timeout=30,
        )
        assert again.status_code == 200
        assert len(requests.get(infobip.base_url + "/__admin/messages", timeout=30).json()["messages"]) == 10


def test_message_numbers_start_past_every_id_a_database_gave_before(tmp_path):
    """Schema version 5: a database whose messages got ids past the message counter (PostgreSQL's
    identity moves on in a transaction rolled back; the counter does not) sends without a clash."""
    import sqlite3

    from mock_infobip.storage.migrations import VERSION_KEY
    from mock_infobip.storage.sqlite import SqliteStore

    path = str(tmp_path / "old.db")
    SqliteStore(path).close()
    raw = sqlite3.connect(path)
    raw.execute(
        "INSERT INTO messages (id, account_id, message_id, bulk_id, version, destination, text, sms_count, "
        "price, intermediate, sent_at, validity_ms, no_reports, status, error) "
        "VALUES (40, 1, 'm', 'b', 2, '41793026727', 'x', 1, 0, 0, 0, 1000, 0, 'PENDING/PENDING_ACCEPTED', '')"
    )
    raw.execute(
        "INSERT INTO meta (key, value) VALUES ('message_seq', '3') "
        "ON CONFLICT (key) DO UPDATE SET value = '3'"
    )
    raw.execute("UPDATE meta SET value = '4' WHERE key = ?", (VERSION_KEY,))
    raw.commit()
    raw.close()
    with fake(db=path) as infobip:
        response = requests.post(
            infobip.base_url + "/sms/2/text/advanced",
            headers=infobip.headers,
            json={"messages": [{"destinations": NUMBERS[:3], "text": "x"}]},
            timeout=30,
        )
        assert response.status_code == 200
        with infobip.runtime.store.read() as conn:
            ids = [r[0] for r in conn.execute("SELECT id FROM messages ORDER BY id")]
        assert ids[0] == 40 and len(ids) == 4 and min(ids[1:]) > 40

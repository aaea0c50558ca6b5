"""The marketing platform's campaign events, in SQLite (spec/clients.md, the receiver).

One event per message and phase: the send phase (``enqueued`` / ``enqueue_failed``) and the report
phase (``delivered`` / ``failed`` / ``rejected``), so a report delivered twice gives one event.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

SCHEMA = """
CREATE TABLE IF NOT EXISTS events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    phase TEXT NOT NULL,
    message_id TEXT,
    recipient TEXT NOT NULL,
    status TEXT NOT NULL,
    error TEXT,
    comment TEXT,
    status_code INTEGER NOT NULL,
    parts INTEGER,
    sent_at TEXT,
    done_at TEXT
);
CREATE UNIQUE INDEX IF NOT EXISTS one_event_per_phase ON events(message_id, phase);
"""
SEND, REPORT = "send", "report"


@dataclass(frozen=True)
class Event:
    phase: str
    message_id: str | None
    to: str
    status: str  # enqueued | enqueue_failed | delivered | failed | rejected
    status_code: int
    number_of_message_parts: int | None = None
    sent_at: str | None = None
    done_at: str | None = None
    error: str | None = None
    comment: str | None = None

    def wire(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "message_id": self.message_id,
            "to": self.to,
            "action_type": "sms",
            "status": self.status,
            "status_code": self.status_code,
            "number_of_message_parts": self.number_of_message_parts,
            "sent_at": self.sent_at,
            "done_at": self.done_at,
        }
        if self.error is not None:
            body["error"] = self.error
        if self.comment is not None:
            body["comment"] = self.comment
        return body


class EventStore:
    def __init__(self, path: str) -> None:
        self._lock = threading.Lock()
        self._conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=30)
        if path != ":memory:":
            self._conn.execute("PRAGMA journal_mode = WAL")
        self._conn.executescript(SCHEMA)

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    def add(self, events: list[Event]) -> int:
        """Store ``events`` in one transaction; an event already stored for its message and phase
        is left as it was. Returns how many were new."""
        with self._write() as conn:
            before = conn.total_changes
            conn.executemany(
                "INSERT OR IGNORE INTO events (phase, message_id, recipient, status, error, comment, "
                "status_code, parts, sent_at, done_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (
                        e.phase,
                        e.message_id,
                        e.to,
                        e.status,
                        e.error,
                        e.comment,
                        e.status_code,
                        e.number_of_message_parts,
                        e.sent_at,
                        e.done_at,
                    )
                    for e in events
                ],
            )
            return conn.total_changes - before

    def events(self) -> list[Event]:
        """Oldest first."""
        with self._lock:
            rows = self._conn.execute(
                "SELECT phase, message_id, recipient, status, status_code, parts, sent_at, done_at, error, "
                "comment FROM events ORDER BY id"
            ).fetchall()
        return [Event(*row) for row in rows]

    def json_lines(self) -> str:
        return "".join(json.dumps(e.wire()) + "\n" for e in self.events())

    def close(self) -> None:
        with self._lock:
            self._conn.close()

"""The marketing platform's campaign events, in SQLite (docs/clients.md, the receiver).

One event per message and phase: the send phase (``enqueued`` / ``enqueue_failed``), the report
phase (``delivered`` / ``failed`` / ``rejected``) and the inbound phase (a handset's message:
``inbound``, ``subscribed``, ``unsubscribed`` or ``nps_response`` with its score), so a report or an
inbound message delivered twice gives one event.

Two-way state lives beside the events: numbers asked to confirm a subscription (double opt-in, with
the keyword and the moment the confirmation window closes) and numbers asked for an NPS score.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

WIRE_FORMAT = "%Y-%m-%dT%H:%M:%S.%f%z"


def wire_moment(text: str) -> datetime:
    """Infobip's ``2026-11-22T10:15:00.000+0000``."""
    return datetime.strptime(text, WIRE_FORMAT)


def wire_text(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}" + moment.strftime("%z")


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
CREATE TABLE IF NOT EXISTS subscriptions (
    number TEXT PRIMARY KEY,
    state TEXT NOT NULL,
    keyword TEXT NOT NULL,
    closes_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS nps_requests (
    number TEXT PRIMARY KEY,
    campaign TEXT NOT NULL,
    open INTEGER NOT NULL
);
"""
SEND, REPORT, INBOUND = "send", "report", "inbound"
PENDING, SUBSCRIBED, UNSUBSCRIBED = "pending", "subscribed", "unsubscribed"


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
    score: int | None = None  # an NPS answer

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
        if self.score is not None:
            body["score"] = self.score
        return body


class UnusableEventStore(ValueError):
    """The events file cannot be opened or set up."""


class EventStore:
    def __init__(self, path: str) -> None:
        self._lock = threading.Lock()
        try:
            self._conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=30)
            if path != ":memory:":
                self._conn.execute("PRAGMA journal_mode = WAL")
            self._conn.executescript(SCHEMA)
        except sqlite3.Error as exc:
            raise UnusableEventStore(f"events database {path!r} cannot be used: {exc}") from None
        columns = {row[1] for row in self._conn.execute("PRAGMA table_info(events)")}
        if "score" not in columns:  # files from before the two-way events
            self._conn.execute("ALTER TABLE events ADD COLUMN score INTEGER")

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
            return self._insert(conn, events)

    @staticmethod
    def _insert(conn: sqlite3.Connection, events: list[Event]) -> int:
        before = conn.total_changes
        conn.executemany(
            "INSERT OR IGNORE INTO events (phase, message_id, recipient, status, error, comment, "
            "status_code, parts, sent_at, done_at, score) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
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
                    e.score,
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
                "comment, score FROM events ORDER BY id"
            ).fetchall()
        return [Event(*row) for row in rows]

    # --- two-way state --------------------------------------------------------------------------

    def ask_to_confirm(self, numbers: list[str], keyword: str, closes_at: str) -> None:
        """Numbers sent a confirmation request: subscribed if they answer ``keyword`` by ``closes_at``
        (Infobip's wire time). A number already subscribed or unsubscribed keeps its state."""
        with self._write() as conn:
            conn.executemany(
                "INSERT INTO subscriptions (number, state, keyword, closes_at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (number) DO UPDATE SET keyword = excluded.keyword, "
                "closes_at = excluded.closes_at WHERE state = 'pending'",
                [(n, PENDING, keyword.upper(), closes_at) for n in numbers],
            )

    def ask_for_score(self, numbers: list[str], campaign: str) -> None:
        with self._write() as conn:
            conn.executemany(
                "INSERT INTO nps_requests (number, campaign, open) VALUES (?, ?, 1) ON CONFLICT (number) "
                "DO UPDATE SET campaign = excluded.campaign, open = 1",
                [(n, campaign) for n in numbers],
            )

    def subscriptions(self) -> dict[str, str]:
        """Number -> pending | subscribed | unsubscribed."""
        with self._lock:
            rows = self._conn.execute("SELECT number, state FROM subscriptions ORDER BY number").fetchall()
        return dict(rows)

    def take_inbound(self, message_id: str, sender: str, words: str, received_at: datetime) -> Event | None:
        """Turn one inbound message into its event, once (a second delivery of the same message
        changes nothing): STOP unsubscribes; the confirmation keyword within its window subscribes;
        0–10 answers an open NPS request; anything else is a plain ``inbound`` event."""
        text = words.strip()
        first = text.split(" ", 1)[0].upper() if text else ""
        with self._write() as conn:
            if conn.execute(
                "SELECT 1 FROM events WHERE message_id = ? AND phase = ?", (message_id, INBOUND)
            ).fetchone():
                return None
            status, score = "inbound", None
            row = conn.execute(
                "SELECT state, keyword, closes_at FROM subscriptions WHERE number = ?", (sender,)
            )
            subscription = row.fetchone()
            nps = conn.execute("SELECT open FROM nps_requests WHERE number = ?", (sender,)).fetchone()
            if first == "STOP":
                status = UNSUBSCRIBED
                conn.execute(
                    "INSERT INTO subscriptions (number, state, keyword, closes_at) VALUES (?, ?, '', '') "
                    "ON CONFLICT (number) DO UPDATE SET state = excluded.state",
                    (sender, UNSUBSCRIBED),
                )
            elif (
                subscription is not None
                and subscription[0] == PENDING
                and first == subscription[1]
                and received_at <= wire_moment(subscription[2])
            ):
                status = SUBSCRIBED
                conn.execute("UPDATE subscriptions SET state = ? WHERE number = ?", (SUBSCRIBED, sender))
            elif nps is not None and nps[0] and text.isdigit() and 0 <= int(text) <= 10:
                status, score = "nps_response", int(text)
                conn.execute("UPDATE nps_requests SET open = 0 WHERE number = ?", (sender,))
            event = Event(
                INBOUND,
                message_id,
                sender,
                status,
                0,
                done_at=wire_text(received_at),
                comment=text[:500],
                score=score,
            )
            self._insert(conn, [event])
        return event

    def json_lines(self) -> str:
        return "".join(json.dumps(e.wire()) + "\n" for e in self.events())

    def close(self) -> None:
        with self._lock:
            self._conn.close()

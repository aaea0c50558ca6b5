"""The live dashboard: every page says what it shows (``kinds``), listens to ``GET
/dashboard/events`` (Server-Sent Events) and, told that one of its kinds changed, fetches itself
once and swaps its live parts in place (``base.html``'s script; a reply being typed stays).

What changed is read from the database, so a change made by any worker or host is seen: one row of
marks (the last id of each table a page shows, and the clock), read at most every
:data:`FRESH` seconds by a process however many pages listen. A stream looks every
:data:`EVERY` seconds, holding no thread between two looks (the server's ``Stream``): a change
is on the page within one second. Outside the server (in process) the events answer once and
ask the browser to come back (``retry``).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from mock_infobip.storage.interface import Store

EVERY = 0.4  # seconds between two looks of a stream
FRESH = 0.2  # seconds a process's marks are reused by its streams
HEARTBEAT = 15.0  # seconds of silence after which a stream sends a comment (proxies keep it open)
RETRY_MS = 1000  # how soon a browser comes back after a stream ends

# What a page may show, each marked by the last id of its table (or the clock's anchor): a new
# message, a status it moved to, an inbound message, a callback attempt, a request of the API
# (lists, refusals), the clock set or advanced
KINDS = ("messages", "statuses", "inbound", "callbacks", "requests", "clock")
MARKS = (
    "SELECT (SELECT max(id) FROM messages), (SELECT max(id) FROM message_history), "
    "(SELECT max(id) FROM inbound), (SELECT max(id) FROM callback_attempts), "
    "(SELECT max(id) FROM journal), (SELECT max(anchor_virtual) FROM clock)"
)

Marks = tuple[int, ...]


def parse(text: str) -> Marks | None:
    """Marks as a page or a browser gives them back (``1.2.3.4.5.6``); None if they are not."""
    parts = text.split(".")
    if len(parts) != len(KINDS) or not all(p.isascii() and p.isdigit() and len(p) < 20 for p in parts):
        return None
    return tuple(int(p) for p in parts)


def text(marks: Marks) -> str:
    return ".".join(map(str, marks))


def changed(before: Marks | None, now: Marks) -> list[str]:
    """The kinds whose mark moved (every kind, when ``before`` is unknown)."""
    if before is None:
        return list(KINDS)
    return [kind for kind, old, new in zip(KINDS, before, now, strict=True) if old != new]


class LiveMarks:
    """The marks of one process: read from the store at most every ``fresh`` seconds."""

    def __init__(self, store: Store, fresh: float = FRESH, monotonic: Callable[[], float] = time.monotonic):
        self._store = store
        self._fresh = fresh
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._read: tuple[float, Marks] | None = None

    def now(self) -> Marks:
        with self._lock:
            at = self._monotonic()
            if self._read is not None and at - self._read[0] < self._fresh:
                return self._read[1]
            with self._store.read() as conn:
                row = conn.execute(MARKS).fetchone()
            marks = tuple(int(value or 0) for value in row)
            self._read = (at, marks)
            return marks


def event(marks: Marks, kinds: list[str]) -> bytes:
    """One Server-Sent Event: its id the marks (a browser that reconnects sends them back as
    ``Last-Event-ID``), its data the kinds that changed."""
    return f"id: {text(marks)}\nevent: change\ndata: {' '.join(kinds)}\n\n".encode()


@dataclass
class Listener:
    """One stream: what it last told its page, and when it last said anything."""

    marks: LiveMarks
    told: Marks | None
    monotonic: Callable[[], float] = time.monotonic
    said_at: float = 0.0

    def first(self) -> bytes:
        """The stream's beginning: the browser's reconnection delay, and an event at once if the
        page is older than what is stored."""
        self.said_at = self.monotonic()
        return f"retry: {RETRY_MS}\n\n".encode() + self.look()

    def look(self) -> bytes:
        now = self.marks.now()
        if self.told is None:  # a page that gave no marks is told them, and nothing changed
            self.told = now
            return event(now, [])
        kinds = changed(self.told, now)
        if not kinds:
            if self.monotonic() - self.said_at >= HEARTBEAT:
                self.said_at = self.monotonic()
                return b": still here\n\n"
            return b""
        self.told = now
        self.said_at = self.monotonic()
        return event(now, kinds)

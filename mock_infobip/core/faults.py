"""Fault rules: for requests matching a method, a path glob and optionally an API key, force a
status (in the endpoint's own envelope), add latency, drop the connection or truncate the answer;
for the next N matches, or with a probability drawn from the seeded source."""

from __future__ import annotations

import fnmatch
import re
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from mock_infobip.core.errors import InvalidRequest, NotFound
from mock_infobip.core.randomness import Randomness
from mock_infobip.storage.interface import Store
from mock_infobip.wire.credentials import presented_key

# meta: how many times fault rules were deleted; a request held by a latency in one worker ends
# when another worker's delete moves it (the deleting worker's own are released at once)
DELETIONS = "faults.deletions"


def path_pattern(path: str) -> str:
    """A path of a fault rule or an assertion as a glob: ``{listId}``-style templates match one
    segment (``/saas/amplitude/1/lists/{listId}/add``), ``*`` and ``?`` as in globs."""
    return re.sub(r"\{\w+\}", "[!/]*", path)


@dataclass(frozen=True)
class Fault:
    id: int
    method: str  # "*" for any
    path: str  # glob over the request path
    api_key: str | None
    status: int | None
    latency_ms: int
    drop: bool
    truncate: bool
    times_left: int | None  # None: every match
    probability: float
    applied: int = 0

    def matches(self, method: str, path: str, api_key: str | None) -> bool:
        return (
            self.method in ("*", method.upper())
            and fnmatch.fnmatchcase(path, path_pattern(self.path))
            and (self.api_key is None or self.api_key == api_key)
        )

    def describe(self) -> dict[str, Any]:
        described: dict[str, Any] = {"id": self.id, "method": self.method, "path": self.path}
        if self.api_key is not None:
            described["apiKey"] = self.api_key
        if self.status is not None:
            described["status"] = self.status
        described.update(
            {
                "latencyMs": self.latency_ms,
                "drop": self.drop,
                "truncate": self.truncate,
                "probability": self.probability,
                "applied": self.applied,
            }
        )
        if self.times_left is not None:
            described["timesLeft"] = self.times_left
        return described


@dataclass(frozen=True)
class ReleaseMark:
    event: threading.Event  # this process's release when the wait began (set by a delete)
    deletions: str | None  # the deletions counter then


class FaultRules:
    def __init__(self, store: Store, random: Randomness, max_latency_ms: int = 60_000) -> None:
        self._store = store
        self._random = random
        self._max_latency_ms = max_latency_ms
        self._release = threading.Event()  # set (and replaced) when rules are deleted

    def holding(self) -> tuple[threading.Event, Callable[[], bool]]:
        """What a request held by a fault's latency waits on: this process's release (deleting
        rules sets it), and whether rules were deleted since in any process on the file (the
        other workers of ``serve``)."""
        mark = self.mark()
        return mark.event, lambda: self.deletions() != mark.deletions

    def mark(self) -> ReleaseMark:
        """Where the releases stand when a request begins to wait out a latency (see :meth:`released`)."""
        return ReleaseMark(self._release, self.deletions())

    @staticmethod
    def released(mark: ReleaseMark, deletions: str | None) -> bool:
        """Whether rules were deleted since ``mark``: in this process, or in any process on the
        file (``deletions``: :meth:`deletions` read now, once for every waiting request)."""
        return mark.event.is_set() or deletions != mark.deletions

    def deletions(self) -> str | None:
        """How many times rules were deleted, in any process on the file."""
        return self._store.get_meta(DELETIONS)

    def add(self, body: Mapping[str, Any]) -> Fault:
        if int(body.get("latencyMs", 0)) > self._max_latency_ms:
            raise InvalidRequest(
                {"latencyMs": [f"must be at most {self._max_latency_ms} (setting fault_max_latency_ms)"]}
            )
        method = str(body.get("method", "*")).upper()
        values = {
            "method": method,
            "path": body.get("path", "*"),
            "api_key": body.get("apiKey"),
            "status": body.get("status"),
            "latency_ms": int(body.get("latencyMs", 0)),
            "drop_connection": int(bool(body.get("drop"))),
            "truncate": int(bool(body.get("truncate"))),
            "times_left": body.get("times"),
            "probability": float(body.get("probability", 1.0)),
        }
        with self._store.write() as conn:
            row = conn.execute(
                "INSERT INTO faults (method, path, api_key, status, latency_ms, drop_connection, truncate, "
                "times_left, probability) VALUES (:method, :path, :api_key, :status, :latency_ms, "
                ":drop_connection, :truncate, :times_left, :probability) RETURNING *",
                values,
            ).fetchone()
        return _fault(row)

    def all(self) -> list[Fault]:
        with self._store.read() as conn:
            rows = conn.execute("SELECT * FROM faults ORDER BY id DESC").fetchall()
        return [_fault(r) for r in rows]

    def delete(self, fault_id: int | None = None) -> int:
        with self._store.write():
            deleted = self._store.delete_rows("faults", fault_id)
            self._store.set_meta(DELETIONS, str(int(self.deletions() or 0) + 1))
        released, self._release = self._release, threading.Event()
        released.set()  # requests waiting out a latency answer now
        if fault_id is not None and deleted == 0:
            raise NotFound("fault", fault_id)
        return deleted

    def any_set(self) -> bool:
        """Whether any fault is set (kept per process until one is set or cleared anywhere)."""
        return self._store.cached("faults.any", self._any)

    def _any(self) -> bool:
        with self._store.read() as conn:
            return conn.execute("SELECT 1 FROM faults LIMIT 1").fetchone() is not None

    def take(self, method: str, path: str, authorization: str | None) -> Fault | None:
        """The most recent fault that matches and fires for this request (using one of its times);
        ``authorization`` is the request's header, read for its key only when a fault is set."""
        if not self.any_set():
            return None
        api_key = presented_key(authorization)
        with self._store.write() as conn:
            for row in conn.execute("SELECT * FROM faults ORDER BY id DESC").fetchall():
                fault = _fault(row)
                if not fault.matches(method, path, api_key) or fault.times_left == 0:
                    continue
                draw = self._random.stream(f"fault:{fault.id}:{row['seen']}").random()
                conn.execute("UPDATE faults SET seen = seen + 1 WHERE id = :id", {"id": fault.id})
                if draw >= fault.probability:
                    continue
                conn.execute(
                    "UPDATE faults SET applied = applied + 1, times_left = times_left - 1 WHERE id = :id",
                    {"id": fault.id},
                )
                return fault
        return None


def _fault(row: Any) -> Fault:
    return Fault(
        row["id"],
        row["method"],
        row["path"],
        row["api_key"],
        row["status"],
        row["latency_ms"],
        bool(row["drop_connection"]),
        bool(row["truncate"]),
        row["times_left"],
        row["probability"],
        row["applied"],
    )

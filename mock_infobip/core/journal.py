"""The request journal: what clients sent to the Infobip endpoints and what they got back."""

from __future__ import annotations

import threading
from dataclasses import dataclass

from mock_infobip.core.clock import Clock, wire_time
from mock_infobip.storage.interface import Store
from mock_infobip.system.redact import mask_key, redact

PRUNE_EVERY = 64
# Only the ``journal_body_chars`` kept are redacted, and this many more, so that a secret straddling
# the cut is still recognised (redacting a whole 16 MiB body cost tens of ms a request)
REDACT_MARGIN = 512
COLUMNS = (
    "at", "method", "path", "query", "status", "api_key", "account_id", "operation", "request_body",
    "response_body",
)  # fmt: skip


@dataclass(frozen=True)
class Entry:
    method: str
    path: str
    query: str
    status: int
    api_key: str | None
    account_id: int | None
    operation: str | None
    request_body: str
    response_body: str


class Journal:
    def __init__(self, store: Store, clock: Clock, capacity: int, body_chars: int) -> None:
        self._store = store
        self._clock = clock
        self.capacity = capacity
        self._body_chars = body_chars
        self._pending: list[dict[str, object]] = []
        self._pending_lock = threading.Lock()
        self._unpruned = 0  # entries this process wrote since it last pruned
        self._pruned_to = 0  # the last id its prunes removed

    def record(self, entry: Entry, *, later: bool = False) -> None:
        """Write ``entry`` now, or with ``later`` keep it for :meth:`flush` (the server writes the
        entries of the requests its loop served in one turn together, before it sends their
        answers: one commit for many, and no answer leaves before its entry is written)."""
        if self.capacity <= 0:
            return
        row = self._row(entry)
        if later:
            with self._pending_lock:
                self._pending.append(row)
            return
        self._store.insert_rows("journal", COLUMNS, [row])
        self._prune(1)

    def flush(self) -> None:
        """Write the entries kept by ``record(..., later=True)``, nothing read back (the store's
        cheapest insert of many rows: on PostgreSQL one statement, one round trip)."""
        with self._pending_lock:
            rows, self._pending = self._pending, []
        if rows:
            self._store.insert_rows("journal", COLUMNS, rows)
            self._prune(len(rows))

    def _row(self, entry: Entry) -> dict[str, object]:
        cut = self._body_chars
        return {
            "at": self._clock.now_ms(),
            "method": entry.method,
            "path": _shown(redact(entry.path)),
            "query": _shown(redact(entry.query)),
            "status": entry.status,
            "api_key": entry.api_key,
            "account_id": entry.account_id,
            "operation": entry.operation,
            "request_body": _shown(redact(entry.request_body[: cut + REDACT_MARGIN])[:cut]),
            "response_body": _shown(redact(entry.response_body[: cut + REDACT_MARGIN])[:cut]),  # tokens too
        }

    def _prune(self, written: int) -> None:
        """Every ``PRUNE_EVERY`` entries this process wrote, the entries beyond ``capacity`` go:
        those past the ones its last prune removed (on PostgreSQL the rows a delete removes stay in
        the index until a vacuum, and a delete of every id below a bound walked all of them: a
        millisecond, the most of the server's time under a load of creates)."""
        with self._pending_lock:
            self._unpruned += written
            if self._unpruned < PRUNE_EVERY:
                return
            self._unpruned = 0
            after = self._pruned_to
        with self._store.read() as conn:
            newest = int(conn.execute("SELECT coalesce(max(id), 0) FROM journal").fetchone()[0])
        upto = newest - self.capacity
        if upto < after:  # the ids started again (a reset wipes the journal)
            after = 0
        if upto > after:
            self._store.execute(
                "DELETE FROM journal WHERE id > :after AND id <= :upto", {"after": after, "upto": upto}
            )
            self._pruned_to = upto

    def entries(
        self, *, path: str | None = None, api_key: str | None = None, limit: int | None = None
    ) -> list[dict[str, object]]:
        """Newest first, at most ``capacity`` (and ``limit``)."""
        clauses = ["id > :oldest"]
        if path is not None:
            clauses.append("path = :path")
        if api_key is not None:
            clauses.append("api_key = :api_key")
        cap = self.capacity if limit is None else min(limit, self.capacity)
        with self._store.read() as conn:
            newest = conn.execute("SELECT coalesce(max(id), 0) FROM journal").fetchone()[0]
            rows = conn.execute(
                f"SELECT * FROM journal WHERE {' AND '.join(clauses)} ORDER BY id DESC LIMIT :limit",
                {"oldest": newest - self.capacity, "path": path, "api_key": api_key, "limit": cap},
            ).fetchall()
        return [
            {
                "id": r["id"],
                "at": wire_time(r["at"]),
                "method": r["method"],
                "path": r["path"],
                "query": r["query"],
                "status": r["status"],
                "apiKey": mask_key(r["api_key"]) if r["api_key"] else r["api_key"],  # filtered by in full
                "accountId": r["account_id"],
                "operation": r["operation"],
                "requestBody": r["request_body"],
                "responseBody": r["response_body"],
            }
            for r in rows
        ]


def _shown(text: str) -> str:
    """A body as the journal keeps it: a NUL character written as ``\\u0000`` (no database text
    holds NUL on PostgreSQL; the journal is for reading)."""
    return text.replace("\x00", "\\u0000") if "\x00" in text else text

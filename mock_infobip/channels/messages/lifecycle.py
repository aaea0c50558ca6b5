"""One step of a message's life: its status changes, and its report is queued to push or to pull.

Used by sending (rejections are final at once) and by the scheduler (every later status).
:func:`status_change` says what the step writes (pure); :func:`apply_status` writes it.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from mock_infobip.channels.messages.catalog import Catalog
from mock_infobip.channels.messages.shapes import report
from mock_infobip.storage.interface import Connection, Record

PULL_NONE, PULL_READY, PULL_DONE = 0, 1, 2
UPDATE_MESSAGE = (
    "UPDATE messages SET status = :status, error = :error, done_at = :done_at, "
    "reported_at = :reported_at, pull = :pull WHERE id = :id"
)
INSERT_HISTORY = (
    "INSERT INTO message_history (message, at, status, error) VALUES (:message, :at, :status, :error)"
)
INSERT_DELIVERY = (
    "INSERT INTO deliveries (message, url, body, due_at, final, xml) "
    "VALUES (:message, :url, :body, :due_at, :final, :xml)"
)


@dataclass(frozen=True)
class Change:
    """What one status step writes: the message's new columns (``UPDATE_MESSAGE``'s parameters),
    its history entry, and the report to push (None: nothing is pushed)."""

    message: dict[str, Any]
    history: dict[str, Any]
    delivery: dict[str, Any] | None


def status_change(
    row: Record,
    status: str,
    error: str,
    at: int,
    final: bool,
    catalog: Catalog,
    done_at: int | None = None,
) -> Change:
    """Message ``row`` given its new status, reported at ``at`` (the report's arrival) for the
    status moment ``done_at`` (default: ``at``)."""
    done = at if done_at is None else done_at
    url = row["callback_url"]
    # intermediate reports come from the operator: none where it sends no reports at all
    push = url is not None and (final or (bool(row["intermediate"]) and not row["no_reports"]))
    message = {
        "status": status,
        "error": error,
        "done_at": done if final else row["done_at"],
        "reported_at": at if final else row["reported_at"],
        "pull": PULL_READY if final and url is None else row["pull"],
        "id": row["id"],
    }
    history = {"message": row["id"], "at": done, "status": status, "error": error}
    delivery = None
    if push:
        body = report(row["version"], row, status, error, done, catalog)
        delivery = {
            "message": row["id"],
            "url": url,
            "body": json.dumps(body, separators=(",", ":"), ensure_ascii=False),
            "due_at": at,
            "final": int(final),
            "xml": row["notify_xml"],
        }
    return Change(message, history, delivery)


def apply_status(
    conn: Connection,
    row: Record,
    status: str,
    error: str,
    at: int,
    final: bool,
    catalog: Catalog,
    done_at: int | None = None,
) -> bool:
    """Give message ``row`` its new status (:func:`status_change`); True when a callback push was
    queued."""
    change = status_change(row, status, error, at, final, catalog, done_at)
    conn.execute(UPDATE_MESSAGE, change.message)
    conn.execute(INSERT_HISTORY, change.history)
    if change.delivery is not None:
        conn.execute(INSERT_DELIVERY, change.delivery)
    return change.delivery is not None


def apply_changes(conn: Connection, changes: Sequence[Change]) -> None:
    """Several messages' steps at once: a statement a table, whatever their number."""
    if changes:
        conn.executemany(UPDATE_MESSAGE, [change.message for change in changes])
        conn.executemany(INSERT_HISTORY, [change.history for change in changes])
    deliveries = [change.delivery for change in changes if change.delivery is not None]
    if deliveries:
        conn.executemany(INSERT_DELIVERY, deliveries)

"""One step of a message's life: its status changes, and its report is queued to push or to pull.

Used by sending (rejections are final at once) and by the scheduler (every later status).
"""

from __future__ import annotations

import json
import sqlite3

from mock_infobip.channels.messages.catalog import Catalog
from mock_infobip.channels.messages.shapes import report

PULL_NONE, PULL_READY, PULL_DONE = 0, 1, 2


def apply_status(
    conn: sqlite3.Connection,
    row: sqlite3.Row,
    status: str,
    error: str,
    at: int,
    final: bool,
    catalog: Catalog,
    done_at: int | None = None,
) -> bool:
    """Give message ``row`` its new status, reported at ``at`` (the report's arrival) for the
    status moment ``done_at`` (default: ``at``); True when a callback push was queued."""
    done = at if done_at is None else done_at
    url = row["callback_url"]
    push = url is not None and (final or bool(row["intermediate"]))
    pull = PULL_READY if final and url is None else row["pull"]
    conn.execute(
        "UPDATE messages SET status = ?, error = ?, done_at = ?, reported_at = ?, pull = ? WHERE id = ?",
        (
            status,
            error,
            done if final else row["done_at"],
            at if final else row["reported_at"],
            pull,
            row["id"],
        ),
    )
    conn.execute(
        "INSERT INTO message_history (message, at, status, error) VALUES (?, ?, ?, ?)",
        (row["id"], done, status, error),
    )
    if push:
        body = report(row["version"], row, status, error, done, catalog)
        conn.execute(
            "INSERT INTO deliveries (message, url, body, due_at, final, xml) VALUES (?, ?, ?, ?, ?, ?)",
            (
                row["id"],
                url,
                json.dumps(body, separators=(",", ":"), ensure_ascii=False),
                at,
                int(final),
                row["notify_xml"],
            ),
        )
    return push

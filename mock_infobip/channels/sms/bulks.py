"""Scheduled bulks (``/sms/1/bulks``): messages that go out later (``sendAt``, a sending speed limit
or a delivery time window) can be moved, paused, resumed and canceled until they are sent.

A message is *unsent* while its ``sent_at`` is in the future. Its status events are already in
``status_events`` (decided at send time); pausing holds them (``held``), moving shifts them with the
message, canceling drops them and reports ``CANCELLED`` at once. The bulk's status is derived:
CANCELED and PAUSED are stored; otherwise PENDING before its ``sendAt``, PROCESSING while some
message is unsent, FINISHED after.
"""

from __future__ import annotations

from typing import Any

from mock_infobip.channels.messages.catalog import Catalog
from mock_infobip.channels.messages.lifecycle import apply_changes, status_change
from mock_infobip.channels.messages.requests import MAX_SCHEDULE_MS, parse_time
from mock_infobip.core.clock import Clock, wire_time
from mock_infobip.core.errors import ApiNotFound, InvalidRequest
from mock_infobip.identity.accounts import Account
from mock_infobip.storage.interface import SCHEDULER, Connection, Row, Store, account_lock
from mock_infobip.storage.sql import IN_CHUNK, in_list

ACTIVE, PAUSED, CANCELED = "ACTIVE", "PAUSED", "CANCELED"
CANCELLED_STATUS = "UNDELIVERABLE/CANCELLED"
CANCELLED_ERROR = "USER_ERRORS/EC_MESSAGE_CANCELED"
NOT_FOUND = "Bulk not found"


def record_bulk(conn: Connection, account_id: int, bulk_id: str, send_at: int) -> None:
    """Remember a bulk with messages to send later (a second send with its bulkId joins it)."""
    conn.execute(
        "INSERT INTO bulks (account_id, bulk_id, send_at) VALUES (:account, :bulk, :send_at) "
        "ON CONFLICT (account_id, bulk_id) DO UPDATE SET send_at = "
        "CASE WHEN excluded.send_at < bulks.send_at THEN excluded.send_at ELSE bulks.send_at END",
        {"account": account_id, "bulk": bulk_id, "send_at": send_at},
    )


class BulksService:
    def __init__(self, store: Store, clock: Clock, catalog: Catalog) -> None:
        self._store = store
        self._clock = clock
        self._catalog = catalog

    def get(self, account: Account, bulk_id: str) -> dict[str, Any]:
        with self._store.read() as conn:
            bulk = self._bulk(conn, account, bulk_id)
        return {"bulkId": bulk_id, "sendAt": wire_time(bulk["send_at"])}

    def status(self, account: Account, bulk_id: str) -> dict[str, Any]:
        with self._store.read() as conn:
            bulk = self._bulk(conn, account, bulk_id)
            return {"bulkId": bulk_id, "status": self._status(conn, bulk, self._clock.now_ms())}

    def reschedule(self, account: Account, bulk_id: str, send_at_text: str) -> dict[str, Any]:
        with self._store.write(account_lock(account.id), SCHEDULER) as conn:
            now = self._clock.now_ms()
            bulk = self._bulk(conn, account, bulk_id)
            send_at = parse_time(send_at_text, "sendAt")
            if send_at - now > MAX_SCHEDULE_MS:
                raise InvalidRequest({"sendAt": ["must be sooner than 180 days from now"]})
            status = self._status(conn, bulk, now)
            if status not in ("PENDING", "PAUSED") or (status == "PAUSED" and bulk["send_at"] <= now):
                raise InvalidRequest(
                    {"bulkId": [f"a bulk that has started sending ({status}) cannot be moved"]}
                )
            send_at = max(now, send_at)
            self._shift(conn, self._unsent(conn, bulk, now), send_at - bulk["send_at"])
            conn.execute(
                "UPDATE bulks SET send_at = :send_at WHERE id = :id", {"send_at": send_at, "id": bulk["id"]}
            )
        return {"bulkId": bulk_id, "sendAt": wire_time(send_at)}

    def set_status(self, account: Account, bulk_id: str, wanted: str) -> dict[str, Any]:
        with self._store.write(account_lock(account.id), SCHEDULER) as conn:
            now = self._clock.now_ms()
            bulk = self._bulk(conn, account, bulk_id)
            status = self._status(conn, bulk, now)
            allowed = {
                "PAUSED": ("PENDING", "PROCESSING"),
                "PROCESSING": ("PAUSED",),
                "CANCELED": ("PENDING", "PROCESSING", "PAUSED"),
            }
            if status not in allowed.get(wanted, ()):
                raise InvalidRequest({"status": [f"a {status} bulk cannot become {wanted}"]})
            unsent = self._held(conn, bulk) if status == "PAUSED" else self._unsent(conn, bulk, now)
            if wanted == "PAUSED":
                self._hold(conn, unsent, True)
                conn.execute(
                    "UPDATE bulks SET state = :state, paused_at = :now WHERE id = :id",
                    {"state": PAUSED, "now": now, "id": bulk["id"]},
                )
            elif wanted == "PROCESSING":
                self._shift(conn, unsent, max(0, now - max(bulk["paused_at"], bulk["send_at"])))
                self._hold(conn, unsent, False)
                conn.execute(
                    "UPDATE bulks SET state = :state, paused_at = NULL WHERE id = :id",
                    {"state": ACTIVE, "id": bulk["id"]},
                )
            else:
                self._cancel(conn, unsent, now)
                conn.execute(
                    "UPDATE bulks SET state = :state WHERE id = :id", {"state": CANCELED, "id": bulk["id"]}
                )
            return {"bulkId": bulk_id, "status": self._status(conn, self._bulk(conn, account, bulk_id), now)}

    # --- inside a transaction ---------------------------------------------------------------------

    @staticmethod
    def _bulk(conn: Connection, account: Account, bulk_id: str) -> Row:
        row: Row | None = conn.execute(
            "SELECT * FROM bulks WHERE account_id = :account AND bulk_id = :bulk",
            {"account": account.id, "bulk": bulk_id},
        ).fetchone()
        if row is None:
            raise ApiNotFound(NOT_FOUND)
        return row

    @staticmethod
    def _status(conn: Connection, bulk: Row, now: int) -> str:
        if bulk["state"] in (CANCELED, PAUSED):
            return "CANCELED" if bulk["state"] == CANCELED else "PAUSED"
        if now < bulk["send_at"]:
            return "PENDING"
        unsent = conn.execute(
            "SELECT 1 FROM messages WHERE account_id = :account AND bulk_id = :bulk AND sent_at > :now "
            "LIMIT 1",
            {"account": bulk["account_id"], "bulk": bulk["bulk_id"], "now": now},
        ).fetchone()
        return "PROCESSING" if unsent else "FINISHED"

    @staticmethod
    def _unsent(conn: Connection, bulk: Row, now: int) -> list[int]:
        return [
            r[0]
            for r in conn.execute(
                "SELECT id FROM messages WHERE account_id = :account AND bulk_id = :bulk AND sent_at > :now "
                "AND done_at IS NULL",
                {"account": bulk["account_id"], "bulk": bulk["bulk_id"], "now": now},
            )
        ]

    @staticmethod
    def _held(conn: Connection, bulk: Row) -> list[int]:
        """The messages a pause held (their send moment may have passed meanwhile)."""
        return [
            r[0]
            for r in conn.execute(
                "SELECT DISTINCT e.message FROM status_events e JOIN messages m ON m.id = e.message "
                "WHERE e.held = 1 AND m.account_id = :account AND m.bulk_id = :bulk",
                {"account": bulk["account_id"], "bulk": bulk["bulk_id"]},
            )
        ]

    @staticmethod
    def _shift(conn: Connection, messages: list[int], delta: int) -> None:
        if delta == 0:
            return
        shifts = [{"delta": delta, "id": m} for m in messages]
        conn.executemany("UPDATE messages SET sent_at = sent_at + :delta WHERE id = :id", shifts)
        conn.executemany(
            "UPDATE status_events SET due_at = due_at + :delta, done_at = done_at + :delta "
            "WHERE message = :id",
            shifts,
        )

    @staticmethod
    def _hold(conn: Connection, messages: list[int], held: bool) -> None:
        conn.executemany(
            "UPDATE status_events SET held = :held WHERE message = :id",
            [{"held": int(held), "id": m} for m in messages],
        )

    def _cancel(self, conn: Connection, messages: list[int], now: int) -> None:
        """Unsent messages are not sent: no charge, a final CANCELLED report now."""
        ids = [{"id": m, "now": now} for m in messages]
        conn.executemany("DELETE FROM status_events WHERE message = :id", ids)
        conn.executemany("UPDATE messages SET price = 0, sent_at = :now WHERE id = :id", ids)
        changes = []
        for i in range(0, len(messages), IN_CHUNK):
            marks, params = in_list("id", messages[i : i + IN_CHUNK])
            for row in conn.execute(f"SELECT * FROM messages WHERE id IN {marks} ORDER BY id", params):
                changes.append(
                    status_change(row, CANCELLED_STATUS, CANCELLED_ERROR, now, True, self._catalog)
                )
        apply_changes(conn, changes)

"""Pulling reports (each exactly once) and reading logs (current status of every message)."""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from typing import Any

from mock_infobip.channels import search
from mock_infobip.channels.messages.catalog import Catalog
from mock_infobip.channels.messages.extract import code_in, links_in
from mock_infobip.channels.messages.lifecycle import PULL_DONE, PULL_READY
from mock_infobip.channels.messages.media import Media
from mock_infobip.channels.messages.requests import parse_time
from mock_infobip.channels.messages.shapes import log, report
from mock_infobip.core.clock import Clock, wire_time
from mock_infobip.core.errors import InvalidRequest
from mock_infobip.identity.accounts import Account
from mock_infobip.storage.interface import Store, account_lock
from mock_infobip.storage.sql import LIKE_ESCAPE, in_list, like_text
from mock_infobip.storage.sqlite import MAX_ID
from mock_infobip.system.redact import redact

WINDOW_MS = 48 * 3600 * 1000  # reports and logs cover the last 48 hours
DEFAULT_LIMIT = 50


def _limit(query: Mapping[str, str]) -> int:
    return int(query.get("limit") or DEFAULT_LIMIT)


def _make_cursor(sent_at: int, row_id: int) -> str:
    return base64.urlsafe_b64encode(f"{sent_at}:{row_id}".encode()).decode().rstrip("=")


def _read_cursor(text: str) -> tuple[int, int]:
    """Where the page after ``text`` (a ``nextCursor``) starts."""
    refused = InvalidRequest({"cursor": ["is not a cursor this endpoint returned"]})
    try:
        sent_at, row_id = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)).decode().split(":")
        found = int(sent_at), int(row_id)
    except (ValueError, UnicodeDecodeError):
        raise refused from None
    if not all(0 <= number <= MAX_ID for number in found):  # no row has it, and SQLite cannot hold it
        raise refused
    return found


def _many(value: str) -> list[str]:
    return [item for item in (part.strip() for part in value.split(",")) if item]


class ReportsService:
    def __init__(self, store: Store, clock: Clock, catalog: Catalog, media: Media) -> None:
        self._store = store
        self._clock = clock
        self._catalog = catalog
        self._media = media

    def pull(
        self, account: Account, version: int, query: Mapping[str, str], channel: str = "sms"
    ) -> list[dict[str, Any]]:
        """Final reports of ``channel`` not pushed (no callback URL, or retries exhausted) that
        arrived in the last 48 h, oldest first, once."""
        clauses = [
            "account_id = :account",
            "channel = :channel",
            "pull = :ready",
            "coalesce(reported_at, done_at, sent_at) >= :since",
        ]
        params: dict[str, Any] = {
            "account": account.id,
            "channel": channel,
            "ready": PULL_READY,
            "since": self._clock.now_ms() - WINDOW_MS,
            "limit": _limit(query),
        }
        for name, column in (
            ("bulkId", "bulk_id"),
            ("messageId", "message_id"),
            ("entityId", "entity_id"),
            ("applicationId", "application_id"),
            ("campaignReferenceId", "campaign_reference_id"),
        ):
            if query.get(name):
                clauses.append(f"{column} = :{column}")
                params[column] = query[name]
        with self._store.write(account_lock(account.id)) as conn:
            rows = conn.execute(
                f"SELECT * FROM messages WHERE {' AND '.join(clauses)} ORDER BY done_at, id LIMIT :limit",
                params,
            ).fetchall()
            conn.executemany(
                "UPDATE messages SET pull = :done WHERE id = :id",
                [{"done": PULL_DONE, "id": r["id"]} for r in rows],
            )
        shape = 2 if version == 1 else 3
        return [report(shape, r, r["status"], r["error"], r["done_at"], self._catalog) for r in rows]

    def logs(
        self, account: Account, version: int, query: Mapping[str, str], channel: str = "sms"
    ) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
        """Messages of ``channel`` of the last 48 h with their current status, newest first; with
        ``useCursor`` (v3) a page and the cursor of the next one."""
        clauses = ["account_id = :account", "channel = :channel", "sent_at >= :since"]
        params: dict[str, Any] = {
            "account": account.id,
            "channel": channel,
            "since": self._clock.now_ms() - WINDOW_MS,
        }
        sender, destination = ("from", "to") if version == 1 else ("sender", "destination")
        for name, column in (
            (sender, "sender"),
            (destination, "destination"),
            ("entityId", "entity_id"),
            ("applicationId", "application_id"),
        ):
            if query.get(name):
                clauses.append(f"{column} = :{column}")
                params[column] = query[name]
        for name, column in (
            ("bulkId", "bulk_id"),
            ("messageId", "message_id"),
            ("campaignReferenceId", "campaign_reference_id"),
        ):
            values = _many(query.get(name, ""))
            if values:
                marks, named = in_list(column, values)
                clauses.append(f"{column} IN {marks}")
                params.update(named)
        if query.get("generalStatus"):  # statuses are stored GROUP/NAME, in capitals
            clauses.append(f"status LIKE :general {LIKE_ESCAPE}")
            params["general"] = like_text(query["generalStatus"].upper()) + "/%"
        for name, operator in (("sentSince", ">="), ("sentUntil", "<=")):
            if query.get(name):
                clauses.append(f"sent_at {operator} :{name}")
                params[name] = parse_time(query[name], name)
        if query.get("mnc") and not query.get("mcc"):
            raise InvalidRequest({"mnc": ["Mobile Country Code (mcc) is required with mnc"]})
        if query.get("mcc"):
            clauses.append("mcc_mnc = :network" if query.get("mnc") else "substr(mcc_mnc, 1, 3) = :network")
            params["network"] = query["mcc"] + query.get("mnc", "")
        paged = version == 3 and query.get("useCursor", "").lower() == "true"
        if paged and query.get("cursor"):
            sent_at, row_id = _read_cursor(query["cursor"])
            clauses.append("(sent_at < :after_sent OR (sent_at = :after_sent AND id < :after_id))")
            params.update(after_sent=sent_at, after_id=row_id)
        limit = _limit(query)
        params["limit"] = limit + 1 if paged else limit
        with self._store.read() as conn:
            rows = conn.execute(
                f"SELECT * FROM messages WHERE {' AND '.join(clauses)} "
                "ORDER BY sent_at DESC, id DESC LIMIT :limit",
                params,
            ).fetchall()
        cursor: dict[str, Any] | None = None
        if paged:
            cursor = {"limit": limit}
            if len(rows) > limit:
                rows = rows[:limit]
                cursor["nextCursor"] = _make_cursor(rows[-1]["sent_at"], rows[-1]["id"])
        return [log(version, r, self._catalog) for r in rows], cursor

    # --- inspection (admin API) -----------------------------------------------------------------

    def outbox(self, query: Mapping[str, str], account: int | None = None) -> list[dict[str, Any]]:
        """Every message (``account``'s only, when given), newest first, with its status history
        (and an MMS's content, its uploaded references resolved)."""
        clauses = ["1 = 1"]
        params: dict[str, Any] = {
            "limit": int(query.get("limit") or 100),
            "offset": int(query.get("offset") or 0),
        }
        if account is not None:
            clauses.append("account_id = :account_scope")
            params["account_scope"] = account
        for name, column in (("messageId", "message_id"), ("to", "destination")):
            if query.get(name):
                clauses.append(f"{column} = :{column}")
                params[column] = query[name]
        if query.get("since"):  # sent after a time of the fake's clock, or after a message
            clauses.append(self._since(query["since"], params))
        # status: a group or a status name, in any case (docs/decisions.md), as the search's status:
        terms = [search.Term("status", query["status"])] if query.get("status") else []
        terms += search.parse(query.get("q") or "")  # the search syntax (channels/search.py)
        if terms:
            clauses.append(
                search.where(terms, search.OUTBOX, self._store.engine, self._clock.now_ms(), params)
            )
        with self._store.read() as conn:
            rows = conn.execute(
                f"SELECT * FROM messages WHERE {' AND '.join(clauses)} ORDER BY sent_at DESC, id DESC "
                "LIMIT :limit OFFSET :offset",
                params,
            ).fetchall()
            history: dict[int, list[dict[str, Any]]] = {r["id"]: [] for r in rows}
            marks, ids = in_list("message", list(history))
            for h in conn.execute(f"SELECT * FROM message_history WHERE message IN {marks} ORDER BY id", ids):
                history[h["message"]].append(
                    {
                        "at": wire_time(h["at"]),
                        "status": self._name(h["status"]),
                        "error": self._error_name(h["error"]),
                    }
                )
            # a 2FA message's PIN, as the PIN it carries (its text may hold other digits first)
            sent, names = in_list("sent", [r["message_id"] for r in rows])
            pins = {
                p["sms_message_id"]: p["pin"]
                for p in conn.execute(
                    f"SELECT sms_message_id, pin FROM tfa_pins WHERE sms_message_id IN {sent}", names
                )
            }
        return self._media.annotate([self._describe(r, history[r["id"]], pins) for r in rows])

    def _since(self, since: str, params: dict[str, Any]) -> str:
        """The clause of ``since``: a message id (the messages sent after it) or a time."""
        with self._store.read() as conn:
            found = conn.execute(
                "SELECT id FROM messages WHERE message_id = :since", {"since": since}
            ).fetchone()
        if found is not None:
            params["after_id"] = found[0]
            return "id > :after_id"
        params["after_time"] = parse_time(since, "since")
        return "sent_at > :after_time"

    def _describe(self, row: Any, history: list[dict[str, Any]], pins: Mapping[str, str]) -> dict[str, Any]:
        described = {
            "messageId": row["message_id"],
            "bulkId": row["bulk_id"],
            "accountId": row["account_id"],
            "api": f"v{row['version']}",
            "channel": row["channel"],
            "to": row["destination"],
            "region": row["region"],
            "sender": row["sender"],
            "text": row["text"],
            "smsCount": row["sms_count"],
            "sentAt": wire_time(row["sent_at"]),
            "status": self._name(row["status"]),
            "error": self._error_name(row["error"]),
            "noReports": bool(row["no_reports"]),
            "reportPulled": row["pull"] == PULL_DONE,
            "history": history,
            "otp": pins.get(row["message_id"]) or code_in(row["text"]),
            "links": links_in(row["text"]),
        }
        if row["done_at"] is not None:
            described["doneAt"] = wire_time(row["done_at"])
        if row["callback_url"] is not None:
            described["callbackUrl"] = redact(row["callback_url"])
        if row["mms_content"]:
            described["content"] = json.loads(row["mms_content"])
        return described

    def _name(self, key: str) -> str:
        return self._catalog.status_of(key).name

    def _error_name(self, key: str) -> str:
        return self._catalog.error_of(key).name

    def attempts(self, query: Mapping[str, str]) -> list[dict[str, Any]]:
        """Every callback attempt, in time order."""
        clauses = ["1 = 1"]
        params: dict[str, Any] = {"limit": int(query.get("limit") or 1000)}
        if query.get("url"):
            clauses.append("url = :url")
            params["url"] = query["url"]
        with self._store.read() as conn:
            rows = conn.execute(
                f"SELECT * FROM (SELECT * FROM callback_attempts WHERE {' AND '.join(clauses)} "
                "ORDER BY id DESC LIMIT :limit) AS recent ORDER BY id",
                params,
            ).fetchall()
        return [
            {
                "url": redact(r["url"]),
                "at": wire_time(r["at"]),
                "retry": r["retry"],
                "status": r["status"],
                "error": r["error"],
                "messageIds": json.loads(r["message_ids"]),
                **({"nextRetryAt": wire_time(r["next_retry_at"])} if r["next_retry_at"] is not None else {}),
                "body": r["body"],
            }
            for r in rows
        ]

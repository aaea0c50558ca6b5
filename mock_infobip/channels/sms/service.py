"""Sending SMS: every message's outcome is decided at send time, and its reports are scheduled.

Platform rejections (and rules or profile draws in the REJECTED group) are final at once: they
show in the send response and their report is due immediately. Everything else starts pending and
gets status events in the ``status_events`` table, carried out by the scheduler on the fake's clock.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass

from mock_infobip.channels.messages.catalog import DELIVERED, PENDING, REJECTED, Catalog, Status
from mock_infobip.channels.messages.destinations import Destination, read_destination
from mock_infobip.channels.messages.lifecycle import apply_status
from mock_infobip.channels.messages.parts import binary_count, sms_count
from mock_infobip.channels.messages.requests import Outgoing, SendRequest
from mock_infobip.channels.sms.bulks import record_bulk
from mock_infobip.channels.sms.outcomes import (
    EXPIRED_ERROR,
    EXPIRED_STATUS,
    MAX_DELAY_MS,
    NO_ERROR,
    REPLY,
    Outcome,
    OutcomeRules,
    Rule,
    choose,
)
from mock_infobip.core.accounts import Account
from mock_infobip.core.clock import Clock
from mock_infobip.core.errors import ApiNotFound
from mock_infobip.core.randomness import Randomness
from mock_infobip.core.settings import Settings
from mock_infobip.core.store import Store

ACCEPTED = "PENDING/PENDING_ACCEPTED"
WAITING = "PENDING/PENDING_WAITING_DELIVERY"
DUPLICATE_ID = "REJECTED/REJECTED_DUPLICATE_MESSAGE_ID"
NO_DLR_FINAL = {
    "delivered_to_operator": ("DELIVERED/DELIVERED_TO_OPERATOR", NO_ERROR),
    "expire": ("EXPIRED/EXPIRED_DLR_UNKNOWN", NO_ERROR),
}
SEQUENCE = "message_seq"
SEND_CHUNK = 1000  # messages a write transaction of one send


@dataclass(frozen=True)
class Sent:
    message_id: str
    to: str
    status: Status
    sms_count: int


@dataclass(frozen=True)
class SendResult:
    bulk_id: str
    messages: list[Sent]


@dataclass(frozen=True)
class _Plan:
    status: str
    error: str
    # (due_at, status, error, final, done_at): due_at is when the report arrives, done_at the
    # status moment (the report's doneAt; None: the same as due_at)
    events: list[tuple[int, str, str, int, int | None]]
    reply: str | None = None  # the handset's answer (a REPLY event carries it out)


class Messaging:
    def __init__(
        self,
        store: Store,
        clock: Clock,
        random: Randomness,
        settings: Settings,
        catalog: Catalog,
        rules: OutcomeRules,
    ) -> None:
        self._store = store
        self._clock = clock
        self._random = random
        self._settings = settings
        self._catalog = catalog
        self._rules = rules
        self.no_dlr = frozenset(settings.no_dlr_countries or catalog.countries_without_reports)

    def send(self, account: Account, request: SendRequest, *, now_ms: int | None = None) -> SendResult:
        """Send ``request``; ``now_ms`` backdates it (demo data only: the API always sends now).
        Written in transactions of ``SEND_CHUNK`` messages, so a send of 100,000 destinations lets
        other writers in between (nothing is acknowledged before all of it is written)."""
        rules = self._rules.all()
        with self._store.write() as conn:
            now = self._clock.now_ms() if now_ms is None else now_ms
            first = self._reserve(conn, len(request.messages) + 1)
        bulk_id = request.bulk_id or self._bulk_id(first)
        seen: set[str] = set()
        sent = []
        later = None
        for chunk in range(0, len(request.messages), SEND_CHUNK):
            with self._store.write() as conn:
                for offset in range(chunk + 1, min(len(request.messages), chunk + SEND_CHUNK) + 1):
                    message = request.messages[offset - 1]
                    start = self._start_at(message, offset - 1, now, request.speed)
                    if start > now:
                        later = start if later is None else min(later, start)
                    sent.append(
                        self._send_one(
                            conn, account, request, bulk_id, message, first + offset, now, start, rules, seen
                        )
                    )
        if later is not None:  # some messages go out later: a bulk that can be paused, moved, canceled
            first_at = min((m.send_at for m in request.messages if m.send_at is not None), default=now)
            with self._store.write() as conn:
                record_bulk(conn, account.id, bulk_id, max(now, first_at))
        return SendResult(bulk_id, sent)

    @staticmethod
    def _start_at(message: Outgoing, index: int, now: int, speed: tuple[int, int] | None) -> int:
        """When a message goes out: its sendAt, spread by the bulk's speed limit, inside its window."""
        start = max(now, message.send_at or now)
        if speed is not None:
            amount, per_ms = speed
            start += (index // amount) * per_ms
        if message.window is not None:
            start = message.window.next_open(start)
        return start

    # --- one message ------------------------------------------------------------------------

    def _send_one(
        self,
        conn: sqlite3.Connection,
        account: Account,
        request: SendRequest,
        bulk_id: str,
        message: Outgoing,
        sequence: int,
        now: int,
        sent_at: int,
        rules: list[Rule],
        seen: set[str],
    ) -> Sent:
        destination = read_destination(message.to)
        message_id = message.message_id or self._message_id(sequence)
        duplicate = message.message_id is not None and (
            message_id in seen
            or conn.execute(
                "SELECT 1 FROM messages WHERE account_id = ? AND message_id = ?", (account.id, message_id)
            ).fetchone()
            is not None
        )
        seen.add(message_id)
        no_reports = destination.region in self.no_dlr
        if message.mms is not None:
            parts = 1  # an MMS is one message
        elif message.binary is not None:
            parts = binary_count(message.binary.size)
        else:
            parts = sms_count(message.text)
        plan = self._plan(
            destination,
            message,
            message_id,
            sent_at,
            no_reports,
            rules,
            DUPLICATE_ID if duplicate else destination.rejection,
        )
        rejected = self._catalog.status_of(plan.status).group_id == REJECTED
        price = 0.0 if rejected else self._price(destination.region) * parts
        cursor = conn.execute(
            "INSERT INTO messages (account_id, message_id, bulk_id, version, destination, region, sender, "
            "text, sms_count, price, callback_url, callback_data, intermediate, entity_id, application_id, "
            "campaign_reference_id, sent_at, validity_ms, no_reports, status, error, done_at, pull, "
            'notify_xml, "binary", mcc_mnc, reply_text, channel, mms_content) '
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?, ?, ?, ?)",
            (
                account.id,
                message_id,
                bulk_id,
                request.version,
                destination.to,
                destination.region,
                message.sender,
                message.text,
                parts,
                price,
                message.callback_url,
                message.callback_data,
                int(message.intermediate),
                message.entity_id,
                message.application_id,
                message.campaign_reference_id,
                now if rejected else sent_at,
                message.validity_ms,
                int(no_reports),
                ACCEPTED,
                NO_ERROR,
                None,
                int(message.notify_xml),
                None if message.binary is None else json.dumps(message.binary.wire()),
                None
                if destination.rejection
                else self._catalog.mcc_mnc(destination.region, destination.digits),
                plan.reply,
                request.channel,
                None if message.mms is None else json.dumps(message.mms, ensure_ascii=False),
            ),
        )
        row_id = int(cursor.lastrowid or 0)
        conn.execute(
            "INSERT INTO message_history (message, at, status, error) VALUES (?, ?, ?, ?)",
            (row_id, now, ACCEPTED, NO_ERROR),
        )
        if rejected:  # final at once: reported immediately
            row = conn.execute("SELECT * FROM messages WHERE id = ?", (row_id,)).fetchone()
            apply_status(conn, row, plan.status, plan.error, now, True, self._catalog)
        elif plan.status != ACCEPTED:  # waiting for a report that never comes: nothing is reported
            conn.execute("UPDATE messages SET status = ? WHERE id = ?", (plan.status, row_id))
            conn.execute(
                "INSERT INTO message_history (message, at, status, error) VALUES (?, ?, ?, ?)",
                (row_id, sent_at, plan.status, NO_ERROR),
            )
        conn.executemany(
            "INSERT INTO status_events (due_at, message, status, error, final, done_at) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            [(due, row_id, status, error, final, done) for due, status, error, final, done in plan.events],
        )
        return Sent(
            message_id, destination.to, self._catalog.status_of(plan.status if rejected else ACCEPTED), parts
        )

    def _plan(
        self,
        destination: Destination,
        message: Outgoing,
        message_id: str,
        sent_at: int,
        no_reports: bool,
        rules: list[Rule],
        rejection: str | None,
    ) -> _Plan:
        if rejection is not None:
            return _Plan(rejection, NO_ERROR, [])
        outcome = choose(rules, destination, self._settings, self._random.stream(f"outcome:{message_id}"))
        status = self._catalog.status_of(outcome.status)
        if status.group_id == REJECTED:
            return _Plan(outcome.status, outcome.error, [])
        validity_end = sent_at + message.validity_ms
        if no_reports:
            mode = self._settings.no_dlr_mode
            handset = None  # no report, but the handset may have the message and answer
            if outcome.delay_ms is not None and outcome.delay_ms <= message.validity_ms:
                handset = self._handset_at(outcome, sent_at + outcome.delay_ms)
            replies = self._reply_events(outcome, handset)
            if mode == "none":
                return _Plan(
                    WAITING, NO_ERROR, replies, outcome.reply[0] if replies and outcome.reply else None
                )
            final_status, final_error = NO_DLR_FINAL[mode]
            at = (
                validity_end
                if mode == "expire" or outcome.delay_ms is None
                else min(validity_end, sent_at + outcome.delay_ms)
            )
            planned = [(at, final_status, final_error, 1, None), *replies]
            return _Plan(ACCEPTED, NO_ERROR, planned, outcome.reply[0] if replies and outcome.reply else None)
        if outcome.delay_ms is None or outcome.delay_ms > message.validity_ms:
            final_at, final_status, final_error = validity_end, EXPIRED_STATUS, EXPIRED_ERROR
        else:
            final_at, final_status, final_error = sent_at + outcome.delay_ms, outcome.status, outcome.error
        events: list[tuple[int, str, str, int, int | None]] = []
        if message.intermediate:
            steps = outcome.intermediate
            for i, step in enumerate(steps, start=1):
                at = sent_at + (final_at - sent_at) * i // (len(steps) + 1)
                events.append((at, step, NO_ERROR, 0, None))
        final = int(self._catalog.status_of(final_status).group_id != PENDING)
        # the operator's report arrives after the status, never later than 4 days after sending
        arrival = max(final_at, min(final_at + outcome.report_delay_ms, sent_at + MAX_DELAY_MS))
        events.append((arrival, final_status, final_error, final, final_at))
        handset = self._handset_at(outcome, final_at) if final_status == outcome.status else None
        replies = self._reply_events(outcome, handset)
        events += replies
        return _Plan(ACCEPTED, NO_ERROR, events, outcome.reply[0] if replies and outcome.reply else None)

    def _handset_at(self, outcome: Outcome, at: int) -> int | None:
        """When the handset has the message: ``at`` when the outcome is a delivery, else never."""
        return at if self._catalog.status_of(outcome.status).group_id == DELIVERED else None

    @staticmethod
    def _reply_events(
        outcome: Outcome, handset_at: int | None
    ) -> list[tuple[int, str, str, int, int | None]]:
        """The handset's answer (an outcome rule's ``reply``), after the message reached it."""
        if outcome.reply is None or handset_at is None:
            return []
        return [(handset_at + outcome.reply[1], REPLY, NO_ERROR, 0, None)]

    def confirm_conversion(self, account: Account, message_id: str) -> str:
        """Record that a sent message converted (``POST /ct/1/log/end/{messageId}``); its process key."""
        with self._store.write() as conn:
            row = conn.execute(
                "SELECT id, process_key FROM messages WHERE account_id = ? AND message_id = ? "
                "ORDER BY id DESC LIMIT 1",
                (account.id, message_id),
            ).fetchone()
            if row is None:
                raise ApiNotFound("Message not found")
            bits = self._random.stream(f"process-key:{row['id']}").getrandbits(128)
            key = row["process_key"] or f"{bits:032X}"
            conn.execute(
                "UPDATE messages SET converted_at = coalesce(converted_at, ?), process_key = ? WHERE id = ?",
                (self._clock.now_ms(), key, row["id"]),
            )
        return key

    # --- ids, prices --------------------------------------------------------------------------

    def _reserve(self, conn: sqlite3.Connection, count: int) -> int:
        """The first of ``count`` fresh sequence numbers (ids derive from the seed and these)."""
        row = conn.execute("SELECT value FROM meta WHERE key = ?", (SEQUENCE,)).fetchone()
        first = int(row[0]) if row else 0
        conn.execute(
            "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET "
            "value = excluded.value",
            (SEQUENCE, str(first + count)),
        )
        return first

    def _message_id(self, sequence: int) -> str:
        bits = f"{self._random.stream(f'message-id:{sequence}').getrandbits(128):032x}"
        return f"{bits[:8]}-{bits[8:12]}-{bits[12:16]}-{bits[16:20]}-{bits[20:]}"

    def _bulk_id(self, sequence: int) -> str:
        return str(self._random.stream(f"bulk-id:{sequence}").randrange(10**18, 10**19))

    def _price(self, region: str | None) -> float:
        return self._settings.region_prices.get(region or "", self._settings.price_per_part)

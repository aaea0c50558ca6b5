"""Sending SMS: every message's outcome is decided at send time, and its reports are scheduled.

Platform rejections (and rules or profile draws in the REJECTED group) are final at once: they
show in the send response and their report is due immediately. Everything else starts pending and
gets status events in the ``status_events`` table, carried out by the scheduler on the fake's clock.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from typing import Any

from mock_infobip.channels.messages.catalog import DELIVERED, PENDING, REJECTED, Catalog, Status
from mock_infobip.channels.messages.destinations import Destination, read_destination
from mock_infobip.channels.messages.lifecycle import INSERT_DELIVERY, INSERT_HISTORY, PULL_NONE, status_change
from mock_infobip.channels.messages.parts import binary_count, sms_count
from mock_infobip.channels.messages.requests import Outgoing, SendRequest
from mock_infobip.channels.sms import testnumbers
from mock_infobip.channels.sms.bulks import record_bulk
from mock_infobip.channels.sms.flooding import FLOODING, HOUR_MS, Counter
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
from mock_infobip.core.clock import Clock
from mock_infobip.core.errors import ApiNotFound
from mock_infobip.core.randomness import Randomness
from mock_infobip.core.settings import Settings
from mock_infobip.identity.accounts import Account
from mock_infobip.storage.interface import Connection, Store, account_lock
from mock_infobip.storage.sql import IN_CHUNK, in_list

ACCEPTED = "PENDING/PENDING_ACCEPTED"
WAITING = "PENDING/PENDING_WAITING_DELIVERY"
DUPLICATE_ID = "REJECTED/REJECTED_DUPLICATE_MESSAGE_ID"
NO_DLR_FINAL = {
    "delivered_to_operator": ("DELIVERED/DELIVERED_TO_OPERATOR", NO_ERROR),
    "expire": ("EXPIRED/EXPIRED_DLR_UNKNOWN", NO_ERROR),
}
SEQUENCE = "message_seq"
MESSAGE_COLUMNS = (
    "id", "account_id", "message_id", "bulk_id", "version", "destination", "region", "sender", "text",
    "sms_count", "price", "callback_url", "callback_data", "intermediate", "entity_id", "application_id",
    "campaign_reference_id", "sent_at", "validity_ms", "no_reports", "status", "error", "done_at",
    "reported_at", "pull", "notify_xml", "binary", "mcc_mnc", "reply_text", "channel", "mms_content",
)  # fmt: skip
_QUOTED = ", ".join(f'"{c}"' for c in MESSAGE_COLUMNS)  # "binary" is a word of PostgreSQL's
INSERT_MESSAGE = f"INSERT INTO messages ({_QUOTED}) VALUES ({', '.join(f':{c}' for c in MESSAGE_COLUMNS)})"
INSERT_EVENT = (
    "INSERT INTO status_events (due_at, message, status, error, final, done_at) "
    "VALUES (:due_at, :message, :status, :error, :final, :done_at)"
)


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


@dataclass
class _Batch:
    """What one send writes, table by table (an ``executemany`` each)."""

    sent: list[Sent] = field(default_factory=list)
    messages: list[dict[str, Any]] = field(default_factory=list)
    history: list[dict[str, Any]] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)
    deliveries: list[dict[str, Any]] = field(default_factory=list)

    def write(self, conn: Connection) -> None:
        for sql, rows in (
            (INSERT_MESSAGE, self.messages),
            (INSERT_HISTORY, self.history),
            (INSERT_EVENT, self.events),
            (INSERT_DELIVERY, self.deliveries),
        ):
            if rows:
                conn.executemany(sql, rows)


@dataclass(frozen=True)
class _Plan:
    status: str
    error: str
    # (due_at, status, error, final, done_at): due_at is when the report arrives, done_at the
    # status moment (the report's doneAt; None: the same as due_at)
    events: list[tuple[int, str, str, int, int | None]]
    reply: str | None = None  # the handset's answer (a REPLY event carries it out)


@dataclass(frozen=True)
class _Context:
    """What every message of one send shares."""

    account: Account
    request: SendRequest
    bulk_id: str
    now: int
    rules: list[Rule]
    taken: set[str]
    counter: Counter | None


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

        A send is one transaction: every message, its history, its status events and its reports,
        or none of them, in a number of statements that does not grow with the messages (one
        ``executemany`` a table). Its numbers (message ids derive from them and the seed; a
        message's row id is its number) are reserved first, as a database sequence is: a send that
        fails leaves a gap, and sends of other accounts do not wait for this one."""
        rules = self._rules.all()
        if self._settings.test_numbers:  # after the user's rules: theirs win
            rules += testnumbers.RULES
        now = self._clock.now_ms() if now_ms is None else now_ms
        first = self._reserve(len(request.messages) + 1)
        bulk_id = request.bulk_id or self._bulk_id(first)
        batch = _Batch()
        later = None
        starts = [self._start_at(m, i, now, request.speed) for i, m in enumerate(request.messages)]
        destinations = [read_destination(m.to) for m in request.messages]
        with self._store.write(account_lock(account.id)) as conn:
            taken = self._taken(conn, account, request)
            counter = self._flooding_counter(conn, account, request, destinations, starts)
            context = _Context(account, request, bulk_id, now, rules, taken, counter)
            for offset, (message, start) in enumerate(zip(request.messages, starts, strict=True), start=1):
                if start > now:
                    later = start if later is None else min(later, start)
                batch.sent.append(
                    self._plan_one(context, message, destinations[offset - 1], first + offset, start, batch)
                )
            batch.write(conn)
            if later is not None:  # some messages go out later: a bulk that can be paused, moved, canceled
                first_at = min((m.send_at for m in request.messages if m.send_at is not None), default=now)
                record_bulk(conn, account.id, bulk_id, max(now, first_at))
        return SendResult(bulk_id, batch.sent)

    def _taken(self, conn: Connection, account: Account, request: SendRequest) -> set[str]:
        """The message ids the request gives that the account used already (their messages are
        duplicates); each id is added as the request uses it."""
        given = sorted({m.message_id for m in request.messages if m.message_id is not None})
        taken: set[str] = set()
        for i in range(0, len(given), IN_CHUNK):
            marks, params = in_list("id", given[i : i + IN_CHUNK])
            rows = conn.execute(
                f"SELECT message_id FROM messages WHERE account_id = :account AND message_id IN {marks}",
                {"account": account.id, **params},
            )
            taken.update(row[0] for row in rows)
        return taken

    def _flooding_counter(
        self,
        conn: Connection,
        account: Account,
        request: SendRequest,
        destinations: list[Destination],
        starts: list[int],
    ) -> Counter | None:
        """The flooding mechanism's counts for this send's destinations (None: it does not apply,
        to this account or to MMS)."""
        on = self._settings.flooding_filter if account.flooding_filter is None else account.flooding_filter
        if not on or request.channel == "mms" or not starts:
            return None
        usable = [d.to for d in destinations if d.rejection is None]
        return Counter.read(conn, account.id, usable, min(starts) - HOUR_MS, max(starts))

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

    def _plan_one(
        self,
        context: _Context,
        message: Outgoing,
        destination: Destination,
        sequence: int,
        sent_at: int,
        batch: _Batch,
    ) -> Sent:
        """Message number ``sequence`` of the request, its outcome decided, added to ``batch``."""
        account, request, bulk_id, now = context.account, context.request, context.bulk_id, context.now
        taken, counter = context.taken, context.counter
        message_id = message.message_id or self._message_id(sequence)
        duplicate = message.message_id is not None and message_id in taken
        taken.add(message_id)
        no_reports = destination.region in self.no_dlr
        if message.mms is not None:
            parts = 1  # an MMS is one message
        elif message.binary is not None:
            parts = binary_count(message.binary.size)
        else:
            parts = sms_count(message.text)
        refusal = (DUPLICATE_ID, NO_ERROR) if duplicate else None
        if refusal is None and destination.rejection is not None:
            refusal = (destination.rejection, NO_ERROR)
        if refusal is None and counter is not None:
            flooding = counter.refusal(destination.to, message.text, sent_at)
            refusal = None if flooding is None else (FLOODING, flooding)
        plan = self._plan(destination, message, message_id, sent_at, no_reports, context.rules, refusal)
        rejected = self._catalog.status_of(plan.status).group_id == REJECTED
        if counter is not None and not rejected:
            counter.accepted(destination.to, message.text, sent_at)
        row: dict[str, Any] = {
            "id": sequence,
            "account_id": account.id,
            "message_id": message_id,
            "bulk_id": bulk_id,
            "version": request.version,
            "destination": destination.to,
            "region": destination.region,
            "sender": message.sender,
            "text": message.text,
            "sms_count": parts,
            "price": 0.0 if rejected else self._price(destination.region) * parts,
            "callback_url": message.callback_url,
            "callback_data": message.callback_data,
            "intermediate": int(message.intermediate),
            "entity_id": message.entity_id,
            "application_id": message.application_id,
            "campaign_reference_id": message.campaign_reference_id,
            "sent_at": now if rejected else sent_at,
            "validity_ms": message.validity_ms,
            "no_reports": int(no_reports),
            "status": ACCEPTED,
            "error": NO_ERROR,
            "done_at": None,
            "reported_at": None,
            "pull": PULL_NONE,
            "notify_xml": int(message.notify_xml),
            "binary": None if message.binary is None else json.dumps(message.binary.wire()),
            "mcc_mnc": None
            if destination.rejection
            else self._catalog.mcc_mnc(destination.region, destination.digits),
            "reply_text": plan.reply,
            "channel": request.channel,
            "mms_content": None if message.mms is None else json.dumps(message.mms, ensure_ascii=False),
        }
        batch.history.append({"message": sequence, "at": now, "status": ACCEPTED, "error": NO_ERROR})
        if rejected:  # final at once: reported immediately
            change = status_change(row, plan.status, plan.error, now, True, self._catalog)
            row.update(change.message)
            batch.history.append(change.history)
            if change.delivery is not None:
                batch.deliveries.append(change.delivery)
        elif plan.status != ACCEPTED and sent_at > now:  # scheduled: nothing changes before sendAt
            waiting = {"status": plan.status, "error": NO_ERROR, "final": 0, "done_at": None}
            batch.events.append({"due_at": sent_at, "message": sequence, **waiting})
        elif plan.status != ACCEPTED:  # waiting for a report that never comes: nothing is reported
            row["status"] = plan.status
            batch.history.append({"message": sequence, "at": now, "status": plan.status, "error": NO_ERROR})
        batch.messages.append(row)
        batch.events += [
            {
                "due_at": due,
                "message": sequence,
                "status": status,
                "error": error,
                "final": final,
                "done_at": done,
            }
            for due, status, error, final, done in plan.events
        ]
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
        refusal: tuple[str, str] | None,
    ) -> _Plan:
        if refusal is not None:  # the platform's own: invalid destination, duplicate id, flooding
            return _Plan(*refusal, [])
        outcome = choose(rules, destination, self._settings, self._random.stream(f"outcome:{message_id}"))
        if outcome.reply is not None and "{" in outcome.reply[0]:  # a score drawn, a code echoed
            text = testnumbers.reply_text(
                outcome.reply[0], message.text, self._random.stream(f"reply:{message_id}")
            )
            outcome = dataclasses.replace(outcome, reply=(text, outcome.reply[1]))
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
        with self._store.write(account_lock(account.id)) as conn:
            row = conn.execute(
                "SELECT id, process_key FROM messages WHERE account_id = :account AND message_id = :id "
                "ORDER BY id DESC LIMIT 1",
                {"account": account.id, "id": message_id},
            ).fetchone()
            if row is None:
                raise ApiNotFound("Message not found")
            bits = self._random.stream(f"process-key:{row['id']}").getrandbits(128)
            key = row["process_key"] or f"{bits:032X}"
            conn.execute(
                "UPDATE messages SET converted_at = coalesce(converted_at, :now), process_key = :key "
                "WHERE id = :id",
                {"now": self._clock.now_ms(), "key": key, "id": row["id"]},
            )
        return key

    # --- ids, prices --------------------------------------------------------------------------

    def _reserve(self, count: int) -> int:
        """The first of ``count`` fresh sequence numbers (ids derive from the seed and these): one
        statement, committed on its own."""
        row = self._store.execute(
            "INSERT INTO meta (key, value) VALUES (:key, :text) ON CONFLICT (key) DO UPDATE SET "
            "value = CAST(CAST(meta.value AS BIGINT) + :count AS TEXT) RETURNING value",
            {"key": SEQUENCE, "text": str(count), "count": count},
        ).fetchone()
        return int(row[0]) - count

    def _message_id(self, sequence: int) -> str:
        bits = f"{self._random.stream(f'message-id:{sequence}').getrandbits(128):032x}"
        return f"{bits[:8]}-{bits[8:12]}-{bits[12:16]}-{bits[16:20]}-{bits[20:]}"

    def _bulk_id(self, sequence: int) -> str:
        return str(self._random.stream(f"bulk-id:{sequence}").randrange(10**18, 10**19))

    def _price(self, region: str | None) -> float:
        return self._settings.region_prices.get(region or "", self._settings.price_per_part)

"""The scheduler: due status events and callback pushes, carried out in time order.

Both live in the database (``status_events``, ``deliveries``), so they survive a restart. A push
is claimed with a lease on the wall clock before its POST and settled after it, outside any
transaction, so a slow receiver never holds the store. Retries follow Infobip's cycle: after the
failed attempt number n (0 = the first), the next comes ``1 min + 1 min × n²`` later, up to
``callback_max_retries`` retries; a final report whose retries are exhausted becomes pullable.
"""

from __future__ import annotations

import functools
import itertools
import json
import logging
import threading
from collections.abc import Iterator, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any

from mock_infobip.channels.inbound import store_inbound
from mock_infobip.channels.messages.catalog import Catalog
from mock_infobip.channels.messages.lifecycle import (
    PULL_NONE,
    PULL_READY,
    Change,
    apply_changes,
    status_change,
)
from mock_infobip.channels.messages.xml import JSON_TYPE, XML_TYPE, reports_xml
from mock_infobip.channels.sms.outcomes import REPLY
from mock_infobip.core.clock import Clock
from mock_infobip.core.randomness import Randomness
from mock_infobip.core.settings import Settings
from mock_infobip.delivery.callbacks import Answer, Transport
from mock_infobip.delivery.lanes import InThread, Lanes
from mock_infobip.storage.interface import SCHEDULER, Connection, Row, Store
from mock_infobip.storage.sql import IN_CHUNK, LIKE_ESCAPE, in_list, like_text

log = logging.getLogger("mock_infobip.scheduler")
EVENT_BATCH = 2000
EVENT_PAGE = 16  # events read at first (most passes stop at the first moment that queues a push)
LEASE_MARGIN_MS = 30_000  # a claimed push's lease: the callback timeout and this
MINUTE_MS = 60_000
LEADER_META = "scheduler.leader"  # the instance of the scheduler that leads (hosts on PostgreSQL)


def retry_delay_ms(attempt: int) -> int:
    """Wait after failed attempt number ``attempt`` (0 = the first): 1, 2, 5, 10, 17, 26 … minutes."""
    return MINUTE_MS + MINUTE_MS * attempt * attempt


# What a push carries: delivery reports (rows of ``messages``) or inbound messages (rows of
# ``inbound``, Infobip's MO format with counts). Exhausted pushes leave their rows pullable.
PULL_TABLES = {"report": "messages", "inbound": "inbound"}


@dataclass(frozen=True)
class _Batch:
    url: str
    retry: int
    kind: str
    ids: list[int]
    message_ids: list[str]
    finals: list[int]  # rows of the final reports (or the inbound messages) in it
    body: bytes
    content_type: str
    claim: str  # the claim its rows carry while this push owns them
    account: int | None  # whose reports (or inbound messages) it carries


class Scheduler:
    def __init__(
        self,
        store: Store,
        clock: Clock,
        settings: Settings,
        catalog: Catalog,
        transport: Transport,
        random: Randomness,
    ) -> None:
        self._store = store
        self._random = random
        self._clock = clock
        self._settings = settings
        self._catalog = catalog
        self.transport = transport
        self._lock = threading.RLock()
        self._lanes = Lanes(settings.callback_concurrency, settings.callback_threads)
        self._inflight: set[Future[None]] = set()
        self._inflight_lock = threading.Lock()
        self._claims = itertools.count(1)
        # this scheduler's own prefix of the claims it makes: no other process, on this host or
        # another sharing the database, makes the same (a pid alone repeats across hosts)
        self.instance = random.secret(12)
        self.next_due: int | None = None  # the fake's time the earliest work falls due, as last seen

    def run_due(self, until: int | None = None, *, step_clock: bool = False, wait: bool = True) -> None:
        """Carry out everything due up to ``until`` (default now), in time order. With
        ``step_clock`` (an advance of the manual clock) the clock is moved to each moment before its
        work, and to ``until``: each moment's events, then its pushes. Without it everything due is
        late already (a running clock the scheduler caught up with, a kick): the events due are
        applied in time order, then the reports due pushed together, each receiver's in batches
        of ``callback_batch_size`` in time order (a catching-up scheduler makes few passes, not
        one for each moment). Without ``wait`` (the background worker) pushes run on the pool and
        settle when they end, so a slow receiver delays nobody else."""
        with self._lock:
            if wait:
                self._settle_inflight()
            target = self._clock.now_ms() if until is None else until
            while not step_clock:
                event_at, push_at = self._next_work(target)
                if event_at is None and push_at is None:
                    return
                if event_at is not None:
                    self._process_events(target, whole=True)
                self._push(target, wait, through=True)
            while True:
                event_at, push_at = self._next_work(target)
                if event_at is None and push_at is None:
                    break
                if event_at is not None and (push_at is None or event_at <= push_at):
                    self._step(event_at, step_clock)
                    self._process_events(push_at if push_at is not None else target)
                else:
                    assert push_at is not None
                    self._step(push_at, step_clock)
                    self._push(push_at, wait)
            self._step(target, step_clock)

    def redeliver(self, message_ids: Sequence[str]) -> int:
        """Push the reports of these messages again at once, through the same machinery: each one's
        delivery pending and due at the clock's now (delivered or exhausted before; its retry count
        as it was, so a failure goes on with the cycle), claimed by the next pass as any due push,
        its attempt recorded. A push in flight is left to finish. How many were made due."""
        marks, ids = in_list("mid", list(message_ids))
        with self._store.write(SCHEDULER) as conn:
            cursor = conn.execute(
                "UPDATE deliveries SET state = 'pending', due_at = :now, claimed_until = 0, claim = NULL "
                f"WHERE kind = 'report' AND message IN (SELECT id FROM messages WHERE message_id IN {marks}) "
                "AND (state <> 'pending' OR claimed_until <= :wall)",
                {"now": self._clock.now_ms(), "wall": self._clock.wall_ms(), **ids},
            )
            return int(cursor.rowcount)

    def take_over(self) -> None:
        """This scheduler now leads (hosts on PostgreSQL): it is recorded as the leader, and the
        pushes its predecessor had claimed are given back at once, not when their leases run out.
        The predecessor's lock went with its session, so it died (or lost the database: its settle
        then matches no claim and records nothing; the push may reach the receiver twice, as after
        any crash between a 2xx and its record)."""
        with self._store.write(SCHEDULER) as conn:  # the meta calls join this transaction
            previous = self._store.get_meta(LEADER_META)
            self._store.set_meta(LEADER_META, self.instance)
            if previous is not None and previous != self.instance:
                conn.execute(
                    "UPDATE deliveries SET claimed_until = 0, claim = NULL "
                    f"WHERE state = 'pending' AND claim LIKE :claims {LIKE_ESCAPE}",
                    {"claims": like_text(previous) + ":%"},
                )

    def close(self) -> None:
        self._lanes.close()

    # --- status events --------------------------------------------------------------------------

    def _step(self, at: int, step_clock: bool) -> None:
        if step_clock:
            self._clock.move_to(at)

    def _next_work(self, until: int) -> tuple[int | None, int | None]:
        """When the next status event and the next push fall due up to ``until`` (one statement:
        a round trip on PostgreSQL). What falls due later is :attr:`next_due`."""
        with self._store.read() as conn:
            event, push = conn.execute(
                "SELECT (SELECT min(due_at) FROM status_events WHERE held = 0), "
                "(SELECT min(due_at) FROM deliveries WHERE state = 'pending' AND claimed_until <= :wall)",
                {"wall": self._clock.wall_ms()},
            ).fetchone()
        due = [int(at) for at in (event, push) if at is not None]
        self.next_due = min(due) if due else None
        return (
            None if event is None or event > until else int(event),
            None if push is None or push > until else int(push),
        )

    @staticmethod
    def _due_events(conn: Connection, bound: int) -> Iterator[list[Row]]:
        """The events due up to ``bound`` in time order, ``EVENT_BATCH`` at most, read a page at a
        time (pages doubling from ``EVENT_PAGE``): the caller mostly stops at the first moment
        that queues a push, and need not have read the rest. A page at a time."""
        page, read, after = EVENT_PAGE, 0, (-1, -1)
        while read < EVENT_BATCH:
            rows = conn.execute(
                "SELECT * FROM status_events WHERE due_at <= :bound AND held = 0 "
                "AND (due_at, id) > (:after_due, :after_id) ORDER BY due_at, id LIMIT :limit",
                {
                    "bound": bound,
                    "after_due": after[0],
                    "after_id": after[1],
                    "limit": min(page, EVENT_BATCH - read),
                },
            ).fetchall()
            yield rows
            read += len(rows)
            if len(rows) < page:
                return
            after, page = (rows[-1]["due_at"], rows[-1]["id"]), page * 2

    def _process_events(self, bound: int, whole: bool = False) -> None:
        """Apply events due up to ``bound`` (``EVENT_BATCH`` at most); stop after the moment whose
        events queued a push, unless ``whole``."""
        with self._store.write(SCHEDULER) as conn:
            cut: int | None = None
            done: list[dict[str, int]] = []
            changes: list[Change] = []
            messages: dict[int, dict[str, Any]] = {}  # as the events of this pass leave them
            for page in self._due_events(conn, bound):
                cut = self._apply(conn, page, messages, None if whole else cut, done, changes, whole)
                if not whole and cut is not None and page and page[-1]["due_at"] > cut:
                    break  # the moment that queued a push is done: the rest is the next pass's
            apply_changes(conn, changes)
            conn.executemany("DELETE FROM status_events WHERE id = :id", done)

    @staticmethod
    def _read_messages(conn: Connection, events: list[Row], messages: dict[int, dict[str, Any]]) -> None:
        """The messages of ``events`` not read yet in this pass (a statement for them all)."""
        wanted = sorted({int(e["message"]) for e in events} - messages.keys())
        for i in range(0, len(wanted), IN_CHUNK):
            marks, params = in_list("id", wanted[i : i + IN_CHUNK])
            for row in conn.execute(f"SELECT * FROM messages WHERE id IN {marks}", params):
                messages[int(row["id"])] = dict(zip(row.keys(), row, strict=True))

    def _apply(
        self,
        conn: Connection,
        events: list[Row],
        messages: dict[int, dict[str, Any]],
        cut: int | None,
        done: list[dict[str, int]],
        changes: list[Change],
        whole: bool = False,
    ) -> int | None:
        """Apply ``events`` in order, up to the moment whose events queued a push (``cut``, which
        is returned; every one of them when ``whole``); their changes are written together after."""
        for event in events:
            if not whole and cut is not None and event["due_at"] > cut:
                break
            done.append({"id": event["id"]})
            if int(event["message"]) not in messages:  # read with the others due at the same moment
                same = [e for e in events if whole or e["due_at"] == event["due_at"]]
                self._read_messages(conn, same, messages)
            message = messages.get(int(event["message"]))
            if message is None:
                continue
            if event["status"] == REPLY:  # the handset answers to the number the message came from
                store_inbound(
                    conn,
                    self._random,
                    self._settings,
                    message["destination"].removeprefix("+"),
                    (message["sender"] or "").removeprefix("+"),
                    message["reply_text"] or "",
                    event["due_at"],
                    message["message_id"],
                )
                if cut is None:
                    cut = event["due_at"]
                continue
            change = status_change(
                message,
                event["status"],
                event["error"],
                event["due_at"],
                bool(event["final"]),
                self._catalog,
                event["done_at"],
            )
            message.update(change.message)
            changes.append(change)
            if change.delivery is not None and cut is None:
                cut = event["due_at"]
        return cut

    # --- callbacks ------------------------------------------------------------------------------

    def _lease(self) -> int:
        return self._clock.wall_ms() + round(self._settings.callback_timeout * 1000) + LEASE_MARGIN_MS

    def _claim(self, at: int, through: bool = False) -> list[_Batch]:
        """The pushes due at ``at`` (due by ``at`` when ``through``), claimed for this process, in
        batches of one receiver and one account."""
        size = self._settings.callback_batch_size
        limit = size * self._settings.callback_concurrency * 4
        lease = self._lease()
        claim = f"{self.instance}:{next(self._claims)}"
        with self._store.write(SCHEDULER) as conn:
            rows = conn.execute(
                "SELECT d.id, d.message, d.url, d.body, d.retry, d.final, d.xml, d.kind, m.version, "
                "coalesce(m.account_id, i.account_id) AS account_id "
                "FROM deliveries d LEFT JOIN messages m ON m.id = d.message AND d.kind = 'report' "
                "LEFT JOIN inbound i ON i.id = d.message AND d.kind = 'inbound' "
                f"WHERE d.state = 'pending' AND d.due_at {'<=' if through else '='} :at "
                "AND d.claimed_until <= :wall ORDER BY d.due_at, d.id LIMIT :limit",
                {"at": at, "wall": self._clock.wall_ms(), "limit": limit},
            ).fetchall()
            conn.executemany(
                "UPDATE deliveries SET claimed_until = :lease, claim = :claim WHERE id = :id",
                [{"lease": lease, "claim": claim, "id": r["id"]} for r in rows],
            )
        # one push carries one account's reports (as Infobip's: an account's own callbacks)
        groups: dict[tuple[str, int, str, int, int | None, int | None], list[Row]] = {}
        for row in rows:
            key = (row["url"], row["retry"], row["kind"], row["xml"], row["version"], row["account_id"])
            groups.setdefault(key, []).append(row)
        return [
            self._batch(url, retry, kind, chunk, version if xml else None, claim, account)
            for (url, retry, kind, xml, version, account), members in groups.items()
            for chunk in _chunks(members, size)
        ]

    @staticmethod
    def _batch(
        url: str,
        retry: int,
        kind: str,
        rows: list[Row],
        xml_version: int | None,
        claim: str,
        account: int | None,
    ) -> _Batch:
        """One callback: JSON, or XML in the shape of ``xml_version`` when the messages asked."""
        results = [json.loads(r["body"]) for r in rows]
        listed = ",".join(r["body"] for r in rows)
        if kind == "inbound":
            body, content_type = (
                f'{{"results":[{listed}],"messageCount":{len(rows)},"pendingMessageCount":0}}'.encode(),
                JSON_TYPE,
            )
        elif xml_version is None:
            body, content_type = ('{"results":[' + listed + "]}").encode(), JSON_TYPE
        else:
            body, content_type = reports_xml(xml_version, results), XML_TYPE
        return _Batch(
            url,
            retry,
            kind,
            [r["id"] for r in rows],
            [result["messageId"] for result in results],
            [r["message"] for r in rows if r["final"]],
            body,
            content_type,
            claim,
            account,
        )

    def _push(self, at: int, wait: bool, through: bool = False) -> None:
        futures = [
            self._lanes.submit(batch.url, functools.partial(self._deliver, batch, at))
            for batch in self._claim(at, through)
        ]
        with self._inflight_lock:
            self._inflight.update(futures)
        for future in futures:
            future.add_done_callback(self._done)
        if wait:
            for future in futures:
                future.result()

    def _done(self, future: Future[None]) -> None:
        with self._inflight_lock:
            self._inflight.discard(future)

    def _settle_inflight(self) -> None:
        """Wait for pushes the background worker started (an advance sees them settled)."""
        with self._inflight_lock:
            pending = list(self._inflight)
        for future in pending:
            future.exception()

    def _still_ours(self, batch: _Batch) -> bool:
        """Right before the POST: every row is still pending and claimed by this push (a row
        delivered meanwhile, or claimed again after a lease ran out, is never posted again); the
        lease starts over for the attempt."""
        marks, ids = in_list("id", batch.ids)
        with self._store.write(SCHEDULER) as conn:
            cursor = conn.execute(
                f"UPDATE deliveries SET claimed_until = :lease WHERE id IN {marks} AND state = 'pending' "
                "AND claim = :claim",
                {"lease": self._lease(), "claim": batch.claim, **ids},
            )
            if cursor.rowcount == len(batch.ids):
                return True
            conn.execute(  # give back what is still ours: the next pass claims it afresh
                f"UPDATE deliveries SET claimed_until = 0, claim = NULL WHERE id IN {marks} "
                "AND claim = :claim",
                {"claim": batch.claim, **ids},
            )
            return False

    async def _deliver(self, batch: _Batch, at: int, in_thread: InThread) -> None:
        """POST one batch on the pushes' loop (holding no thread while the receiver takes its
        time); its claim checked before and its outcome settled after, on the pool."""
        if not await in_thread(self._still_ours, batch):
            return
        try:
            answer = await self.transport.post(
                batch.url, batch.body, self._settings.callback_timeout, batch.content_type
            )
        except Exception as exc:  # a transport must never take the scheduler down
            log.exception("callback transport failed")
            answer = Answer(None, f"{type(exc).__name__}: {exc}"[:500])
        await in_thread(self._record, batch, answer, at)

    def _record(self, batch: _Batch, answer: Answer, at: int) -> None:
        with self._store.write(SCHEDULER) as conn:
            self._settle(conn, batch, answer, max(self._clock.now_ms(), at))

    def _settle(self, conn: Connection, batch: _Batch, answer: Answer, at: int) -> None:
        next_at = None
        if answer.ok:
            conn.executemany(
                "UPDATE deliveries SET state = 'delivered' WHERE id = :id AND claim = :claim",
                [{"id": i, "claim": batch.claim} for i in batch.ids],
            )
        elif batch.retry < self._settings.callback_max_retries:
            next_at = at + retry_delay_ms(batch.retry)
            conn.executemany(
                "UPDATE deliveries SET due_at = :next_at, retry = retry + 1, claimed_until = 0, claim = NULL "
                "WHERE id = :id AND claim = :claim",
                [{"next_at": next_at, "id": i, "claim": batch.claim} for i in batch.ids],
            )
        else:
            conn.executemany(
                "UPDATE deliveries SET state = 'exhausted' WHERE id = :id AND claim = :claim",
                [{"id": i, "claim": batch.claim} for i in batch.ids],
            )
            conn.executemany(
                f"UPDATE {PULL_TABLES[batch.kind]} SET pull = :ready WHERE id = :id AND pull = :none",
                [{"ready": PULL_READY, "id": m, "none": PULL_NONE} for m in batch.finals],
            )
        conn.execute(
            "INSERT INTO callback_attempts "
            "(at, url, retry, status, error, message_ids, body, next_retry_at, account_id) "
            "VALUES (:at, :url, :retry, :status, :error, :message_ids, :body, :next_retry_at, :account)",
            {
                "at": at,
                "url": batch.url,
                "retry": batch.retry,
                "status": answer.status,
                "error": answer.error,
                "message_ids": json.dumps(batch.message_ids),
                "body": batch.body.decode(),
                "next_retry_at": next_at,
                "account": batch.account,
            },
        )


def _chunks(rows: list[Row], size: int) -> Iterator[list[Row]]:
    for start in range(0, len(rows), size):
        yield rows[start : start + size]

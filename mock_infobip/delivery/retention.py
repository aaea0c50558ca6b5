"""Retention: a long-running fake keeps the last ``retention_days`` of its clock (30 by default; 0
keeps everything) of messages (with their history, status events and pushed reports), inbound
messages, callback attempts, the journal, 2FA PINs and events, and MMS uploads. Older rows go in
small batches (:data:`BATCH` rows a statement, each batch its own transaction, so writers never
wait long), pruned by whichever process runs the scheduler, at most every :data:`EVERY_SECONDS` of
the wall clock (at once again while a pass left older rows), and after each advance of a manual clock.

Nothing still owed is pruned: a message with a status event or a push still pending (a report
due in four days, a message scheduled far ahead, a push being retried) stays whatever its age.
"""

from __future__ import annotations

from mock_infobip.core.clock import Clock
from mock_infobip.storage.interface import SCHEDULER, Store
from mock_infobip.storage.sql import in_list

DAY_MS = 86_400_000
BATCH = 500  # rows a statement
MAX_BATCHES = 20  # batches of one table in one pass: the rest waits for the next
EVERY_SECONDS = 10.0
# a pass that pruned all it found is not repeated before the cutoff moved this far (the fake's ms):
# an advance of a minute costs nothing, and no row outlives the retention by more than this
GRANULE_MS = 3_600_000

OLD_MESSAGES = (
    "DELETE FROM messages WHERE id IN ("
    "SELECT m.id FROM messages m WHERE m.sent_at < :cutoff "
    "AND NOT EXISTS (SELECT 1 FROM status_events e WHERE e.message = m.id AND e.done_at IS NULL) "
    "AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.message = m.id AND d.kind = 'report' "
    "AND d.state = 'pending') "
    "ORDER BY m.sent_at LIMIT :batch) RETURNING id"
)
OLD_INBOUND = (
    "DELETE FROM inbound WHERE id IN ("
    "SELECT i.id FROM inbound i WHERE i.received_at < :cutoff "
    "AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.message = i.id AND d.kind = 'inbound' "
    "AND d.state = 'pending') "
    "ORDER BY i.received_at LIMIT :batch) RETURNING id"
)
# what belongs to the messages (or inbound messages) just pruned: {ids} is their IN list
OF_MESSAGES = (
    "DELETE FROM message_history WHERE message IN {ids}",
    "DELETE FROM status_events WHERE message IN {ids}",
    "DELETE FROM deliveries WHERE kind = 'report' AND message IN {ids}",
)
OF_INBOUND = ("DELETE FROM deliveries WHERE kind = 'inbound' AND message IN {ids}",)
# tables of their own: one batch a statement, by time
BY_TIME = (
    "DELETE FROM callback_attempts WHERE id IN "
    "(SELECT id FROM callback_attempts WHERE at < :cutoff ORDER BY id LIMIT :batch)",
    "DELETE FROM journal WHERE id IN (SELECT id FROM journal WHERE at < :cutoff ORDER BY id LIMIT :batch)",
    "DELETE FROM tfa_pins WHERE id IN "
    "(SELECT id FROM tfa_pins WHERE sent_at < :cutoff AND expires_at < :cutoff ORDER BY id LIMIT :batch)",
    "DELETE FROM uploads WHERE id IN "
    "(SELECT id FROM uploads WHERE uploaded_at < :cutoff AND expires_at < :cutoff ORDER BY id LIMIT :batch)",
)
OLD_TFA_EVENTS = "DELETE FROM tfa_events WHERE at < :cutoff"  # no id to batch by: small rows


class Retention:
    def __init__(self, store: Store, clock: Clock, days: float) -> None:
        self._store = store
        self._clock = clock
        self._keep_ms = round(days * DAY_MS)
        self._last_wall: int | None = None
        self._clean_until: int | None = None  # the cutoff of the last pass that left nothing older
        self._behind = False  # the last pass left older rows for the next

    @property
    def keeps_everything(self) -> bool:
        return self._keep_ms <= 0

    def prune_when_due(self) -> int:
        """Prune if :data:`EVERY_SECONDS` of the wall clock passed since the last time here, or at
        once while the last pass left older rows (a busy fake: pruning keeps up with it)."""
        wall = self._clock.wall_ms()
        recent = self._last_wall is not None and wall - self._last_wall < EVERY_SECONDS * 1000
        if recent and not self._behind:
            return 0
        self._last_wall = wall
        return self.prune()

    def prune(self) -> int:
        """Prune what is older than the retention; the number of rows that went."""
        if self.keeps_everything:
            return 0
        cutoff = self._clock.now_ms() - self._keep_ms
        if self._clean_until is not None and cutoff - self._clean_until < GRANULE_MS:
            return 0
        counts = [
            self._owned(OLD_MESSAGES, OF_MESSAGES, cutoff),
            self._owned(OLD_INBOUND, OF_INBOUND, cutoff),
        ]
        counts += [self._batches(statement, cutoff) for statement in BY_TIME]
        with self._store.write(SCHEDULER) as conn:
            counts.append((max(0, conn.execute(OLD_TFA_EVENTS, {"cutoff": cutoff}).rowcount), True))
        self._behind = not all(finished for _, finished in counts)
        if not self._behind:
            self._clean_until = cutoff
        return sum(count for count, _ in counts)

    def _owned(self, parents: str, children: tuple[str, ...], cutoff: int) -> tuple[int, bool]:
        """Batches of old parent rows, each with what belongs to them, in one transaction; how
        many went, and whether none is left."""
        pruned = 0
        for _ in range(MAX_BATCHES):
            with self._store.write(SCHEDULER) as conn:
                ids = [row[0] for row in conn.execute(parents, {"cutoff": cutoff, "batch": BATCH}).fetchall()]
                if ids:
                    marks, params = in_list("id", ids)
                    for statement in children:
                        conn.execute(statement.format(ids=marks), params)
            pruned += len(ids)
            if len(ids) < BATCH:
                return pruned, True
        return pruned, False

    def _batches(self, statement: str, cutoff: int) -> tuple[int, bool]:
        pruned = 0
        for _ in range(MAX_BATCHES):
            with self._store.write(SCHEDULER) as conn:
                count = max(0, conn.execute(statement, {"cutoff": cutoff, "batch": BATCH}).rowcount)
            pruned += count
            if count < BATCH:
                return pruned, True
        return pruned, False

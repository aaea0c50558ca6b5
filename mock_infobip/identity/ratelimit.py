"""Per-credential, per-operation rate limits on the fake's clock.

A request is admitted when at least the interval has passed since the last *admitted* request of
that credential and operation; a refused request does not move the window. The check and the
update are one statement (an upsert that updates only when the interval has passed; a quota's are
one ``BEGIN IMMEDIATE`` transaction), so the rule is exact across threads and across processes
sharing the database file.
"""

from __future__ import annotations

from collections.abc import Callable

from mock_infobip.core.clock import Clock
from mock_infobip.core.errors import RateLimited
from mock_infobip.identity.accounts import Principal
from mock_infobip.storage.interface import Store, account_lock

MINUTE_MS = 60_000


class RateLimiter:
    """``interval(operation)``: seconds between admitted requests; ``per_minute(operation)``: a
    number of requests per minute instead (a fixed window opened by the first request), or None."""

    def __init__(
        self,
        store: Store,
        clock: Clock,
        interval: Callable[[str], float],
        per_minute: Callable[[str], int | None] = lambda operation: None,
    ) -> None:
        self._store = store
        self._clock = clock
        self._interval = interval
        self._per_minute = per_minute

    def admit(self, principal: Principal, operation: str) -> None:
        quota = self._per_minute(operation)
        if quota is not None:
            self._admit_quota(principal, operation, quota)
            return
        interval_ms = round(self._interval(operation) * 1000)
        if interval_ms <= 0:
            return
        now = self._clock.now_ms()
        key = {"principal": principal.credential, "operation": operation}
        admitted = self._store.execute(  # the check and the update are one statement: atomic
            "INSERT INTO rate_windows (principal, operation, last_admitted) "
            "VALUES (:principal, :operation, :now) "
            "ON CONFLICT (principal, operation) DO UPDATE SET last_admitted = excluded.last_admitted "
            "WHERE excluded.last_admitted - rate_windows.last_admitted >= :interval",
            {**key, "now": now, "interval": interval_ms},
        ).rowcount
        if admitted:
            return
        with self._store.read() as conn:
            row = conn.execute(
                "SELECT last_admitted FROM rate_windows "
                "WHERE principal = :principal AND operation = :operation",
                key,
            ).fetchone()
        last = now if row is None else int(row[0])  # (a reset just wiped it: the next one passes)
        raise RateLimited(operation, max(0, last + interval_ms - now) / 1000)

    def _admit_quota(self, principal: Principal, operation: str, quota: int) -> None:
        with self._store.write(account_lock(principal.account.id)) as conn:
            now = self._clock.now_ms()
            key = {"principal": principal.credential, "operation": operation}
            row = conn.execute(
                "SELECT last_admitted, hits FROM rate_windows "
                "WHERE principal = :principal AND operation = :operation",
                key,
            ).fetchone()
            if row is None or now - row[0] >= MINUTE_MS:
                start, hits = now, 1
            elif row[1] < quota:
                start, hits = row[0], row[1] + 1
            else:
                raise RateLimited(operation, (row[0] + MINUTE_MS - now) / 1000)
            conn.execute(
                "INSERT INTO rate_windows (principal, operation, last_admitted, hits) "
                "VALUES (:principal, :operation, :start, :hits) "
                "ON CONFLICT (principal, operation) DO UPDATE SET last_admitted = excluded.last_admitted, "
                "hits = excluded.hits",
                {**key, "start": start, "hits": hits},
            )

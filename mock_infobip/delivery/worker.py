"""The scheduler's background worker: runs :meth:`Scheduler.run_due` as the clock moves, in the
process that leads (hosts sharing a PostgreSQL database take turns by lock)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from mock_infobip.core.clock import Clock
from mock_infobip.delivery.scheduler import Scheduler

log = logging.getLogger("mock_infobip.scheduler")
QUIET_POLL = 1.0  # a worker that hears changes (PostgreSQL) looks at least this often (seconds)


class Worker:
    """Runs the scheduler in the background: on a running clock it polls, on a manual clock it
    only carries out work that is due now when kicked (an immediate rejection report, say). With
    ``always_poll`` (the scheduler of several ``serve`` workers, whose kicks it does not hear) it
    polls on a manual clock too. ``lead()`` says whether this process may run the scheduler now
    (hosts sharing a PostgreSQL database: the one holding the scheduler's lock); asked every turn,
    so another process takes over within a poll of the leader's death."""

    def __init__(
        self,
        scheduler: Scheduler,
        clock: Clock,
        poll_seconds: float = 0.2,
        lead: Callable[[], bool] = lambda: True,
        on_lead: Callable[[], None] | None = None,
        listening: bool = False,
        housekeeping: Callable[[], object] | None = None,
    ) -> None:
        self._scheduler = scheduler
        self._housekeeping = housekeeping  # run after each turn this process leads (retention)
        self._lead = lead
        self._on_lead = on_lead
        self.leading = False  # whether the last turn found this process running the scheduler
        self._clock = clock
        self._poll = poll_seconds
        self._wake = threading.Event()
        self._stopping = False
        self._thread: threading.Thread | None = None
        self.always_poll = False
        # the store hears other processes' changes and kicks this worker (PostgreSQL's notices):
        # it waits until the next work falls due, looking again every QUIET_POLL s at most
        self.listening = listening

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> None:
        self._turn()  # before it runs: health says so from the start
        thread = threading.Thread(target=self._loop, name="mock-infobip-scheduler", daemon=True)
        thread.start()
        self._thread = thread

    def kick(self) -> None:
        self._wake.set()

    def stop(self) -> None:
        self._stopping = True
        self._wake.set()
        if self._thread is not None and self._thread.is_alive():
            self._thread.join(timeout=60)

    def _wait_seconds(self) -> float | None:
        """How long to wait for a kick before the next turn (None: only a kick wakes it)."""
        manual = self._clock.mode == "manual"
        if not self.listening:
            return None if manual and not self.always_poll else self._poll
        due, speed = self._scheduler.next_due, self._clock.speed
        if manual or due is None or speed <= 0 or not self.leading:
            return QUIET_POLL  # a takeover, a lease run out: looked for at this pace
        until = (due - self._clock.now_ms()) / speed / 1000
        return min(QUIET_POLL, max(0.0, until))

    def _turn(self) -> bool:
        """Whether this process runs the scheduler now; on taking it over, ``on_lead()`` first."""
        was, self.leading = self.leading, self._lead()
        if self.leading and not was and self._on_lead is not None:
            try:
                self._on_lead()
            except Exception:  # not taken over yet: tried again on the next turn
                log.exception("scheduler take-over failed")
                self.leading = False
        return self.leading

    def _loop(self) -> None:
        while not self._stopping:
            self._wake.wait(self._wait_seconds())
            self._wake.clear()
            if self._stopping:
                break
            try:
                if self._turn():
                    self._scheduler.run_due(wait=False)
                    if self._housekeeping is not None:
                        self._housekeeping()
            except Exception:  # keep the worker alive; the error is logged
                log.exception("scheduler run failed")

"""Pushes in lanes, one lane per receiver origin (scheme, host, port), so that no receiver can slow
another's: each lane runs at most ``callback_concurrency`` attempts at a time and keeps the rest
waiting in the lane, not in a shared pool, so threads blocked on slow, dripping or hanging
receivers (each attempt has its deadline, ``callback_timeout``) are never the ones a healthy
receiver's pushes wait for. Threads come from one pool of ``callback_threads``, made as needed."""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from urllib.parse import urlsplit

Job = Callable[[], None]


def origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme.lower()}://{(parts.hostname or '').lower()}:{parts.port or ''}"


@dataclass
class _Lane:
    busy: int = 0
    waiting: deque[tuple[Job, Future[None]]] = field(default_factory=deque)


class Lanes:
    def __init__(self, per_lane: int, threads: int) -> None:
        self._per_lane = per_lane
        self._threads = threads
        self._lanes: dict[str, _Lane] = {}
        self._lock = threading.Lock()
        self._pool: ThreadPoolExecutor | None = None

    def submit(self, url: str, job: Job) -> Future[None]:
        """Run ``job`` in the lane of ``url``'s origin; the future settles when it has run."""
        future: Future[None] = Future()
        key = origin(url)
        with self._lock:
            lane = self._lanes.setdefault(key, _Lane())
            lane.waiting.append((job, future))
            self._start(key, lane)
        return future

    def _start(self, key: str, lane: _Lane) -> None:  # with the lock held
        if self._pool is None:
            self._pool = ThreadPoolExecutor(self._threads, thread_name_prefix="callback")
        while lane.busy < self._per_lane and lane.waiting:
            job, future = lane.waiting.popleft()
            lane.busy += 1
            self._pool.submit(self._run, key, job, future)

    def _run(self, key: str, job: Job, future: Future[None]) -> None:
        try:
            job()
        except BaseException as exc:  # the future carries it to whoever waits
            future.set_exception(exc)
        else:
            future.set_result(None)
        finally:
            with self._lock:
                lane = self._lanes[key]
                lane.busy -= 1
                self._start(key, lane)
                if not lane.busy and not lane.waiting:
                    del self._lanes[key]

    def close(self) -> None:
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True)

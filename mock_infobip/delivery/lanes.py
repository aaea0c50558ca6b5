"""Pushes in lanes, one lane per receiver origin (scheme, host, port), on an event loop of their
own, so that no receiver can slow another's and nothing else waits for a receiver.

Each lane runs at most ``callback_concurrency`` attempts at a time; the rest wait in the lane.
An attempt waiting on a receiver (slow, dripping or hanging: each has its deadline,
``callback_timeout``) holds a connection on the loop, never a thread: 100 hanging origins cost
their connections and their timeouts, nothing a healthy receiver's pushes wait for. What a push
does with the database (its claim checked before the POST, its outcome settled after) runs on a
small pool of ``callback_threads``, briefly; so does a transport's blocking work (in-process
receivers). The loop's thread starts at the first push (in each process: ``serve --workers``
forks before any)."""

from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import Awaitable, Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import urlsplit

T = TypeVar("T")
InThread = Callable[
    ..., Awaitable[Any]
]  # runs a blocking function on the pool: ``await in_thread(f, *args)``
Push = Callable[[InThread], Awaitable[None]]


def origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme.lower()}://{(parts.hostname or '').lower()}:{parts.port or ''}"


@dataclass
class _Lane:
    slots: asyncio.Semaphore
    users: int = 0


class Lanes:
    def __init__(self, per_lane: int, threads: int) -> None:
        self._per_lane = per_lane
        self._threads = threads
        self._lanes: dict[str, _Lane] = {}  # the loop's own: touched on its thread only
        self._start_lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._pool: ThreadPoolExecutor | None = None
        self._pid = 0

    def submit(self, url: str, push: Push) -> Future[None]:
        """Run ``push`` in the lane of ``url``'s origin; the future settles when it has run."""
        loop = self._running_loop()
        return asyncio.run_coroutine_threadsafe(self._run(origin(url), push), loop)

    def _running_loop(self) -> asyncio.AbstractEventLoop:
        with self._start_lock:
            if self._loop is None or self._pid != os.getpid():  # none yet, or forked from a parent's
                self._pid = os.getpid()
                self._pool = ThreadPoolExecutor(self._threads, thread_name_prefix="callback")
                loop = self._loop = asyncio.new_event_loop()
                loop.set_default_executor(self._pool)  # asyncio.to_thread and getaddrinfo use it too
                ready = threading.Event()
                self._thread = threading.Thread(
                    target=self._serve, args=(loop, ready), name="mock-infobip-pushes", daemon=True
                )
                self._thread.start()
                ready.wait()
            return self._loop

    @staticmethod
    def _serve(loop: asyncio.AbstractEventLoop, ready: threading.Event) -> None:
        asyncio.set_event_loop(loop)
        loop.call_soon(ready.set)
        loop.run_forever()

    async def _run(self, key: str, push: Push) -> None:
        lane = self._lanes.get(key)
        if lane is None:
            lane = self._lanes[key] = _Lane(asyncio.Semaphore(self._per_lane))
        lane.users += 1
        try:
            async with lane.slots:
                await push(self._in_thread)
        finally:
            lane.users -= 1
            if not lane.users:
                del self._lanes[key]

    async def _in_thread(self, function: Callable[..., T], *args: Any) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._pool, function, *args)

    def close(self) -> None:
        """Let the pushes under way end (each within its deadline), then stop the loop."""
        with self._start_lock:
            loop, thread, pool = self._loop, self._thread, self._pool
            self._loop = self._thread = self._pool = None
        if loop is None or thread is None or self._pid != os.getpid():
            return
        asyncio.run_coroutine_threadsafe(_drain(), loop).result()
        loop.call_soon_threadsafe(loop.stop)
        thread.join()
        loop.close()
        if pool is not None:
            pool.shutdown(wait=True)


async def _drain() -> None:
    """Wait for every other task of the loop (the pushes under way)."""
    current = asyncio.current_task()
    others = [task for task in asyncio.all_tasks() if task is not current]
    if others:
        await asyncio.wait(others)

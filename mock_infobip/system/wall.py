"""The wall clock: the only module that reads the operating system's time. The fake's own time is
``core/clock.py``'s :class:`~mock_infobip.core.clock.Clock`, built on a :class:`Wall`; process
supervision, timeouts and the database's offset read it here directly."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Protocol


class Wall(Protocol):
    def time(self) -> float: ...

    def sleep(self, seconds: float) -> None: ...


class SystemWall:
    """The real wall clock."""

    def time(self) -> float:
        return time.time()

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


class OffsetWall(SystemWall):
    """The real wall clock moved by ``offset_ms``: the database server's clock, read on a host
    that shares a PostgreSQL database with others (``storage/postgres.py`` measures the offset)."""

    def __init__(self, offset_ms: int) -> None:
        self._offset = offset_ms / 1000

    def time(self) -> float:
        return time.time() + self._offset


def offset_ms(other: Callable[[], float], trips: int = 5) -> int:
    """Another clock (``other()``: seconds since the epoch, read over the network) less this host's,
    in ms, from the shortest of a few round trips (the reading taken halfway through it)."""
    best: tuple[float, int] | None = None
    for _ in range(trips):
        before = time.time()
        theirs = other()
        after = time.time()
        if best is None or after - before < best[0]:
            best = (after - before, round((theirs - (before + after) / 2) * 1000))
    assert best is not None
    return best[1]


def elapsed() -> float:
    """Seconds of a monotonic clock, for supervising processes and timeouts (never the fake's time)."""
    return time.monotonic()


def pause(seconds: float) -> None:
    """Sleep for real (process supervision; the fake's waits go through :class:`Clock`)."""
    time.sleep(seconds)

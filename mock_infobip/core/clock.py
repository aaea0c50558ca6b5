"""The fake's clock (the wall clock itself is read by ``system/wall.py`` only).

Every mode is one formula, ``now = anchor_virtual + (wall - anchor_wall) × speed``:

- ``real``: speed 1 (or ``--speed N`` for a demo running N times faster);
- ``manual``: speed 0, so time moves only through :meth:`Clock.advance`.

The anchors live in the store, so a restart continues the clock where it was, and a second
process on the same database file sees a manual clock advanced by the first.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime

from mock_infobip.core.errors import Conflict, InvalidRequest
from mock_infobip.storage.interface import Store
from mock_infobip.system.wall import SystemWall, Wall, elapsed

# How often a request held by a fault's latency asks whether another worker released it (seconds)
RELEASE_POLL = 0.05

# The last instant the wire format (four-digit years) and Python's datetime can hold.
LAST_INSTANT_MS = 253_402_300_799_999


def to_ms(moment: datetime) -> int:
    return round(moment.timestamp() * 1000)


def from_ms(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, tz=UTC)


def wire_time(ms: int) -> str:
    """Infobip's timestamp format: ``2026-11-22T10:15:00.000+0000``."""
    moment = from_ms(ms)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ms % 1000:03d}+0000"


class Clock:
    def __init__(self, store: Store, wall: Wall | None = None) -> None:
        self._store = store
        self._wall = wall or SystemWall()
        self.mode = "real"
        self.speed = 1.0
        self._anchor_virtual = 0
        self._anchor_wall = 0

    def _wall_ms(self) -> int:
        return round(self._wall.time() * 1000)

    def configure(self, mode: str, speed: float = 1.0, start: datetime | None = None) -> None:
        """Set the mode at start-up. Without ``start`` the clock resumes from its stored time and
        never goes backwards; with ``start`` it is set to that instant."""
        speed = 0.0 if mode == "manual" else speed
        wall = self._wall_ms()
        with self._store.write() as conn:
            row = conn.execute("SELECT * FROM clock WHERE id = 1").fetchone()
            if start is not None:
                virtual = to_ms(start)
            elif row is None:
                virtual = wall
            else:
                stored = row["anchor_virtual"] + round((wall - row["anchor_wall"]) * row["speed"])
                virtual = max(stored, wall) if mode == "real" and speed == 1.0 else stored
            conn.execute(
                "INSERT INTO clock (id, mode, speed, anchor_virtual, anchor_wall) "
                "VALUES (1, :mode, :speed, :virtual, :wall) ON CONFLICT (id) DO UPDATE SET "
                "mode = excluded.mode, speed = excluded.speed, anchor_virtual = excluded.anchor_virtual, "
                "anchor_wall = excluded.anchor_wall",
                {"mode": mode, "speed": speed, "virtual": virtual, "wall": wall},
            )
        self.mode, self.speed = mode, speed
        self._anchor_virtual, self._anchor_wall = virtual, wall

    def _shared(self) -> None:
        """On a database file the clock is one record shared by every process on it (mode, speed
        and anchors): read it, so a second ``serve --start`` or an advance elsewhere is seen here."""
        if self._store.in_memory:  # no other process shares this clock: ours is current
            return
        row = self._store.cached("clock", self._load)
        if row is not None:
            self.mode, self.speed, self._anchor_virtual, self._anchor_wall = row

    def _load(self) -> tuple[str, float, int, int] | None:
        with self._store.read() as conn:
            row = conn.execute("SELECT * FROM clock WHERE id = 1").fetchone()
        if row is None:
            return None
        return row["mode"], row["speed"], int(row["anchor_virtual"]), int(row["anchor_wall"])

    def now_ms(self) -> int:
        self._shared()
        if self.mode == "manual":
            return self._anchor_virtual
        return self._anchor_virtual + round((self._wall_ms() - self._anchor_wall) * self.speed)

    def now(self) -> datetime:
        return from_ms(self.now_ms())

    def wall_ms(self) -> int:
        """Milliseconds of the real wall clock (leases between processes, never the fake's time)."""
        return self._wall_ms()

    def move_to(self, ms: int) -> int:
        """Set a manual clock to ``ms`` if that is later than now; returns the new time."""
        if self.mode != "manual":
            raise Conflict(f"the clock is {self.mode}: only a manual clock can be moved")
        with self._store.write() as conn:
            row = conn.execute(
                "UPDATE clock SET anchor_virtual = CASE WHEN anchor_virtual < :ms THEN :ms "
                "ELSE anchor_virtual END WHERE id = 1 RETURNING anchor_virtual",
                {"ms": ms},
            ).fetchone()
        self._anchor_virtual = int(row[0])
        return self._anchor_virtual

    def ensure_reachable(self, ms: int) -> None:
        """Refuse an instant past the last one the wire format and the store can hold."""
        if ms > LAST_INSTANT_MS:
            raise InvalidRequest(
                {
                    "seconds": [
                        "would move the clock past 9999-12-31T23:59:59.999+0000, the last instant it can show"
                    ]
                }
            )

    def advance(self, seconds: float) -> int:
        """Move a manual clock forward by ``seconds`` (millisecond precision); returns the new time."""
        if self.mode != "manual":
            raise Conflict(f"the clock is {self.mode}: only a manual clock can be advanced")
        if seconds < 0:
            raise Conflict("the clock never moves backwards")
        self.ensure_reachable(self.now_ms() + round(seconds * 1000))
        with self._store.write() as conn:  # one increment: advances sent at once add up
            row = conn.execute(
                "UPDATE clock SET anchor_virtual = anchor_virtual + :ms WHERE id = 1 "
                "RETURNING anchor_virtual",
                {"ms": round(seconds * 1000)},
            ).fetchone()
        self._anchor_virtual = int(row[0])
        return self._anchor_virtual

    def real_sleep(
        self,
        seconds: float,
        release: threading.Event | None = None,
        released_elsewhere: Callable[[], bool] | None = None,
    ) -> bool:
        """Wait ``seconds`` of real time, whatever the mode (latency of a fault); a ``release``
        set meanwhile ends the wait at once, and ``released_elsewhere()`` (another process's
        release, asked every ``RELEASE_POLL`` seconds) within that. True: ended by a release."""
        if seconds <= 0:
            return False
        if release is None or not isinstance(self._wall, SystemWall):
            self._wall.sleep(seconds)
            return False
        deadline = elapsed() + seconds
        while (left := deadline - elapsed()) > 0:
            if release.wait(left if released_elsewhere is None else min(left, RELEASE_POLL)):
                return True
            if released_elsewhere is not None and released_elsewhere():
                return True
        return False

    def wall_sleep(self, seconds: float) -> None:
        """Really wait ``seconds`` of the fake's time on a running clock."""
        if seconds > 0 and self.speed > 0:
            self._wall.sleep(seconds / self.speed)

"""The clock of a test's handle: advance, set, freeze and run the fake's clock."""

from __future__ import annotations

from datetime import datetime

from mock_infobip.core.clock import from_ms
from mock_infobip.runtime import Runtime


class ClockHandle:
    def __init__(self, runtime: Runtime) -> None:
        self._runtime = runtime

    def now(self) -> datetime:
        return from_ms(self._runtime.clock.now_ms())

    def advance(self, seconds: float) -> datetime:
        """Move the manual clock; everything due by then (reports, callbacks, retries) is done."""
        return from_ms(self._runtime.advance(seconds))

    def sleep(self, seconds: float) -> None:
        """Wait on the fake's clock: pass this as a client's ``sleep`` to make its waits free."""
        self._runtime.sleep(seconds)

    def set(self, instant: datetime | str) -> datetime:
        """Move a manual clock to ``instant`` (not before now), doing everything due by then."""
        target = _instant(instant)
        now = self._runtime.clock.now_ms()
        if target < now:
            raise ValueError(
                f"{from_ms(target).isoformat()} is before the fake's now, {from_ms(now).isoformat()}"
            )
        return self.advance((target - now) / 1000)

    def freeze(self) -> datetime:
        """Stop the clock where it is (a manual clock from now on)."""
        clock = self._runtime.clock
        clock.configure("manual", 0.0, from_ms(clock.now_ms()))
        return self.now()

    def run(self, speed: float = 1.0) -> datetime:
        """Let the clock run from where it is, ``speed`` times faster than real time."""
        clock = self._runtime.clock
        clock.configure("real", speed, from_ms(clock.now_ms()))
        self._runtime.start_worker()
        return self.now()

    def restart(self) -> datetime:
        """Back to the settings' clock: their mode, speed and ``start`` (a manual clock without one
        starts at the real now). The pytest fixtures call it before every test."""
        settings = self._runtime.settings
        start = settings.start
        if start is None and settings.clock == "manual":
            start = from_ms(self._runtime.clock.wall_ms())
        self._runtime.clock.configure(settings.clock, settings.speed, start)
        return self.now()


def _instant(value: datetime | str) -> int:
    if isinstance(value, str):
        value = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if value.tzinfo is None:
        raise ValueError("give the instant a time zone, e.g. 2026-11-22T10:00:00Z")
    return round(value.timestamp() * 1000)

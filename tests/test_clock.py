"""The clock: real, manual, scaled; stored, so restarts and other processes (and hosts, on
PostgreSQL) agree."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from mock_infobip.core.clock import Clock, to_ms, wire_time
from mock_infobip.core.errors import Conflict
from mock_infobip.storage.sqlite import SqliteStore

WALL_START = 1_800_000_000.0
BOTH_BACKENDS = True  # the tests given ``stores`` (tests/conftest.py)


class FakeWall:
    def __init__(self) -> None:
        self.now = WALL_START
        self.slept: list[float] = []

    def time(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


@pytest.fixture
def wall() -> FakeWall:
    return FakeWall()


def test_real_clock_follows_the_wall(wall):
    clock = Clock(SqliteStore(), wall)
    clock.configure("real")
    assert clock.now_ms() == WALL_START * 1000
    wall.now += 2.5
    assert clock.now_ms() == (WALL_START + 2.5) * 1000


def test_manual_clock_moves_only_when_advanced(wall):
    clock = Clock(SqliteStore(), wall)
    start = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)
    clock.configure("manual", start=start)
    wall.now += 100
    assert clock.now() == start
    assert clock.advance(1.5) == to_ms(start) + 1500
    assert clock.now_ms() == to_ms(start) + 1500


def test_manual_clock_refuses_to_go_backwards_and_real_clock_refuses_advance(wall):
    clock = Clock(SqliteStore(), wall)
    clock.configure("manual")
    with pytest.raises(Conflict):
        clock.advance(-1)
    clock.configure("real")
    with pytest.raises(Conflict):
        clock.advance(1)


def test_scaled_clock_runs_speed_times_faster(wall):
    clock = Clock(SqliteStore(), wall)
    clock.configure("real", speed=60)
    before = clock.now_ms()
    wall.now += 1
    assert clock.now_ms() - before == 60_000
    clock.wall_sleep(120)
    assert wall.slept == [2.0]


def test_a_restart_resumes_the_stored_clock(stores, wall):
    first = Clock(stores(), wall)
    first.configure("manual", start=datetime(2026, 1, 1, tzinfo=UTC))
    first.advance(3600)
    second = Clock(stores(), wall)
    second.configure("manual")
    assert second.now_ms() == first.now_ms()


def test_a_second_process_sees_a_manual_advance(stores, wall):
    first, second = Clock(stores(), wall), Clock(stores(), wall)
    first.configure("manual")
    second.configure("manual")
    first.advance(10)
    assert second.now_ms() == first.now_ms()


def test_real_clock_never_goes_backwards_after_a_clock_ran_ahead(stores, wall):
    manual = Clock(stores(), wall)
    manual.configure("manual")
    ahead = manual.advance(86_400)
    real = Clock(stores(), wall)
    real.configure("real")
    assert real.now_ms() == ahead


def test_wire_time_is_infobips_format():
    assert (
        wire_time(to_ms(datetime(2026, 11, 22, 10, 15, 0, 7000, tzinfo=UTC)))
        == "2026-11-22T10:15:00.007+0000"
    )


def test_a_host_reads_the_time_as_the_database_server_clock_it_measured():
    """Hosts sharing a PostgreSQL database read time through its server's clock (storage/postgres.py):
    the offset of another clock is measured over round trips, and the wall moved by it."""
    import time as real_time

    from mock_infobip.system.wall import OffsetWall, offset_ms

    ahead = offset_ms(lambda: real_time.time() + 5.0)
    assert abs(ahead - 5000) < 1000  # the reading is taken halfway through a round trip
    assert abs(offset_ms(lambda: real_time.time() - 2.5) + 2500) < 1000
    assert abs(OffsetWall(ahead).time() - real_time.time() - ahead / 1000) < 1

"""Hosts on PostgreSQL hear each other's changes (LISTEN/NOTIFY) instead of polling for them: new
work for the scheduler and a moved configuration (the clock, keys) reach every other process's
store as notices, and its scheduler's worker wakes on them (storage/postgres.py, Listener)."""

from __future__ import annotations

import queue
from collections.abc import Callable

import pytest

from mock_infobip.core.clock import Clock
from mock_infobip.storage.interface import Store
from mock_infobip.storage.postgres import PostgresStore
from tests.postgres import empty_database

pytestmark = pytest.mark.postgres
WAIT = 30  # seconds at most for a notice (it comes at the commit)


def heard(store: Store) -> Callable[[str], str]:
    """``until(kind)``: the next notice of that kind ``store`` hears (waited for)."""
    assert isinstance(store, PostgresStore) and store.listening(WAIT)
    notices: queue.Queue[str] = queue.Queue()
    store.subscribe(notices.put)

    def until(kind: str) -> str:
        while True:
            found = notices.get(timeout=WAIT)
            if found == kind:
                return found

    return until


def test_new_work_and_a_moved_clock_are_heard_by_another_store(postgres_url):
    from mock_infobip.storage.engines import open_store

    url = empty_database(postgres_url)
    here, there = open_store(url), open_store(url)
    try:
        until = heard(here)
        there.execute(
            "INSERT INTO status_events (due_at, message, status, error, final) VALUES (1, 1, 's', 'e', 1)"
        )
        assert until("work") == "work"
        before = here.version()
        clock = Clock(there)
        clock.configure("manual")
        assert until("config") == "config"
        assert here.version() > before
    finally:
        here.close()
        there.close()


def test_work_added_by_another_host_wakes_the_leading_scheduler(postgres_url, monkeypatch):
    """The scheduler's worker waits on notices: a push queued through another host is made at once
    by the leading one, whose worker would otherwise sleep until its next look (made a minute here,
    so only the notice can wake it)."""
    from mock_infobip.core.settings import Settings
    from mock_infobip.delivery import worker
    from mock_infobip.runtime import Runtime
    from tests.receivers import Receiver

    monkeypatch.setattr(worker, "QUIET_POLL", 60.0)
    url = empty_database(postgres_url)
    leader = Runtime(Settings(db=url, clock="manual", dispatch="background"))
    other = Runtime(Settings(db=url, clock="manual", dispatch="inline"))
    receiver = Receiver()
    try:
        woke = heard(leader.store)
        leader.start_worker()
        assert leader.worker.leading
        other.store.execute(
            "INSERT INTO deliveries (message, url, body, due_at, final, xml) "
            """VALUES (1, :url, '{"messageId":"m1"}', 0, 1, 0)""",
            {"url": receiver.url},
        )
        assert woke("work") == "work"
        assert receiver.wait_for(1, timeout=WAIT)
        assert receiver.results == [{"messageId": "m1"}]
    finally:
        leader.close()
        other.close()
        receiver.close()


def test_writes_of_different_accounts_do_not_wait_on_each_other(postgres_url):
    """An account's write holds that account's lock only: another account's write goes on while it
    is open, and a second write of the same account waits for it (seen waiting in pg_locks)."""
    import threading

    import psycopg

    from mock_infobip.storage.engines import open_store
    from mock_infobip.storage.interface import account_lock

    url = empty_database(postgres_url)
    store = open_store(url)
    held, release, second_done = threading.Event(), threading.Event(), threading.Event()

    def hold(lock: str) -> None:
        with store.write(lock) as conn:
            conn.execute("SELECT 1")
            held.set()
            assert release.wait(WAIT)

    def second() -> None:
        with store.write(account_lock(1)) as conn:
            conn.execute("SELECT 1")
        second_done.set()

    holder = threading.Thread(target=hold, args=(account_lock(1),))
    holder.start()
    try:
        assert held.wait(WAIT)
        with store.write(account_lock(2)) as conn:  # another account: at once, the first still open
            conn.execute("SELECT 1")
        waiter = threading.Thread(target=second)
        waiter.start()
        with psycopg.connect(url, autocommit=True) as watch:
            waiting = 0
            for _ in range(int(WAIT * 20)):  # until the second write is seen waiting on the lock
                waiting = watch.execute(
                    "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
                ).fetchone()[0]
                if waiting:
                    break
                threading.Event().wait(0.05)
            assert waiting == 1 and not second_done.is_set()
        release.set()
        assert second_done.wait(WAIT)
    finally:
        release.set()
        holder.join(WAIT)
        store.close()

"""Values kept per process (keys, whether faults are set, the clock's record) follow every change,
made by this process or another one on the database, at the next request (the first four on
SQLite and on PostgreSQL; the rest are SQLite's counter file)."""

from __future__ import annotations

import multiprocessing

import pytest

from mock_infobip.core.clock import Clock
from mock_infobip.core.faults import FaultRules
from mock_infobip.core.randomness import Randomness
from mock_infobip.identity.accounts import AccountsService
from mock_infobip.storage.interface import Store
from mock_infobip.storage.sqlite import SqliteStore
from mock_infobip.storage.versions import Version
from mock_infobip.system.wall import SystemWall

BOTH_BACKENDS = True  # the tests given ``stores`` (tests/conftest.py)


def _services(store: SqliteStore) -> tuple[Store, AccountsService, FaultRules, Clock]:
    clock = Clock(store, SystemWall())
    return store, AccountsService(store, clock), FaultRules(store, Randomness(7)), clock


def test_a_key_revoked_by_another_connection_is_refused_at_once(stores):
    _, here, _, _ = _services(stores())
    _, there, _, _ = _services(stores())
    here.create("acme", ["k1"])
    assert there.by_key("k1") is not None  # cached now
    assert there.by_key("nope") is None
    here.set_revoked("k1", True)
    assert there.by_key("k1") is None
    here.set_revoked("k1", False)
    assert there.by_key("k1") is not None
    here.create("other", ["nope"])  # a key that was unknown is known from now on
    assert there.by_key("nope") is not None


def test_a_fault_set_or_cleared_elsewhere_is_seen_at_the_next_request(stores):
    _, _, here, _ = _services(stores())
    _, _, there, _ = _services(stores())
    assert there.take("POST", "/sms/2/text/advanced", None) is None
    here.add({"method": "POST", "path": "/sms/2/text/advanced", "status": 503})
    fault = there.take("POST", "/sms/2/text/advanced", None)
    assert fault is not None and fault.status == 503
    here.delete()
    assert there.take("POST", "/sms/2/text/advanced", None) is None


def test_the_clock_moved_by_another_connection_is_read_at_once(stores):
    _, _, _, here = _services(stores())
    _, _, _, there = _services(stores())
    here.configure("manual")
    start = there.now_ms()
    assert start == here.now_ms()
    here.advance(3600)
    assert there.now_ms() == start + 3_600_000
    there.advance(1)
    assert here.now_ms() == start + 3_601_000


def test_a_change_rolled_back_keeps_what_was_cached(stores):
    store = stores()
    loads: list[int] = []

    def cached() -> int:
        return store.cached("x", lambda: loads.append(1) or len(loads))

    assert cached() == cached() == 1
    with pytest.raises(RuntimeError), store.write() as conn:
        conn.execute(
            "INSERT INTO faults (method, path, latency_ms, drop_connection, truncate, probability) "
            "VALUES ('GET', '/x', 0, 0, 0, 1)"
        )
        raise RuntimeError("abort")
    assert cached() == 1
    store.execute(
        "INSERT INTO journal (at, method, path, query, status, request_body, response_body) "
        "VALUES (0, 'GET', '/x', '', 200, '', '')"
    )  # not a watched table
    assert cached() == 1
    FaultRules(store, Randomness(7)).add({"path": "/x"})
    assert cached() == 2


def test_an_in_memory_store_counts_its_own_changes():
    store = SqliteStore()
    loads = []
    value = store.cached("x", lambda: loads.append(1) or len(loads))
    assert store.cached("x", lambda: loads.append(1) or len(loads)) == value == 1
    store.execute("INSERT INTO accounts (name, identifier, created_at) VALUES ('a', 'b', 0)")
    assert store.cached("x", lambda: loads.append(1) or len(loads)) == 2


def _bump(path: str, times: int) -> None:
    version = Version(path)
    for _ in range(times):
        version.bump()
    version.close()


def test_no_increment_is_lost_between_processes(tmp_path):
    path = str(tmp_path / "f.db")
    context = multiprocessing.get_context("fork")
    workers = [context.Process(target=_bump, args=(path, 2000)) for _ in range(3)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert Version(path).current() == 6000


def test_a_folder_that_cannot_hold_the_counter_caches_nothing(tmp_path):
    version = Version(str(tmp_path / "missing" / "f.db"))
    store = SqliteStore()
    store.version = version
    loads = []
    store.cached("x", lambda: loads.append(1))
    store.cached("x", lambda: loads.append(1))
    assert len(loads) == 2


def test_a_list_created_meanwhile_by_another_worker_is_the_one_answered(stores):
    """Two workers create one name at once: the one whose insert meets the other's row answers
    with that list, and there is one list of that name."""
    from mock_infobip.channels.lists.service import ListsService

    here_store, here_accounts, _, here_clock = _services(stores())
    there_store, _, _, there_clock = _services(stores())
    account = here_accounts.create("acme", ["k1"])
    here, there = ListsService(here_store, here_clock), ListsService(there_store, there_clock)
    for name in ("a", "b", "c"):
        there.create_list(account, name)
    made_there: list[int] = []
    execute = here_store.execute

    def after_the_other(sql, params=()):  # the other worker's insert lands between read and write
        if sql.startswith("INSERT INTO lists") and not made_there:
            made_there.append(there.create_list(account, "Churn"))
        return execute(sql, params)

    here_store.execute = after_the_other  # type: ignore[method-assign]
    assert here.create_list(account, "Churn") == made_there[0]
    with there_store.read() as conn:
        assert conn.execute("SELECT count(*) FROM lists WHERE name = 'Churn'").fetchone()[0] == 1


@pytest.mark.parametrize("which", ["one", "all"])
def test_deleting_faults_in_another_worker_releases_a_held_request(stores, which):
    """``serve --workers 2``: a request held by a latency in one worker answers when the faults
    are deleted through the other (DELETE /__admin/faults or /__admin/faults/{id})."""
    import threading

    _, _, here, clock = _services(stores())
    _, _, there, _ = _services(stores())
    fault = here.add({"path": "/saas/amplitude/1/lists", "latencyMs": 60_000})
    taken = here.take("POST", "/saas/amplitude/1/lists", None)
    assert taken is not None and taken.latency_ms == 60_000
    held = threading.Thread(target=clock.real_sleep, args=(60, *here.holding()), daemon=True)
    held.start()
    held.join(0.3)
    assert held.is_alive()  # held by the latency
    there.delete(fault.id if which == "one" else None)
    held.join(10)  # not the fault's 60 s
    assert not held.is_alive()


def test_a_list_id_is_kept_until_a_list_is_deleted_in_any_process(stores):
    """A create that names an existing list is answered from this process's memory, until any
    process deletes a list: then the name is looked up again (a deleted list is never answered)."""
    from mock_infobip.channels.lists.service import ListsService

    here_store, here_accounts, _, here_clock = _services(stores())
    there_store, _, _, there_clock = _services(stores())
    account = here_accounts.create("acme", ["k1"])
    here, there = ListsService(here_store, here_clock), ListsService(there_store, there_clock)
    first = here.create_list(account, "Churn")  # made: nothing kept yet
    assert here.create_list(account, "Churn") == first  # looked up, and kept
    lookups: list[str] = []
    look_up = here._list_id

    def counting(account, name):  # type: ignore[no-untyped-def]
        lookups.append(name)
        return look_up(account, name)

    here._list_id = counting  # type: ignore[method-assign]
    assert here.create_list(account, "Churn") == first
    assert lookups == []  # from memory
    there.delete(first)
    again = here.create_list(account, "Churn")
    assert again != first and lookups  # looked up again, and made anew
    with there_store.read() as conn:
        assert conn.execute("SELECT count(*) FROM lists WHERE name = 'Churn'").fetchone()[0] == 1


@pytest.mark.postgres
def test_requests_of_one_turn_of_the_loop_share_the_version_one_of_them_read(postgres_url):
    """The server's loop serves the requests it read in one turn with the configuration version
    the first of them read (all of them arrived before it was read); the next turn reads again,
    and a write of the turn's own makes the next request read again."""
    from mock_infobip.storage.engines import open_store
    from tests.postgres import empty_database

    url = empty_database(postgres_url)
    here, there = open_store(url), open_store(url)
    try:
        _, accounts, _, _ = _services(here)  # type: ignore[arg-type]
        _, elsewhere, _, _ = _services(there)  # type: ignore[arg-type]
        elsewhere.create("acme", ["k1"])
        with here.request(turn=True):
            assert accounts.by_key("k1") is not None
        elsewhere.set_revoked("k1", True)  # after the turn's first request read the version
        with here.request(turn=True):
            assert accounts.by_key("k1") is not None  # the same turn: as the first one saw it
        here.end_turn()
        with here.request(turn=True):
            assert accounts.by_key("k1") is None  # a new turn reads the version again
        elsewhere.set_revoked("k1", False)
        with here.request(turn=True):
            here.execute("INSERT INTO meta (key, value) VALUES ('x', 'y')")  # a write of its own
        with here.request(turn=True):
            assert accounts.by_key("k1") is not None  # read again after it
        with here.request():
            assert accounts.by_key("k1") is not None
        elsewhere.set_revoked("k1", True)
        with here.request():  # a request off the loop reads it every time
            assert accounts.by_key("k1") is None
    finally:
        here.close()
        there.close()

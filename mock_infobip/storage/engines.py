"""Which store a database is: a SQLite file (``storage/sqlite.py``) or a PostgreSQL URL
(``storage/postgres.py``, the ``postgres`` extra). One interface, two engines."""

from __future__ import annotations

import importlib.util

from mock_infobip.storage import locator
from mock_infobip.storage.interface import Store
from mock_infobip.storage.sqlite import SqliteStore, UnusableDatabase


def open_store(db: str, *, synchronous: str = "NORMAL", connections: int = 8, wait: float = 0) -> Store:
    """The store of ``db``: a SQLite file (or ``:memory:``), or a PostgreSQL URL (the ``postgres``
    extra: ``storage/postgres.py``, with a pool of up to ``connections``; a server not up yet is waited
    for up to ``wait`` seconds). One interface, two engines."""
    if not locator.is_postgres(db):
        return SqliteStore(db, synchronous=synchronous)
    if importlib.util.find_spec("psycopg") is None or importlib.util.find_spec("psycopg_pool") is None:
        raise UnusableDatabase(
            f"database {locator.shown(db)!r} cannot be used: PostgreSQL needs psycopg 3 and its pool: "
            "pip install 'mock-infobip[postgres]'"
        )
    if locator.parsed(db) is None:  # refused before any connection: libpq's message would quote it
        raise UnusableDatabase(f"database cannot be used: {locator.UNREADABLE} ({locator.UNREADABLE_HINT})")
    from mock_infobip.storage.postgres import PostgresStore

    return PostgresStore(db, connections=connections, wait=wait)

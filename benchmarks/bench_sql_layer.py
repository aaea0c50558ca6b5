"""Does a query layer (SQLAlchemy Core) earn its cost in the store? (issue #26: "decide, with
measurements, whether a query layer such as SQLAlchemy Core removes more duplicated SQL than it
costs"). Times the two statements every request of the Infobip API runs (the API key's lookup and
the rate limit's one-statement upsert) through:

- the driver itself (sqlite3 with ``:name``; psycopg 3 with ``%(name)s``),
- the store's own connection, as the services run them (issue #35: named parameters, bound to
  psycopg's style by ``storage/sql.py``'s tokenizer, cached; on SQLite the driver binds them),
- SQLAlchemy Core with the same SQL text (``text()``),
- SQLAlchemy Core expressions (``select()``, the dialect's ``insert().on_conflict_do_update()``),

on SQLite (a file) and on PostgreSQL (a throw-away server from Debian's binaries, as the tests
start it). Needs SQLAlchemy, which the project does not depend on: ``pip install sqlalchemy``.

    .venv/bin/python benchmarks/bench_sql_layer.py [--rounds 5000]
"""

from __future__ import annotations

import argparse
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from mock_infobip.storage.dialect import POSTGRES
from mock_infobip.storage.migrations import upgrade
from mock_infobip.storage.sql import pyformat

LOOKUP = "SELECT k.revoked, a.* FROM api_keys k JOIN accounts a ON a.id = k.account_id WHERE k.key = :key"
UPSERT = (
    "INSERT INTO rate_windows (principal, operation, last_admitted) VALUES (:p, :o, :t) "
    "ON CONFLICT (principal, operation) DO UPDATE SET last_admitted = excluded.last_admitted "
    "WHERE excluded.last_admitted - rate_windows.last_admitted >= :gap"
)


def timed(rounds: int, one: Callable[[int], object]) -> float:
    """Median microseconds a call over 5 runs of ``rounds`` calls."""
    runs = []
    for _ in range(5):
        started = time.perf_counter()
        for i in range(rounds):
            one(i)
        runs.append((time.perf_counter() - started) / rounds * 1e6)
    return statistics.median(runs)


def seed(execute: Callable[[str], object]) -> None:
    execute("INSERT INTO accounts (id, name, identifier, created_at) VALUES (1, 'default', 'email', 0)")
    execute("INSERT INTO api_keys (key, account_id, revoked) VALUES ('k', 1, 0)")


def sqlalchemy_cases(url: str, rounds: int) -> dict[str, float]:
    """The two statements through SQLAlchemy: the same SQL text, then Core expressions (the upsert
    built with the engine's own dialect: ``sqlite.insert`` or ``postgresql.insert``)."""
    from sqlalchemy import MetaData as Meta
    from sqlalchemy import Table, create_engine, select, text
    from sqlalchemy.dialects import postgresql, sqlite

    insert = (sqlite if url.startswith("sqlite") else postgresql).insert
    engine = create_engine(url)
    meta = Meta()
    keys = Table("api_keys", meta, autoload_with=engine)
    windows = Table("rate_windows", meta, autoload_with=engine)
    lookup, upsert = text(LOOKUP), text(UPSERT)
    found = {}
    with engine.connect() as sa:
        found["lookup, SQLAlchemy text"] = timed(
            rounds, lambda i: sa.execute(lookup, {"key": "k"}).fetchone()
        )
        found["upsert, SQLAlchemy text"] = timed(
            rounds, lambda i: (sa.execute(upsert, {"p": "p", "o": "op", "t": i * 10, "gap": 1}), sa.commit())
        )
        expression = select(keys).where(keys.c.key == "k")
        found["lookup, SQLAlchemy Core"] = timed(rounds, lambda i: sa.execute(expression).fetchone())

        def core_upsert(i: int) -> None:
            statement = insert(windows).values(principal="p", operation="op", last_admitted=i * 10)
            statement = statement.on_conflict_do_update(
                index_elements=["principal", "operation"],
                set_={"last_admitted": statement.excluded.last_admitted},
                where=statement.excluded.last_admitted - windows.c.last_admitted >= 1,
            )
            sa.execute(statement)
            sa.commit()

        found["upsert, SQLAlchemy Core"] = timed(rounds, core_upsert)
    engine.dispose()
    return found


def sqlite_cases(folder: Path, rounds: int) -> dict[str, float]:
    path = folder / "bench.db"
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.row_factory = sqlite3.Row
    conn.execute("BEGIN IMMEDIATE")
    upgrade(conn)
    seed(conn.execute)
    conn.execute("COMMIT")
    found = {
        "lookup, sqlite3": timed(rounds, lambda i: conn.execute(LOOKUP, {"key": "k"}).fetchone()),
        "upsert, sqlite3": timed(
            rounds, lambda i: conn.execute(UPSERT, {"p": "p", "o": "op", "t": i * 10, "gap": 1})
        ),
    }
    conn.close()
    from mock_infobip.storage.sqlite import SqliteStore

    store = SqliteStore(str(path))
    found["lookup, the store"] = timed(rounds, lambda i: store.execute(LOOKUP, {"key": "k"}).fetchone())
    found["upsert, the store"] = timed(
        rounds, lambda i: store.execute(UPSERT, {"p": "p", "o": "op", "t": i * 10, "gap": 1})
    )
    store.close()
    found.update(sqlalchemy_cases(f"sqlite:///{path}", rounds))
    return found


def postgres_cases(rounds: int) -> dict[str, float]:
    import psycopg

    from tests.postgres import postgres_server

    with postgres_server() as url:
        from mock_infobip.storage.pgconnection import Connection

        conn = psycopg.connect(url, autocommit=True)
        with conn.transaction():
            upgrade(Connection(conn), POSTGRES)
            seed(conn.execute)
        lookup_pg, upsert_pg = pyformat(LOOKUP).text, pyformat(UPSERT).text
        ours = Connection(conn)
        found = {
            "lookup, psycopg": timed(rounds, lambda i: conn.execute(lookup_pg, {"key": "k"}).fetchone()),
            "upsert, psycopg": timed(
                rounds, lambda i: conn.execute(upsert_pg, {"p": "p", "o": "op", "t": i * 10, "gap": 1})
            ),
            "lookup, the store": timed(rounds, lambda i: ours.execute(LOOKUP, {"key": "k"}).fetchone()),
            "upsert, the store": timed(
                rounds, lambda i: ours.execute(UPSERT, {"p": "p", "o": "op", "t": i * 10, "gap": 1})
            ),
        }
        found.update(sqlalchemy_cases(url.replace("postgresql://", "postgresql+psycopg://"), rounds))
        conn.close()
    return found


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5000)
    rounds = parser.parse_args().rounds
    with tempfile.TemporaryDirectory() as folder:
        for engine, found in (
            ("SQLite", sqlite_cases(Path(folder), rounds)),
            ("PostgreSQL", postgres_cases(rounds)),
        ):
            print(f"{engine} (µs a statement, median of 5 runs of {rounds:,}):")
            for statement in ("lookup", "upsert"):
                base = next(v for k, v in found.items() if k.startswith(statement))
                for name, value in found.items():
                    if name.startswith(statement):
                        print(f"  {name:<28} {value:8.1f}  {value / base:5.2f} ×")


if __name__ == "__main__":
    main()

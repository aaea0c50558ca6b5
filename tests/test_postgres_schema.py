"""Schema versions on PostgreSQL (a real server: tests/postgres.py): the migrations bring an empty
database to the current version with the tables and columns a new SQLite database has, again
changing nothing, and a newer database is refused and left as it is."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from typing import Any

import pytest

from mock_infobip.storage.dialect import POSTGRES
from mock_infobip.storage.migrations import SCHEMA_VERSION, VERSION_KEY, NewerDatabase, upgrade, version_of
from mock_infobip.storage.pgconnection import Connection
from mock_infobip.storage.sqlite import SqliteStore

pytestmark = pytest.mark.postgres


@pytest.fixture
def database(postgres_url: str) -> Iterator[Any]:
    """An empty schema of its own on the test server, for one test."""
    import psycopg

    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute("DROP SCHEMA IF EXISTS public CASCADE")
        conn.execute("CREATE SCHEMA public")
        yield conn


def postgres_tables(conn: Any) -> dict[str, set[str]]:
    rows = conn.execute(
        "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'public'"
    ).fetchall()
    found: dict[str, set[str]] = {}
    for table, column in rows:
        found.setdefault(table, set()).add(column)
    return found


def sqlite_tables(tmp_path: Any) -> dict[str, set[str]]:
    path = tmp_path / "new.db"
    SqliteStore(str(path)).close()
    conn = sqlite3.connect(path)
    try:
        names = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        return {
            name: {c[1] for c in conn.execute(f"PRAGMA table_info({name})")}
            for name in names
            if name != "sqlite_sequence"
        }
    finally:
        conn.close()


def test_an_empty_database_gets_the_schema_of_a_new_sqlite_database(database, tmp_path):
    with database.transaction():
        assert upgrade(Connection(database), POSTGRES) == (None, SCHEMA_VERSION)
    assert version_of(Connection(database), POSTGRES) == SCHEMA_VERSION
    assert postgres_tables(database) == sqlite_tables(tmp_path)
    with database.transaction():
        assert upgrade(Connection(database), POSTGRES) == (SCHEMA_VERSION, SCHEMA_VERSION)
    assert postgres_tables(database) == sqlite_tables(tmp_path)


def test_identities_and_types_are_postgresqls(database):
    with database.transaction():
        upgrade(Connection(database), POSTGRES)
    insert = "INSERT INTO accounts (name, identifier, created_at) VALUES ('a', 'email', 1) RETURNING id"
    made = database.execute(insert).fetchone()[0]
    assert made == 1
    database.execute(
        "INSERT INTO uploads (upload_id, account_id, media_type, size, data, uploaded_at, expires_at) "
        "VALUES ('u', 1, 'image/png', 3, %s, 0, 1)",
        (b"\x89PN",),
    )
    assert database.execute("SELECT data FROM uploads").fetchone()[0] == b"\x89PN"


def test_a_newer_database_is_refused_and_left_as_it_is(database):
    with database.transaction():
        upgrade(Connection(database), POSTGRES)
    database.execute("UPDATE meta SET value = %s WHERE key = %s", (str(SCHEMA_VERSION + 1), VERSION_KEY))
    with pytest.raises(NewerDatabase), database.transaction():
        upgrade(Connection(database), POSTGRES)
    assert version_of(Connection(database), POSTGRES) == SCHEMA_VERSION + 1


def test_db_upgrade_seed_and_the_banner_take_a_postgresql_url(database, postgres_url, tmp_path):
    """The commands take the URL (or DATABASE_URL) as they take a file; its password never shows."""
    from tests.servers import run_cli, serve

    url = postgres_url.replace("postgres@", "postgres:s3cret@")  # trust auth: any password is let in
    made = run_cli("db", "upgrade", "--db", url)
    assert made.returncode == 0, made.stderr
    shown = url.replace(":s3cret@", ":***@")
    assert made.stdout == f"{shown}: a new database, made at schema version {SCHEMA_VERSION}\n"
    again = run_cli("db", "upgrade", env={"DATABASE_URL": url})
    assert again.stdout == f"{shown}: schema version {SCHEMA_VERSION}, nothing to do\n", again.stderr
    seeded = run_cli(
        "seed",
        "--accounts",
        "1",
        "--lists",
        "1",
        "--members",
        "5",
        "--messages",
        "20",
        env={"DATABASE_URL": url},
    )
    assert seeded.returncode == 0 and seeded.stdout.endswith(f"to {shown}\n"), seeded.stderr
    host = serve(env={"DATABASE_URL": url}, cwd=tmp_path)
    try:
        assert f"database: {shown}\n" in host.lines and "s3cret" not in "".join(host.lines)
        assert len(host.get("/__admin/messages").json()["messages"]) == 20
    finally:
        host.stop()


def test_a_sql_ascii_database_gives_text_back_as_text(postgres_url):
    """initdb without a UTF-8 locale (a bare Debian container's) makes SQL_ASCII databases, on which
    psycopg returns text as bytes unless the client encoding says UTF-8."""
    import psycopg

    from mock_infobip.runtime import Runtime
    from tests.conftest import make_settings

    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute("DROP DATABASE IF EXISTS plain_ascii")
        conn.execute(
            "CREATE DATABASE plain_ascii ENCODING 'SQL_ASCII' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0"
        )
    url = postgres_url.rsplit("/", 1)[0] + "/plain_ascii"
    runtime = Runtime(make_settings(db=url, seed=None, api_keys=("key-1",)))
    try:
        account = runtime.default_account
        list_id = runtime.lists.create_list(account, "Čokolada ✓")
        assert runtime.lists.describe(list_id)["name"] == "Čokolada ✓"
        assert runtime.api_keys == ["key-1"]
    finally:
        runtime.close()
    again = Runtime(make_settings(db=url, seed=None, api_keys=("key-1",)))  # the seed stored, read back
    try:
        assert again.lists.describe(list_id)["name"] == "Čokolada ✓"
    finally:
        again.close()

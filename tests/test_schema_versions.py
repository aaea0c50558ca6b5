"""Schema versions: a database made by the previous release (0.1.0, before versions:
tests/data/db-0.1.0.sql) is brought to this release's schema when opened, keeps everything it held
and gains what is new; the schema it reaches is the one a new database gets; a database of a newer
mock-infobip is refused and left as it is; ``mock-infobip db upgrade`` does it on demand."""

from __future__ import annotations

import signal
import socket
import sqlite3
import subprocess
from pathlib import Path

import pytest
import requests

from mock_infobip.storage.engines import open_store
from mock_infobip.storage.migrations import SCHEMA_VERSION, VERSION_KEY
from mock_infobip.storage.sqlite import SqliteStore, UnusableDatabase
from tests.servers import command, serve

OLD = Path(__file__).parent / "data" / "db-0.1.0.sql"
HEADERS = {"Authorization": "App old-release-key"}


def old_database(folder: Path) -> Path:
    path = folder / "old.db"
    conn = sqlite3.connect(path)
    conn.executescript(OLD.read_text())
    conn.close()
    return path


def tables(path: Path) -> dict[str, set[tuple[str, str]]]:
    """Every table's columns (name, declared type) and every index's name."""
    conn = sqlite3.connect(path)
    try:
        names = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        found = {name: {(c[1], c[2]) for c in conn.execute(f"PRAGMA table_info({name})")} for name in names}
        found["(indexes)"] = {
            (r[0], "") for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'index'")
        }
        return found
    finally:
        conn.close()


def recorded_version(path: Path) -> int | None:
    conn = sqlite3.connect(path)
    try:
        row = conn.execute("SELECT value FROM meta WHERE key = ?", (VERSION_KEY,)).fetchone()
        return None if row is None else int(row[0])
    finally:
        conn.close()


def test_a_database_of_the_previous_release_is_served_with_all_it_held_and_what_is_new(tmp_path):
    path = old_database(tmp_path)
    assert recorded_version(path) is None
    server = serve("--db", str(path), "--clock", "manual")
    try:
        assert f"database: {path} (upgraded from schema version 0 to {SCHEMA_VERSION})\n" in server.lines
        lists = server.get("/__admin/lists").json()["lists"]
        assert [(entry["name"], entry["memberCount"]) for entry in lists] == [("[Amplitude] Churn: 1", 2)]
        (log,) = requests.get(server.base_url + "/sms/1/logs", headers=HEADERS).json()["results"]
        assert log["text"] == "Made by 0.1.0"
        made = requests.post(server.base_url + "/2fa/2/applications", json={"name": "new"}, headers=HEADERS)
        assert made.status_code == 200  # a table the previous release did not have
        upload = {"X-Content-Id": "a", "X-Media-Type": "image/png", **HEADERS}
        assert (
            requests.post(server.base_url + "/mms/1/content", data=b"png", headers=upload).status_code == 200
        )
    finally:
        server.stop(signal.SIGTERM)
    assert recorded_version(path) == SCHEMA_VERSION


def test_the_upgraded_schema_is_the_schema_of_a_new_database(tmp_path):
    old = old_database(tmp_path)
    SqliteStore(str(old)).close()
    new = tmp_path / "new.db"
    SqliteStore(str(new)).close()
    assert tables(old) == tables(new)
    assert recorded_version(new) == SCHEMA_VERSION


def test_opening_again_changes_nothing(tmp_path):
    path = tmp_path / "f.db"
    store = SqliteStore(str(path))
    assert store.upgraded == (None, SCHEMA_VERSION)  # a new database
    store.close()
    before = tables(path)
    store = SqliteStore(str(path))
    assert store.upgraded == (SCHEMA_VERSION, SCHEMA_VERSION)
    store.close()
    assert tables(path) == before


@pytest.mark.parametrize("version", range(SCHEMA_VERSION))
def test_every_step_is_idempotent_a_database_told_an_older_version_is_brought_up_again(tmp_path, version):
    """A database whose recorded version is behind what it holds (a step applied, the version not
    yet written) runs the steps past it again without an error and reaches the same schema."""
    path = tmp_path / "f.db"
    SqliteStore(str(path)).close()
    before = tables(path)
    conn = sqlite3.connect(path)
    conn.execute("UPDATE meta SET value = ? WHERE key = ?", (str(version), VERSION_KEY))
    conn.commit()
    conn.close()
    store = SqliteStore(str(path))
    assert store.upgraded == (version, SCHEMA_VERSION)
    store.close()
    assert tables(path) == before


def test_a_database_of_a_newer_mock_infobip_is_refused_and_left_as_it_is(tmp_path):
    path = tmp_path / "newer.db"
    SqliteStore(str(path)).close()
    conn = sqlite3.connect(path)
    conn.execute("UPDATE meta SET value = ? WHERE key = ?", (str(SCHEMA_VERSION + 1), VERSION_KEY))
    conn.commit()
    conn.close()
    before = path.read_bytes()
    with pytest.raises(UnusableDatabase, match=f"schema is version {SCHEMA_VERSION + 1}, made by a newer"):
        SqliteStore(str(path))
    done = subprocess.run(
        [*command(), "serve", "--port", "0", "--db", str(path)], capture_output=True, text=True
    )
    assert done.returncode == 2 and "made by a newer mock-infobip" in done.stderr
    assert "Traceback" not in done.stderr
    assert path.read_bytes() == before


def test_db_upgrade_on_demand(tmp_path):
    path = old_database(tmp_path)
    first = subprocess.run([*command(), "db", "upgrade", "--db", str(path)], capture_output=True, text=True)
    assert first.returncode == 0
    assert first.stdout == f"{path}: upgraded from schema version 0 to {SCHEMA_VERSION}\n"
    again = subprocess.run([*command(), "db", "upgrade", "--db", str(path)], capture_output=True, text=True)
    assert again.stdout == f"{path}: schema version {SCHEMA_VERSION}, nothing to do\n"
    missing = subprocess.run(
        [*command(), "db", "upgrade", "--db", str(tmp_path / "none.db")], capture_output=True, text=True
    )
    assert missing.returncode == 1 and "no database at" in missing.stderr
    assert not (tmp_path / "none.db").exists()


def test_a_postgresql_database_that_cannot_be_reached_is_one_clear_error_without_its_password():
    with socket.socket() as probe:  # a loopback port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(UnusableDatabase, match="cannot be used") as refused:
        open_store(f"postgresql://ops:s3cret@127.0.0.1:{port}/mock?connect_timeout=5")
    assert "s3cret" not in str(refused.value) and "ops:***@127.0.0.1" in str(refused.value)
    with pytest.raises(UnusableDatabase, match="open it with open_store") as direct:
        SqliteStore("postgresql://ops:s3cret@db.example/mock")
    assert "s3cret" not in str(direct.value)

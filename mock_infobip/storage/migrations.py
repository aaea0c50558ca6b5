"""Schema versions: the database records the version of its schema (``meta.schema_version``), each
version's changes are applied in order when a database is opened (or by ``mock-infobip db
upgrade``), and a database made by a newer mock-infobip is refused with a clear error, never
changed. Every step is idempotent (``IF NOT EXISTS``, columns added only when missing), so a file
made before schema versions existed (0.1.0 and older: version 0) is brought up the same way.

To change the schema: add a text to ``schema.py`` and a :class:`Migration` here, never edit one
that was released.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mock_infobip.storage.dialect import SQLITE, Dialect
from mock_infobip.storage.schema import (
    ADDED_COLUMNS,
    COPY_IN_ORDER,
    DASHBOARD_SIGNINS,
    FLOODING_INDEX,
    LIST_DELETIONS,
    MESSAGE_NUMBERS,
    ORDERED_IDS,
    RETENTION_INDEXES,
    SCHEMA,
    SEARCH_INDEXES,
    TENANT_COLUMNS,
    TENANTS,
    TFA,
    UPLOADS,
)

VERSION_KEY = "schema_version"


@dataclass(frozen=True)
class Migration:
    version: int
    what: str
    sql: str
    # also add these columns ({table: {column: declaration}}) where a table lacks them
    add_columns: dict[str, dict[str, str]] | None = None
    # words an engine says its own way: {copy} in ``sql`` is this mapping's text for the engine
    by_engine: dict[str, str] | None = None


MIGRATIONS = (
    Migration(1, "the schema of 0.1.0", SCHEMA, add_columns=ADDED_COLUMNS),
    Migration(2, "MMS content uploads (POST /mms/1/content)", UPLOADS),
    Migration(3, "2FA: applications, templates, PINs, limits, forced PINs", TFA),
    Migration(4, "ids to order message history and API keys by", ORDERED_IDS, by_engine=COPY_IN_ORDER),
    Migration(5, "message numbers past every message id", MESSAGE_NUMBERS),
    Migration(6, "the dashboard's sign-ins, kept on the server", DASHBOARD_SIGNINS),
    Migration(7, "indexes retention prunes by", RETENTION_INDEXES),
    Migration(
        8,
        "the flooding mechanism: an index, and a switch an account",
        FLOODING_INDEX,
        add_columns=ADDED_COLUMNS,
    ),
    Migration(9, "indexes the search finds messages by (to, from, MMS)", SEARCH_INDEXES),
    Migration(
        10,
        "tenants: a callback attempt's account, sign-ins with an API key",
        TENANTS,
        add_columns=TENANT_COLUMNS,
    ),
    Migration(11, "a list's deletion moves the configuration version", LIST_DELETIONS),
)
SCHEMA_VERSION = MIGRATIONS[-1].version


class NewerDatabase(Exception):
    """The database was made by a newer mock-infobip than this one."""


def version_of(conn: Any, dialect: Dialect = SQLITE) -> int | None:
    """The schema version a database records: None for a new (empty) one, 0 for one made before
    schema versions (0.1.0 and older)."""
    if not dialect.table_exists(conn, "meta"):
        return None
    row = conn.execute("SELECT value FROM meta WHERE key = :key", {"key": VERSION_KEY}).fetchone()
    return 0 if row is None else int(row[0])


def upgrade(conn: Any, dialect: Dialect = SQLITE) -> tuple[int | None, int]:
    """Bring the database (in the caller's write transaction) to :data:`SCHEMA_VERSION`; the
    version found (None: a new database) and the version now. A newer database raises
    :class:`NewerDatabase` and is not changed. The same on SQLite and on PostgreSQL."""
    recorded = version_of(conn, dialect)
    found = recorded or 0
    if found > SCHEMA_VERSION:
        raise NewerDatabase(
            f"its schema is version {found}, made by a newer mock-infobip (this one knows versions up to "
            f"{SCHEMA_VERSION}): upgrade mock-infobip, or use another --db"
        )
    for migration in MIGRATIONS:
        if migration.version > found:
            _apply(conn, migration, dialect)
    if found < SCHEMA_VERSION:
        conn.execute(
            "INSERT INTO meta (key, value) VALUES (:key, :value) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            {"key": VERSION_KEY, "value": str(SCHEMA_VERSION)},
        )
    return recorded, SCHEMA_VERSION


def _apply(conn: Any, migration: Migration, dialect: Dialect) -> None:
    """The migration's statements, and its columns where a table lacks them: before the statements
    on the tables there already (an index may name a new column), after them on the tables they
    made."""
    _add_missing_columns(conn, migration, dialect)
    copy = {} if migration.by_engine is None else {"copy": migration.by_engine[dialect.name]}
    for statement in dialect.ddl(migration.sql, copy).split(";"):
        if statement.strip():
            conn.execute(statement)
    _add_missing_columns(conn, migration, dialect)


def _add_missing_columns(conn: Any, migration: Migration, dialect: Dialect) -> None:
    for table, columns in (migration.add_columns or {}).items():
        if not dialect.table_exists(conn, table):
            continue
        present = dialect.columns(conn, table)
        for column, declaration in columns.items():
            if column not in present:
                conn.execute(dialect.add_column(table, column, declaration))

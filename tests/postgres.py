"""A throw-away PostgreSQL server for the PostgreSQL tier: Debian's binaries (``bash
.ci/install-postgres``), a cluster made by ``initdb`` in a temporary folder, ``pg_ctl`` on a free
loopback port and a socket in that folder, run as the ``postgres`` user when the tests run as root
(PostgreSQL refuses root). Stopped and removed at the end. Where the binaries are absent the tests
that need it say so in one line (the README says how to get them)."""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ABSENT = "PostgreSQL's server binaries are absent: bash .ci/install-postgres installs Debian's"


def binaries() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(p.split("/")[-2]))
    return Path(found[-1]) if found and Path(found[-1], "initdb").exists() else None


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _as_postgres(command: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


@contextmanager
def postgres_server(port: int | None = None, settings: str = "") -> Iterator[str]:
    """A running server (on ``port``, or a free one; ``settings``: more ``-c name=value``); yields
    the URL of its database ``mock``."""
    bin_dir = binaries()
    assert bin_dir is not None, ABSENT
    folder = Path(tempfile.mkdtemp(prefix="mock-infobip-pg-"))
    data = folder / "data"
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres", "postgres")
    port = port or free_port()
    run = {"check": True, "capture_output": True, "text": True}
    subprocess.run(
        _as_postgres(
            [str(bin_dir / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8"]
        ),
        **run,  # type: ignore[arg-type]
    )
    options = (
        f"-c listen_addresses=127.0.0.1 -c port={port} -c unix_socket_directories={folder} -c fsync=off "
        + settings
    )
    subprocess.run(
        _as_postgres(
            [
                str(bin_dir / "pg_ctl"),
                "-D",
                str(data),
                "-o",
                options,
                "-l",
                str(folder / "log"),
                "-w",
                "start",
            ]
        ),
        **run,  # type: ignore[arg-type]
    )
    try:
        subprocess.run(
            _as_postgres(
                [str(bin_dir / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "mock"]
            ),
            **run,  # type: ignore[arg-type]
        )
        yield f"postgresql://postgres@127.0.0.1:{port}/mock"
    finally:
        subprocess.run(
            _as_postgres([str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"]),
            capture_output=True,
        )
        shutil.rmtree(folder, ignore_errors=True)


def empty_database(url: str) -> str:
    """``url``'s database as a new one, for one test: its tables emptied (identities restarted)
    when it is at this release's schema version, else its schema dropped and made again."""
    import psycopg

    from mock_infobip.storage.migrations import SCHEMA_VERSION, VERSION_KEY

    with psycopg.connect(url, autocommit=True) as conn:
        current = conn.execute("SELECT to_regclass('meta')").fetchone()[0] is not None and conn.execute(
            "SELECT value FROM meta WHERE key = %s", (VERSION_KEY,)
        ).fetchone() == (str(SCHEMA_VERSION),)
        if not current:
            conn.execute("DROP SCHEMA IF EXISTS public CASCADE")
            conn.execute("CREATE SCHEMA public")
            return url
        tables = [r[0] for r in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")]
        conn.execute(f"TRUNCATE {', '.join(t for t in tables if t != 'meta')} RESTART IDENTITY")
        conn.execute("DELETE FROM meta WHERE key NOT IN (%s, 'config_version')", (VERSION_KEY,))
    return url

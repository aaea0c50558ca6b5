"""The configuration version: a counter every process on a database file sees without a query.

Each request reads what changes only through the admin API, the dashboard or start-up (API keys
and accounts, whether any fault is set, the clock's record). Reading them from SQLite costs a
statement each, and every statement lets go of the GIL, which under a threaded server costs far
more than the query (``benchmarks/README.md``). So the store keeps them per
process (:meth:`mock_infobip.storage.sqlite.Store.cached`), valid while this counter has not moved.

The counter lives in a file next to the database (``<db>-version``, 8 bytes, memory-mapped):
reading it is a memory read. A process that changed one of the watched tables increments it
after its commit, under an exclusive ``flock`` (so increments from several processes are never
lost); a reader reads the counter *before* loading, so a value it caches is never older than the
counter it is stored with. ``:memory:`` databases (one process) count in the process.

The same file's lock also takes the processes' writes in turn (:meth:`Version.hold_writes`). The
lock is the OS's ``flock`` where there is one (Unix: a system call, about a microsecond); elsewhere
(Windows) filelock's lock on ``<db>-version.lock`` (correct, and about 80 times slower). Either is
chosen when a database file is opened, never at import, so the package imports everywhere.
"""

from __future__ import annotations

import contextlib
import importlib
import mmap
import os
import struct
from collections.abc import Callable, Iterator
from typing import Any

_COUNTER = struct.Struct("<Q")
UNKNOWN = -1  # the counter cannot be read: nothing is cached


class Version:
    """The counter of one database file (or of a process, for ``:memory:``)."""

    def __init__(self, database_file: str | None) -> None:
        self._local = 0
        self._fd: int | None = None
        self._map: mmap.mmap | None = None
        self._lock: ProcessLock | None = None
        if not database_file:
            return
        try:
            fd = os.open(database_file + "-version", os.O_RDWR | os.O_CREAT, 0o644)
        except OSError:
            self._local = UNKNOWN  # e.g. a read-only folder: every lookup goes to the database
            return
        try:
            self._lock = ProcessLock(fd, database_file + "-version.lock")
            with self._lock.held():
                if os.fstat(fd).st_size < _COUNTER.size:
                    os.ftruncate(fd, _COUNTER.size)
            self._map = mmap.mmap(fd, _COUNTER.size)
        except OSError:
            os.close(fd)
            self._lock = None
            self._local = UNKNOWN
            return
        self._fd = fd

    def current(self) -> int:
        if self._map is None:
            return self._local
        value: int = _COUNTER.unpack_from(self._map, 0)[0]
        return value

    @property
    def lock(self) -> ProcessLock | None:
        """The lock across processes (None without a database file)."""
        return self._lock

    def hold_writes(self) -> None:
        """Wait for the other processes' writes to the file, and keep them waiting until
        :meth:`release_writes`. SQLite would poll for its write lock, sleeping 1, 2, 5… ms a try;
        this lock wakes the next writer as soon as the last one is done."""
        if self._lock is not None:
            self._lock.acquire()

    def release_writes(self) -> None:
        if self._lock is not None:
            self._lock.release()

    def bump(self) -> None:
        """After a commit that changed a watched table."""
        if self._map is None or self._lock is None:
            if self._local != UNKNOWN:
                self._local += 1
            return
        with self._lock.held():
            _COUNTER.pack_into(self._map, 0, (_COUNTER.unpack_from(self._map, 0)[0] + 1) % 2**63)

    def close(self) -> None:
        if self._map is not None:
            self._map.close()
            self._map = None
        self._lock = None
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


class ProcessLock:
    """An exclusive lock across processes on an open file: ``flock`` (Unix), else filelock's."""

    def __init__(self, fd: int, fallback_path: str) -> None:
        self.acquire: Callable[[], Any]
        self.release: Callable[[], Any]
        try:
            fcntl = importlib.import_module("fcntl")
        except ImportError:
            from filelock import FileLock

            lock = FileLock(fallback_path, thread_local=False)
            self.kind = "filelock"
            self.acquire, self.release = lock.acquire, lock.release
            return
        self.kind = "flock"
        flock, exclusive, unlocked = fcntl.flock, fcntl.LOCK_EX, fcntl.LOCK_UN
        self.acquire = lambda: flock(fd, exclusive)
        self.release = lambda: flock(fd, unlocked)

    @contextlib.contextmanager
    def held(self) -> Iterator[None]:
        self.acquire()
        try:
            yield
        finally:
            self.release()

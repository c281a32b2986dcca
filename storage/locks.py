"""One scheduler per database: a PostgreSQL advisory lock, or an flock on a file beside SQLite.

Both locks die with the process that holds them, so a crash never leaves a stale lock behind.
A holder calls `keep()` now and then: a PostgreSQL lock dies with its connection too (a
terminated backend, a restarted server), and the holder must learn that before another
scheduler takes over.
"""

from __future__ import annotations

import fcntl
import json
import os
import socket
from contextlib import suppress
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

from sqlalchemy import Connection, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from storage.db import Database, StorageError

# An arbitrary constant naming "the repwatch scheduler" among advisory locks on this database.
ADVISORY_KEY = 0x7265_7077  # "repw"


class AlreadyRunning(RuntimeError):
    """Another scheduler holds the database; the message says which process."""


class SchedulerLock(Protocol):
    def keep(self) -> bool:
        """True while this process still holds the lock (taking it again if it was lost but is free)."""
        ...

    def release(self) -> None: ...


def _holder_label() -> str:
    return f"repwatch run pid={os.getpid()} host={socket.gethostname()}"


def _describe_holder(path: Path) -> str:
    try:
        info = json.loads(path.read_text(encoding="utf-8"))
        return f"{info['holder']}, since {info['since']}"
    except (OSError, ValueError, KeyError, TypeError):
        return "holder unknown"


class SqliteFileLock:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(self._fd)
            raise AlreadyRunning(
                f"another scheduler is running on this database ({_describe_holder(path)}); "
                f"lock file {path}"
            ) from None
        os.ftruncate(self._fd, 0)
        info = {"holder": _holder_label(), "since": datetime.now(UTC).isoformat(timespec="seconds")}
        os.write(self._fd, json.dumps(info).encode())

    def keep(self) -> bool:
        # The flock lives as long as this process; it only stops excluding others if the file
        # was deleted or replaced, letting a second scheduler lock a new file of the same name.
        try:
            return os.stat(self.path).st_ino == os.fstat(self._fd).st_ino
        except OSError:
            return False

    def release(self) -> None:
        with suppress(OSError):
            os.ftruncate(self._fd, 0)
        os.close(self._fd)


class PostgresAdvisoryLock:
    def __init__(self, database: Database) -> None:
        self.database = database
        self._connection = self._take()

    def _take(self) -> Connection:
        conn = self.database.engine.connect()
        conn.execute(text("SELECT set_config('application_name', :name, false)"), {"name": _holder_label()})
        locked = conn.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": ADVISORY_KEY}).scalar()
        conn.commit()
        if not locked:
            holder = conn.execute(
                text(
                    "SELECT a.application_name, a.client_addr, a.backend_start FROM pg_locks l "
                    "JOIN pg_stat_activity a ON a.pid = l.pid "
                    "WHERE l.locktype = 'advisory' AND l.objid = :key AND l.granted "
                    "AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())"
                ),
                {"key": ADVISORY_KEY},
            ).first()
            conn.close()
            who = "holder unknown"
            if holder is not None:
                who = f"{holder.application_name or 'unnamed'} from {holder.client_addr or 'local socket'}"
                who += f", since {holder.backend_start:%Y-%m-%d %H:%M:%S %Z}"
            raise AlreadyRunning(f"another scheduler is running on this database ({who})")
        return conn

    def keep(self) -> bool:
        try:
            held = self._connection.execute(text(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND objid = :key "
                "AND pid = pg_backend_pid() AND granted"), {"key": ADVISORY_KEY}).scalar()
            self._connection.commit()
            if held:
                return True
        except (SQLAlchemyError, StorageError):
            pass  # the connection, and the lock with it, is gone
        with suppress(SQLAlchemyError, StorageError):
            self._connection.close()
        try:
            self._connection = self._take()
        except (AlreadyRunning, StorageError):
            return False
        return True

    def release(self) -> None:
        with suppress(SQLAlchemyError, StorageError):
            self._connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": ADVISORY_KEY})
        with suppress(SQLAlchemyError, StorageError):
            self._connection.close()


def scheduler_holder(database: Database) -> str | None:
    """Who runs the scheduler on this database, or None; for status displays."""
    try:
        acquire_scheduler_lock(database).release()
    except AlreadyRunning as exc:
        return str(exc).removeprefix("another scheduler is running on this database ")
    return None


def acquire_scheduler_lock(database: Database) -> SchedulerLock:
    """Hold the database for this process, or raise AlreadyRunning naming who holds it."""
    if database.dialect == "postgresql":
        return PostgresAdvisoryLock(database)
    path = make_url(database.url).database
    if not path or path == ":memory:":
        raise ValueError("the scheduler needs a SQLite file or PostgreSQL, not an in-memory database")
    return SqliteFileLock(Path(f"{path}.scheduler.lock"))

"""The Database itself: SQLite writers queue for the file, readers never wait, and every fault is
one StorageError naming the database without its password."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from storage import Database, StorageError
from storage.models import Snooze

HOLD_THE_WRITE_LOCK = """
import sqlite3, sys, time
connection = sqlite3.connect(sys.argv[1], isolation_level=None)
connection.execute("BEGIN IMMEDIATE")
print("locked", flush=True)
time.sleep(float(sys.argv[2]))
connection.execute("COMMIT")
"""


def hold_write_lock(path: str, seconds: float) -> subprocess.Popen[bytes]:
    holder = subprocess.Popen([sys.executable, "-c", HOLD_THE_WRITE_LOCK, path, str(seconds)],
                              stdout=subprocess.PIPE)
    assert holder.stdout is not None and holder.stdout.readline() == b"locked\n"
    return holder


def snooze(database: Database, metric: str, hold: float = 0) -> None:
    with database.session() as session:
        session.add(Snooze(brand=None, metric=metric, until=datetime(2027, 1, 1), created_at=datetime(2026, 1, 1)))
        session.flush()
        time.sleep(hold)  # a transaction that takes its time


def snoozes(database: Database) -> int:
    with database.reading() as session:
        return session.scalar(select(func.count()).select_from(Snooze)) or 0


def test_a_writer_waits_for_another_process_then_writes(tmp_path: Path) -> None:
    database = Database(f"sqlite:///{tmp_path / 'r.db'}?timeout=20")
    database.upgrade()
    holder = hold_write_lock(str(tmp_path / "r.db"), seconds=1.5)
    assert snoozes(database) == 0  # a reader goes on meanwhile
    snooze(database, "theme:billing")  # waits for the other process's write, then writes
    holder.communicate(timeout=30)
    assert snoozes(database) == 1


def test_a_writer_gives_up_after_the_busy_timeout_in_one_clear_error(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'r.db'}?timeout=0.2"
    database = Database(url)
    database.upgrade()
    holder = hold_write_lock(str(tmp_path / "r.db"), seconds=5)
    try:
        with pytest.raises(StorageError, match=r"^database sqlite:///.*r\.db\?timeout=0\.2 failed: database is "
                                               r"locked \(the transaction in flight was rolled back"):
            snooze(database, "theme:billing")
    finally:
        holder.kill()
        holder.communicate()
    assert snoozes(database) == 0


def test_threads_of_one_process_queue_on_one_writer_lane(tmp_path: Path) -> None:
    database = Database(f"sqlite:///{tmp_path / 'r.db'}?timeout=0.01")  # no waiting on SQLite itself
    database.upgrade()
    other = Database(database.url)  # a second engine on the same file shares the lane
    failures: list[BaseException] = []

    def write(db: Database, metric: str) -> None:
        try:
            snooze(db, metric, hold=0.05)
        except StorageError as exc:
            failures.append(exc)

    threads = [threading.Thread(target=write, args=(db, f"m{n}")) for n, db in enumerate([database, other] * 8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert snoozes(database) == 16


def test_an_unreachable_server_is_named_without_its_password() -> None:
    database = Database("postgresql+psycopg://repwatch:s3cret-pw@127.0.0.1:1/repwatch")
    with pytest.raises(StorageError) as failed:
        database.upgrade()
    assert str(failed.value).startswith("cannot reach database postgresql+psycopg://repwatch:***@127.0.0.1:1/")
    assert "s3cret-pw" not in str(failed.value)

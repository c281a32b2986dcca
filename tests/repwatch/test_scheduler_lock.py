"""A PostgreSQL scheduler lock lost under a running `repwatch run` (its backend terminated):
the run takes it back when it is free, and stops when another scheduler took it; never two."""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from storage import Database
from storage.locks import ADVISORY_KEY, acquire_scheduler_lock

ROOT = Path(__file__).resolve().parents[2]
CHECK_EVERY = "0.5"


@pytest.fixture
def workspace(tmp_path: Path, postgres_server_url: str) -> Iterator[tuple[Path, Database]]:
    (tmp_path / "config.yaml").write_text(
        f"database: {{url: '{postgres_server_url}'}}\nbrands: [{{name: Acme}}]\n"
        f"digest: {{output_dir: {tmp_path / 'digests'}}}\n")
    database = Database(postgres_server_url)
    database.upgrade()
    yield tmp_path, database
    database.dispose()


def start_run(folder: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "repwatch.cli", "--config", str(folder / "config.yaml"), "run",
         "--lock-check-every", CHECK_EVERY],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def wait_until_running(process: subprocess.Popen[str]) -> list[str]:
    assert process.stderr is not None
    lines = []
    for line in process.stderr:
        lines.append(line)
        if line.startswith("repwatch running"):
            return lines
    raise AssertionError(f"repwatch run never started: {''.join(lines)}")


def lock_backend(database: Database, run: subprocess.Popen[str]) -> int:
    with database.engine.connect() as admin:
        return int(admin.execute(text(
            "SELECT l.pid FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
            "WHERE l.locktype = 'advisory' AND l.objid = :key AND l.granted "
            "AND a.application_name LIKE :name"),
            {"key": ADVISORY_KEY, "name": f"repwatch run pid={run.pid} %"}).scalar_one())


def terminate(database: Database, backend: int) -> None:
    with database.engine.connect() as admin:
        assert admin.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": backend}).scalar_one()


def second_run_is_refused(folder: Path) -> str:
    second = start_run(folder)
    out, err = second.communicate(timeout=120)
    assert second.returncode == 3, err
    return err


def stop(run: subprocess.Popen[str]) -> tuple[int, str]:
    if run.poll() is None:
        run.send_signal(signal.SIGTERM)
    _out, err = run.communicate(timeout=120)
    return run.returncode, err


@pytest.mark.postgres
def test_a_lost_lock_that_is_free_is_taken_back(workspace: tuple[Path, Database]) -> None:
    folder, database = workspace
    run = start_run(folder)
    try:
        wait_until_running(run)
        first = lock_backend(database, run)
        terminate(database, first)
        deadline = time.monotonic() + 30
        while True:  # the run takes the lock again on a new connection
            try:
                if lock_backend(database, run) != first:
                    break
            except Exception:  # noqa: BLE001 - not held yet
                assert time.monotonic() < deadline, "the run never took its lock back"
                time.sleep(0.2)
        assert "another scheduler is running on this database (repwatch run pid=" in second_run_is_refused(folder)
        assert run.poll() is None
    finally:
        code, err = stop(run)
    assert code == 0 and "stopped cleanly" in err, err


@pytest.mark.postgres
def test_a_lock_taken_by_another_scheduler_stops_this_one(workspace: tuple[Path, Database]) -> None:
    folder, database = workspace
    run = start_run(folder)
    other = database.engine.connect()
    try:
        wait_until_running(run)
        backend = lock_backend(database, run)
        # Another scheduler queues for the lock, so it gets it the moment the holder's backend dies.
        waiting = threading.Thread(target=lambda: other.execute(
            text("SELECT pg_advisory_lock(:key)"), {"key": ADVISORY_KEY}))
        waiting.start()
        time.sleep(0.5)
        terminate(database, backend)
        waiting.join(timeout=30)
        assert not waiting.is_alive()
        code, err = stop_within(run, seconds=60)
        assert code == 3, err
        assert "error: this scheduler lost its lock on the database and another scheduler holds it now" in err
        assert "Traceback" not in err
    finally:
        stop(run)
        other.invalidate()  # ends its backend, and the lock with it
        other.close()
    acquire_scheduler_lock(database).release()  # the other scheduler let go: free again


def stop_within(run: subprocess.Popen[str], seconds: float) -> tuple[int, str]:
    try:
        _out, err = run.communicate(timeout=seconds)
    except subprocess.TimeoutExpired:
        raise AssertionError(f"repwatch run kept running {seconds} s after losing its lock") from None
    return run.returncode, err

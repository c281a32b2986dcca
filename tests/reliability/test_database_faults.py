"""The database going away mid-run: the run fails with a clear message, nothing of the batch in
flight (mentions or cursor) is committed, and the next run completes with exactly what was served.

`repwatch collect` runs against a loopback Stack Exchange (4 pages of questions); when page 3
is asked for, the database is taken away: the SQLite file locked by another process, or the
PostgreSQL backend that is about to write page 3 terminated by the administrator.
"""

from __future__ import annotations

import logging
import random
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import click
import pytest
import torch
from click.testing import CliRunner, Result
from reliability_kit import config_text, load_bench
from sqlalchemy import func, select, text

from repwatch.cli import cli
from repwatch.config import Config, load_config
from repwatch.pipeline import Pipeline
from repwatch.scheduler import Scheduler, job_specs
from sentiment.tagger import TagResult
from storage.db import Database
from storage.models import Base, JobRun, MentionRow, Snooze, Source

soak = load_bench("soak_crash")
STREAM = f"stackoverflow:{soak.QUERY}"
FAILING_PAGE = 3


@pytest.fixture
def server() -> Iterator[Any]:
    questions = soak.make_questions(600, random.Random(5), time.time() - 3600)
    with soak.StackExchangeServer(questions, latency=0) as server:
        server.reveal(len(questions))
        yield server


def served(server: Any) -> list[Any]:
    return server.streams["stackoverflow"]  # 360 questions: pages of 100, 100, 100 and 60


def collect(tmp_path: Path, database_url: str, base_url: str) -> Result:
    config = tmp_path / "config.yaml"
    config.write_text(config_text(database_url, [{"name": soak.SOURCE, "kind": "stack_exchange", "params": {
        "sites": ["stackoverflow"], "query": soak.QUERY, "max_pages": 100, "base_url": base_url}}]))
    return CliRunner().invoke(cli, ["--config", str(config), "collect", "--source", soak.SOURCE])


def stored_state(database: Database) -> tuple[list[str], Any]:
    with database.session() as session:
        source = session.scalar(select(Source).where(Source.name == soak.SOURCE))
        assert source is not None
        ids = list(session.scalars(select(MentionRow.external_id).where(MentionRow.source_id == source.id)))
        return ids, source.cursor


def cursor_after(questions: list[Any]) -> dict[str, Any]:
    """The cursor the collector saves together with exactly these questions."""
    newest = questions[-1].created
    return {"streams": {STREAM: {
        "newest": datetime.fromtimestamp(newest, UTC).isoformat(),
        "ids": sorted(q.external_id for q in questions if q.created == newest),
    }}}


def assert_only_pages_before_the_failure_committed(database: Database, server: Any) -> None:
    ids, cursor = stored_state(database)
    kept = served(server)[: (FAILING_PAGE - 1) * soak.PAGE_SIZE]
    assert sorted(ids) == sorted(q.external_id for q in kept)
    assert cursor == cursor_after(kept)


def assert_everything_stored_once(database: Database, server: Any) -> None:
    ids, cursor = stored_state(database)
    assert len(ids) == len(set(ids))
    assert set(ids) == {q.external_id for q in served(server)}
    assert cursor == cursor_after(served(server))


def at_page(number: int, action: Callable[[], None]) -> Callable[[int, int], None]:
    def hook(attempt: int, request: int) -> None:
        if attempt == 1 and request == number:
            action()
    return hook


LOCKER = """
import sqlite3, sys
connection = sqlite3.connect(sys.argv[1], isolation_level=None)
connection.execute("BEGIN EXCLUSIVE")
print("locked", flush=True)
sys.stdin.readline()
connection.execute("ROLLBACK")
"""


class SqliteLocker:
    """Another process holding the SQLite file's write lock until told to let go."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.process: subprocess.Popen[bytes] | None = None

    def lock(self) -> None:
        self.process = subprocess.Popen([sys.executable, "-c", LOCKER, self.path],
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        assert self.process.stdout is not None
        assert self.process.stdout.readline() == b"locked\n"

    def release(self) -> None:
        if self.process is not None and self.process.poll() is None:
            assert self.process.stdin is not None
            self.process.stdin.write(b"\n")
            self.process.stdin.close()
            self.process.wait(timeout=30)
        if self.process is not None and self.process.stdout is not None:
            self.process.stdout.close()


def test_sqlite_locked_by_another_process_mid_run(tmp_path: Path, sqlite_database: Database,
                                                  server: Any) -> None:
    locker = SqliteLocker(str(sqlite_database.engine.url.database))
    server.on_request = at_page(FAILING_PAGE, locker.lock)
    url = f"{sqlite_database.url}?timeout=1"  # how long a writer waits for another process
    try:
        failed = collect(tmp_path, url, server.base_url(1))
    finally:
        locker.release()
    assert failed.exit_code == 2, failed.output
    assert f"error: database {url} failed: database is locked" in failed.stderr
    assert "rolled back" in failed.stderr and "Traceback" not in failed.output
    assert_only_pages_before_the_failure_committed(sqlite_database, server)

    again = collect(tmp_path, sqlite_database.url, server.base_url(2))
    assert again.exit_code == 0, again.output
    assert "collected 160 new mentions from 1 of 1 sources" in again.stdout
    assert_everything_stored_once(sqlite_database, server)


@pytest.fixture
def pg_database(postgres_server_url: str) -> Iterator[Database]:
    database = Database(postgres_server_url)
    database.upgrade()
    with database.engine.begin() as conn:
        for table in reversed(Base.metadata.sorted_tables):
            conn.execute(table.delete())
    yield database
    database.dispose()


def terminate_the_writer_once_it_waits(database: Database) -> Callable[[], None]:
    """Take a lock that blocks writing mentions, then, from another connection, terminate the
    backend that waits on it (the run's, mid-transaction), then let go of the lock."""
    def action() -> None:
        locker = database.engine.connect()
        locker.execute(text("LOCK TABLE mentions IN EXCLUSIVE MODE"))
        locker_pid = locker.execute(text("SELECT pg_backend_pid()")).scalar_one()

        def terminate() -> None:
            try:
                with database.engine.connect() as admin:
                    for _ in range(500):
                        waiting = admin.execute(text(
                            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                            "AND wait_event_type = 'Lock' AND pid <> :locker"), {"locker": locker_pid}).scalars().all()
                        if waiting:
                            admin.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": waiting[0]})
                            return
                        admin.rollback()
                        time.sleep(0.02)
            finally:
                locker.rollback()
                locker.close()

        threading.Thread(target=terminate, daemon=True).start()
    return action


@pytest.mark.postgres
def test_postgres_connection_killed_mid_transaction(tmp_path: Path, pg_database: Database, server: Any) -> None:
    server.on_request = at_page(FAILING_PAGE, terminate_the_writer_once_it_waits(pg_database))
    failed = collect(tmp_path, pg_database.url, server.base_url(1))
    assert failed.exit_code == 2, failed.output
    shown = pg_database.url.replace("postgresql+psycopg://", "")
    assert "failed: terminating connection due to administrator command" in failed.stderr
    assert shown in failed.stderr and "Traceback" not in failed.output
    assert_only_pages_before_the_failure_committed(pg_database, server)

    again = collect(tmp_path, pg_database.url, server.base_url(2))
    assert again.exit_code == 0, again.output
    assert_everything_stored_once(pg_database, server)


@pytest.mark.postgres
def test_postgres_idle_connections_killed_between_batches_are_replaced(
    tmp_path: Path, pg_database: Database, server: Any
) -> None:
    def terminate_all_others() -> None:
        with pg_database.engine.connect() as admin:
            ended = admin.execute(text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()")).scalar_one()
            assert ended >= 1  # the run's pooled connection, idle between two batches

    server.on_request = at_page(FAILING_PAGE, terminate_all_others)
    done = collect(tmp_path, pg_database.url, server.base_url(1))
    assert done.exit_code == 0, done.output
    assert_everything_stored_once(pg_database, server)


# --- our own writers at once: one `repwatch run`'s jobs and other commands on one SQLite file ---


class RuleTagger:
    """Stands in for the model (loading it would dominate this test): tags by a keyword."""

    version = "rules-1"
    encoder = SimpleNamespace(dim=4)

    def embed(self, texts: list[str]) -> torch.Tensor:
        """One vector per text for the weekly emerging-complaints step: by its length, no meaning."""
        return torch.nn.functional.normalize(
            torch.tensor([[len(text) % 5 + 1.0, 1.0, 0.0, 0.0] for text in texts]).reshape(-1, 4), dim=1)

    def tag(self, texts: list[str], kinds: object = None) -> list[TagResult]:
        return [TagResult("negative", {"negative": 0.9, "neutral": 0.05, "positive": 0.05},
                          ["slow_response"], {"slow_response": 0.9}) if index % 3 == 0
                else TagResult("neutral", {"negative": 0.1, "neutral": 0.8, "positive": 0.1})
                for index, _text in enumerate(texts)]


def run_config(tmp_path: Path, database_url: str, base_url: str) -> Config:
    config = tmp_path / "config.yaml"
    config.write_text(config_text(database_url, [{"name": soak.SOURCE, "kind": "stack_exchange", "params": {
        "sites": ["stackoverflow", "superuser"], "query": soak.QUERY, "max_pages": 100,
        "base_url": base_url}}]) + f"digest: {{output_dir: {tmp_path / 'digests'}}}\n"
        "alerts: {min_count: 3}\n")
    return load_config(config)


def cli_process(tmp_path: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "repwatch.cli", "--config", str(tmp_path / "config.yaml"),
                             *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            cwd=Path(__file__).resolve().parents[2])


def test_jobs_and_commands_writing_one_sqlite_file_at_once_all_succeed(
    tmp_path: Path, sqlite_database: Database, server: Any, caplog: pytest.LogCaptureFixture
) -> None:
    """Collect, tag, alert check and digest firing together (as at the top of each hour) while
    `alerts snooze`, `mentions import`, `alerts check` and `digest` run in other processes: each
    waits for the single writer, none fails."""
    config = run_config(tmp_path, sqlite_database.url, server.base_url(1))
    (tmp_path / "tickets.csv").write_text("id,published_at,text\n" + "".join(
        f"t{n},2026-11-2{n % 7}T10:00:00Z,ticket {n} still waiting for a reply\n" for n in range(300)))
    pipeline = Pipeline(config, sqlite_database, notifiers=[], tagger=RuleTagger())
    scheduler = Scheduler(sqlite_database, job_specs(config, pipeline))
    fire_times = [datetime(2026, 12, 6, hour, tzinfo=UTC) for hour in range(3)]
    runs = [(job, fire) for fire in fire_times for job in scheduler.specs]

    commands = [cli_process(tmp_path, "alerts", "snooze", "slow_response", "--for", "2h"),
                cli_process(tmp_path, "mentions", "import", str(tmp_path / "tickets.csv"), "--source",
                            "helpdesk"),
                cli_process(tmp_path, "alerts", "check"),
                cli_process(tmp_path, "digest", "--brand", "Acme")]
    with caplog.at_level(logging.WARNING), ThreadPoolExecutor(max_workers=len(runs)) as pool:
        started = list(pool.map(lambda run: scheduler.run_job(*run), runs))
    outcomes = [(process.args[4:], *process.communicate(timeout=240), process.returncode)
                for process in commands]

    assert all(started)
    assert [record.getMessage() for record in caplog.records if record.levelno >= logging.ERROR] == []
    for args, out, err, code in outcomes:
        assert code == 0 and "locked" not in err + out and "Traceback" not in err, (args, out, err)
    with sqlite_database.reading() as session:
        statuses = session.execute(select(JobRun.job_id, JobRun.status)).all()
        assert sorted(statuses) == sorted((job, "done") for job, _fire in runs if job != "tag")
        assert session.scalar(select(func.count()).select_from(MentionRow)) == 600 + 300
        assert session.scalar(select(func.count()).select_from(Snooze)) == 1


# --- every command against a dead database and a locked SQLite file ---------------------------

NO_DATABASE = {"config check", "model train", "model predict", "model eval", "demo"}
# `serve` runs until stopped; its pages' database faults are tested in tests/web.
LONG_RUNNING = {"serve"}
EVERY_DATABASE_COMMAND: dict[str, list[str]] = {
    "init": [], "db upgrade": [], "collect": [], "sources": [], "status": [], "run": [], "tag": [],
    "digest": ["--brand", "Acme"], "alerts check": [], "alerts list": [],
    "alerts snooze": ["slow_response", "--for", "2h"], "alerts unsnooze": ["slow_response"],
    "mentions export": [], "mentions import": ["{tickets}", "--source", "helpdesk"],
    "emerging promote": ["1", "--name", "billing_error"], "db copy": ["--to", "sqlite:///{copy}"],
}
# What a locked SQLite file does to each: commands that only read go on (WAL readers never wait
# for the writer); commands that write wait for the busy timeout, then fail in one line.
READS_ONLY = {"init", "db upgrade", "sources", "status", "alerts list", "mentions export"}
# Reads, then refuses for a reason of its own: the database answered.
READS_THEN_REFUSES = {"emerging promote": "no complaint group #1"}


def leaf_commands(group: click.Group, prefix: str = "") -> set[str]:
    names = set()
    for name, command in group.commands.items():
        if isinstance(command, click.Group):
            names |= leaf_commands(command, f"{prefix}{name} ")
        else:
            names.add(prefix + name)
    return names


def test_the_fault_tests_cover_every_command() -> None:
    assert leaf_commands(cli) == set(EVERY_DATABASE_COMMAND) | NO_DATABASE | LONG_RUNNING


def invoke_command(tmp_path: Path, database_url: str, command: str) -> Result:
    config = tmp_path / "config.yaml"
    config.write_text(config_text(database_url, [{"name": "forum", "kind": "stack_exchange", "params": {
        "sites": ["stackoverflow"], "query": "acme", "base_url": "http://127.0.0.1:9/"}}])
        + f"digest: {{output_dir: {tmp_path / 'digests'}}}\n")
    tickets = tmp_path / "tickets.csv"
    tickets.write_text("id,published_at,text\nt1,2026-11-20T10:00:00Z,still waiting for a reply\n")
    args = [arg.format(tickets=tickets, copy=tmp_path / "copy.db") for arg in EVERY_DATABASE_COMMAND[command]]
    return CliRunner().invoke(cli, ["--config", str(config), *command.split(), *args])


def assert_one_error_line(result: Result, expected: str) -> None:
    assert result.exit_code == 2, (result.exit_code, result.output)
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and errors[0].startswith(f"error: {expected}"), result.stderr
    assert "Traceback" not in result.output and isinstance(result.exception, SystemExit)


@pytest.mark.parametrize("command", sorted(EVERY_DATABASE_COMMAND))
def test_every_command_reports_a_dead_database_in_one_line(tmp_path: Path, command: str) -> None:
    url = "postgresql+psycopg://postgres@127.0.0.1:1/repwatch"
    result = invoke_command(tmp_path, url, command)
    assert_one_error_line(result, f"cannot reach database {url}: connection failed")


@pytest.mark.parametrize("command", sorted(set(EVERY_DATABASE_COMMAND) - {"tag"}))
def test_every_command_on_a_locked_sqlite_file_reads_or_fails_in_one_line(
    tmp_path: Path, sqlite_database: Database, command: str
) -> None:
    url = f"{sqlite_database.url}?timeout=0.5"
    stored_before = stored_rows(sqlite_database)
    locker = SqliteLocker(str(sqlite_database.engine.url.database))
    locker.lock()
    try:
        result = invoke_command(tmp_path, url, command)
    finally:
        locker.release()
    if command in READS_ONLY:
        assert result.exit_code == 0, result.output
    elif command in READS_THEN_REFUSES:
        assert result.exit_code == 2 and READS_THEN_REFUSES[command] in result.output, result.output
    else:
        assert_one_error_line(result, f"database {url} failed: database is locked")
    assert stored_rows(sqlite_database) == stored_before


@pytest.mark.slow
def test_tag_on_a_locked_sqlite_file_fails_in_one_line(tmp_path: Path, sqlite_database: Database) -> None:
    """Separate because it loads the model (seconds) before it has anything to write."""
    invoke_command(tmp_path, sqlite_database.url, "mentions import")  # one mention to tag
    url = f"{sqlite_database.url}?timeout=0.5"
    locker = SqliteLocker(str(sqlite_database.engine.url.database))
    locker.lock()
    try:
        result = invoke_command(tmp_path, url, "tag")
    finally:
        locker.release()
    assert_one_error_line(result, f"database {url} failed: database is locked")


def stored_rows(database: Database) -> dict[str, int]:
    with database.reading() as session:
        return {table.name: session.scalar(select(func.count()).select_from(table)) or 0
                for table in Base.metadata.sorted_tables}

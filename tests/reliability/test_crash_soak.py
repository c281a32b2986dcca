"""Nothing lost, nothing doubled across crashes.

The crash soak of bench/soak_crash.py in small: the real `repwatch collect` in its own process,
killed with SIGKILL ten times at random moments, against a loopback Stack Exchange serving
questions with equal timestamps across page breaks, and against a loopback Mastodon whose
cursor has another shape (a first run newest first by `max_id`, then `min_id` forward). Then
the soak's own checks are shown to catch what they look for, and a kill in the middle of the
first migration is survived.
"""

from __future__ import annotations

import random
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from reliability_kit import load_bench
from sqlalchemy import inspect

from collector.mention import Mention
from storage.db import Database, is_current
from storage.models import Base
from storage.sources import store_batch

soak = load_bench("soak_crash")
STREAM = f"stackoverflow:{soak.QUERY}"


def test_ten_sigkills_lose_nothing_double_nothing_and_never_put_a_cursor_ahead(tmp_path: Path) -> None:
    figures = soak.run_soak(f"sqlite:///{tmp_path / 'soak.db'}", kills=10, items=3000, seed=11,
                            workdir=tmp_path, say=lambda _line: None)
    assert figures.problems == []
    assert figures.kills == 10
    assert figures.checks == figures.attempts  # checked after every kill and every run
    assert (figures.items_stored, figures.items_lost, figures.duplicates) == (3000, 0, 0)
    assert figures.kills_while_collecting >= 1  # kills landed mid-run, not only at start-up
    assert figures.page_breaks_inside_ties >= 1  # the case the cursor's id list exists for


def test_ten_sigkills_on_mastodon_min_id_walk_lose_nothing_and_never_put_a_cursor_ahead(
    tmp_path: Path,
) -> None:
    figures = soak.run_soak(f"sqlite:///{tmp_path / 'soak.db'}", kills=10, items=1500, seed=5,
                            workdir=tmp_path, say=lambda _line: None, collector="mastodon")
    assert figures.problems == []
    assert figures.kills == 10
    assert figures.checks == figures.attempts
    assert (figures.items_stored, figures.items_lost, figures.duplicates) == (1500, 0, 0)
    assert figures.kills_while_collecting >= 1


def test_the_min_id_check_catches_a_cursor_past_the_stored_statuses() -> None:
    statuses = soak.make_statuses(100, random.Random(3), time.time())
    streams = {"https://social.example#acme": statuses}
    stored = {status.external_id for status in statuses[:50]}

    def cursor(index: int) -> dict[str, Any]:
        return {"streams": {"https://social.example#acme": {"min_id": str(statuses[index].id)}}}

    assert soak.min_id_problems(cursor(49), stored, streams) == []
    problems = soak.min_id_problems(cursor(50), stored, streams)
    assert len(problems) == 1 and statuses[50].external_id in problems[0]


def questions() -> tuple[list[Any], dict[str, list[Any]]]:
    served = soak.make_questions(400, random.Random(3), time.time())
    streams: dict[str, list[Any]] = {}
    for question in served:
        streams.setdefault(question.stream, []).append(question)
    return served, streams


def iso(seconds: int) -> str:
    return datetime.fromtimestamp(seconds, UTC).isoformat()


def state_after(stream: list[Any], count: int) -> dict[str, Any]:
    """The cursor state the collector saves once the first `count` questions are stored."""
    newest = stream[count - 1].created
    return {"newest": iso(newest), "ids": [q.external_id for q in stream[:count] if q.created == newest]}


def test_the_cursor_check_accepts_a_cursor_backed_by_stored_data() -> None:
    _, streams = questions()
    stream = streams[STREAM]
    stored = {q.external_id for q in stream[:100]}
    assert soak.cursor_problems({"streams": {STREAM: state_after(stream, 100)}}, stored, streams) == []
    assert soak.cursor_problems(None, set(), streams) == []


def test_the_cursor_check_catches_a_cursor_a_page_ahead() -> None:
    _, streams = questions()
    stream = streams[STREAM]
    stored = {q.external_id for q in stream[:100]}
    problems = soak.cursor_problems({"streams": {STREAM: state_after(stream, 200)}}, stored, streams)
    assert len(problems) == 1 and "not stored" in problems[0]


def test_the_cursor_check_catches_an_unstored_id_in_the_newest_second() -> None:
    _, streams = questions()
    stream = streams[STREAM]
    tie = next(i for i in range(1, len(stream)) if stream[i].created == stream[i - 1].created)
    stored = {q.external_id for q in stream[:tie]}  # the tie's second question is not stored...
    problems = soak.cursor_problems({"streams": {STREAM: state_after(stream, tie + 1)}}, stored, streams)
    assert len(problems) == 1 and stream[tie].external_id in problems[0]  # ...but the cursor names it


def mention(question: Any) -> Mention:
    return Mention(external_id=question.external_id, text="q", published_at=datetime.fromtimestamp(question.created, UTC))


def test_the_database_check_reports_gaps_and_cursors_ahead(tmp_path: Path) -> None:
    served, streams = questions()
    stream = streams[STREAM]
    url = f"sqlite:///{tmp_path / 'check.db'}"
    database = Database(url)
    database.upgrade()
    with database.session() as session:  # the first 50 and questions 101-150: a gap, and a cursor at 200
        store_batch(session, soak.SOURCE, "stack_exchange", "Acme",
                    [mention(q) for q in stream[:50] + stream[100:150]],
                    {"streams": {STREAM: state_after(stream, 200)}}, datetime.now(UTC))
    database.dispose()
    checker = soak.Checker(url, served)
    try:
        problems, ids = checker.problems(len(served), complete=True)
    finally:
        checker.close()
    assert len(ids) == 100
    assert any("a gap" in p for p in problems)
    assert any("not stored" in p for p in problems)
    assert any("completed run left" in p for p in problems)


KILL_MIDWAY = """
import os, signal, sys
from sqlalchemy import event
from storage.db import Database

database = Database(sys.argv[1])
created = []

@event.listens_for(database.engine, "after_cursor_execute")
def die_after_the_third_table(conn, cursor, statement, parameters, context, executemany):
    if statement.lstrip().upper().startswith("CREATE TABLE"):
        created.append(statement)
        if len(created) == 3:
            os.kill(os.getpid(), signal.SIGKILL)

database.upgrade()
"""


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def empty_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'fresh.db'}"
        return
    request.getfixturevalue("postgres_server_url")  # skips (or fails in CI) without a server
    with soak.TemporaryPostgres(soak.PG_ADMIN_URL) as url:
        yield url


def test_a_kill_in_the_middle_of_the_first_migration_leaves_a_database_the_next_start_migrates(
    empty_database_url: str,
) -> None:
    killed = subprocess.run([sys.executable, "-c", KILL_MIDWAY, empty_database_url], capture_output=True,
                            timeout=120)
    assert killed.returncode == -9, killed.stderr.decode()
    database = Database(empty_database_url)
    try:
        assert not inspect(database.engine).has_table("sources")  # nothing half-made was kept
        database.upgrade()
        assert is_current(database.engine)
        assert set(Base.metadata.tables) <= set(inspect(database.engine).get_table_names())
    finally:
        database.dispose()

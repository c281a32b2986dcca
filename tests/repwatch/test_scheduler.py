from __future__ import annotations

import logging
import os
import subprocess
import sys
import textwrap
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from repwatch.config import parse_config
from repwatch.scheduler import EPOCH, Scheduler, job_specs, latest_fire_time
from storage import Database
from storage.jobs import Ledger
from storage.locks import AlreadyRunning, acquire_scheduler_lock

CONFIG = """\
brands: [{name: Acme}]
sources:
  - {name: feed, kind: rss, brand: Acme, every: 30m, params: {urls: ["https://example.com/feed.xml"]}}
  - {name: paused, kind: rss, brand: Acme, enabled: false, params: {urls: ["https://example.com/x.xml"]}}
digest: {schedule: "0 8 * * mon", timezone: Europe/London}
alerts: {check_every: 1h}
"""
MONDAY_8_LONDON = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)  # GMT in November


class RecordingJobs:
    def __init__(self) -> None:
        self.calls: list[str] = []

    def collect(self, source_name: str) -> int:
        self.calls.append(f"collect:{source_name}")
        return 0

    def tag(self) -> int:
        self.calls.append("tag")
        return 0

    def check_alerts(self) -> None:
        self.calls.append("alerts")

    def weekly_digest(self) -> None:
        self.calls.append("digest")


def scheduler_at(database: Database, jobs: RecordingJobs, now: datetime) -> Scheduler:
    return Scheduler(database, job_specs(parse_config(CONFIG, env={}), jobs), clock=lambda: now)


def test_fire_times_sit_on_fixed_grids() -> None:
    specs = {spec.id: spec for spec in job_specs(parse_config(CONFIG, env={}), RecordingJobs())}
    assert set(specs) == {"collect:feed", "tag", "alerts", "digest"}
    now = datetime(2026, 11, 25, 10, 47, tzinfo=UTC)
    assert latest_fire_time(specs["collect:feed"].trigger, now) == datetime(2026, 11, 25, 10, 30, tzinfo=UTC)
    assert latest_fire_time(specs["alerts"].trigger, now) == datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
    assert latest_fire_time(specs["digest"].trigger, now) == MONDAY_8_LONDON
    summer = datetime(2026, 7, 8, 9, 0, tzinfo=UTC)
    assert latest_fire_time(specs["digest"].trigger, summer) == datetime(2026, 7, 6, 7, 0, tzinfo=UTC)
    assert (latest_fire_time(specs["tag"].trigger, now) - EPOCH) % timedelta(minutes=1) == timedelta(0)


def test_ledger_claims_a_fire_time_once(database: Database) -> None:
    ledger = Ledger(database)
    now = datetime(2026, 11, 23, 9, tzinfo=UTC)
    assert ledger.claim("digest", MONDAY_8_LONDON, now)
    assert not ledger.claim("digest", MONDAY_8_LONDON, now)
    assert ledger.interrupt_stale_runs() == 1
    assert ledger.claim("digest", MONDAY_8_LONDON, now)
    ledger.finish("digest", MONDAY_8_LONDON, now)
    assert ledger.interrupt_stale_runs() == 0
    assert not ledger.claim("digest", MONDAY_8_LONDON, now)


def test_restart_within_grace_catches_up_once(database: Database) -> None:
    jobs = RecordingJobs()
    now = MONDAY_8_LONDON + timedelta(hours=2, minutes=10)
    assert sorted(scheduler_at(database, jobs, now).catch_up()) == ["alerts", "collect:feed", "digest"]
    assert sorted(jobs.calls) == ["alerts", "collect:feed", "digest"]
    jobs.calls.clear()
    assert scheduler_at(database, jobs, now + timedelta(minutes=5)).catch_up() == []
    assert jobs.calls == []


def test_the_first_start_runs_every_job_that_never_ran(database: Database) -> None:
    jobs = RecordingJobs()
    tuesday = MONDAY_8_LONDON + timedelta(days=1, hours=1, minutes=50)  # far beyond every grace time
    assert sorted(scheduler_at(database, jobs, tuesday).catch_up()) == ["alerts", "collect:feed", "digest"]
    assert sorted(jobs.calls) == ["alerts", "collect:feed", "digest"]
    assert Ledger(database).status_of("digest", MONDAY_8_LONDON) == "done"
    jobs.calls.clear()
    assert scheduler_at(database, jobs, tuesday + timedelta(minutes=5)).catch_up() == []


def test_a_run_killed_mid_job_is_run_again_on_restart(database: Database) -> None:
    now = MONDAY_8_LONDON + timedelta(minutes=3)
    Ledger(database).claim("digest", MONDAY_8_LONDON, now)  # the process died after claiming
    jobs = RecordingJobs()
    scheduler_at(database, jobs, now + timedelta(minutes=2)).catch_up()
    assert jobs.calls.count("digest") == 1
    jobs.calls.clear()
    scheduler_at(database, jobs, now + timedelta(minutes=4)).catch_up()
    assert "digest" not in jobs.calls


def test_a_fire_time_beyond_grace_is_logged_not_silently_dropped(
    database: Database, caplog: pytest.LogCaptureFixture
) -> None:
    jobs = RecordingJobs()
    scheduler_at(database, jobs, MONDAY_8_LONDON - timedelta(days=7, hours=-1)).catch_up()  # ran before
    jobs.calls.clear()
    late = MONDAY_8_LONDON + timedelta(hours=13)
    with caplog.at_level(logging.WARNING, logger="repwatch.scheduler"):
        scheduler_at(database, jobs, late).catch_up()
    assert "digest" not in jobs.calls
    assert "missed digest fire time 2026-11-23T08:00:00+00:00 while stopped" in caplog.text
    assert Ledger(database).status_of("digest", MONDAY_8_LONDON) == "missed"


def test_a_run_interrupted_beyond_grace_is_recorded_as_missed(
    database: Database, caplog: pytest.LogCaptureFixture
) -> None:
    ledger = Ledger(database)
    week_before = MONDAY_8_LONDON - timedelta(days=7)
    ledger.claim("digest", week_before, week_before)
    ledger.finish("digest", week_before, week_before)
    ledger.claim("digest", MONDAY_8_LONDON, MONDAY_8_LONDON)  # then the process died
    jobs = RecordingJobs()
    with caplog.at_level(logging.WARNING, logger="repwatch.scheduler"):
        scheduler_at(database, jobs, MONDAY_8_LONDON + timedelta(hours=13)).catch_up()
    assert "digest" not in jobs.calls
    assert Ledger(database).status_of("digest", MONDAY_8_LONDON) == "missed"


def test_a_failing_job_is_recorded_and_the_others_run(database: Database) -> None:
    class Failing(RecordingJobs):
        def weekly_digest(self) -> None:
            raise RuntimeError("smtp unreachable")

    jobs = Failing()
    now = MONDAY_8_LONDON + timedelta(minutes=1)
    scheduler_at(database, jobs, now).catch_up()
    assert "alerts" in jobs.calls
    runs = Ledger(database).last_runs()
    assert runs["digest"].status == "failed" and runs["digest"].error == "RuntimeError: smtp unreachable"


HOLDER = textwrap.dedent("""
    import sys, time
    from storage import Database
    from storage.locks import acquire_scheduler_lock
    lock = acquire_scheduler_lock(Database(sys.argv[1]))
    print("locked", flush=True)
    time.sleep(60)
""")


def hold_lock_in_another_process(url: str) -> subprocess.Popen[str]:
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, url], stdout=subprocess.PIPE, text=True)
    assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
    return holder


def test_second_scheduler_is_refused_and_told_who_holds_the_database(database: Database) -> None:
    holder = hold_lock_in_another_process(database.url)
    try:
        with pytest.raises(AlreadyRunning) as refused:
            acquire_scheduler_lock(database)
        assert f"repwatch run pid={holder.pid}" in str(refused.value)
    finally:
        holder.kill()
        holder.wait()
        assert holder.stdout is not None
        holder.stdout.close()
    acquire_scheduler_lock(database).release()  # a killed holder leaves no stale lock


def test_lock_is_released_and_can_be_taken_again(tmp_path: Path) -> None:
    database = Database(f"sqlite:///{tmp_path / 'r.db'}")
    lock = acquire_scheduler_lock(database)
    with pytest.raises(AlreadyRunning, match=f"pid={os.getpid()}"):
        acquire_scheduler_lock(database)
    lock.release()
    acquire_scheduler_lock(database).release()


def test_a_sqlite_lock_whose_file_was_replaced_is_known_to_be_lost(tmp_path: Path) -> None:
    database = Database(f"sqlite:///{tmp_path / 'r.db'}")
    lock = acquire_scheduler_lock(database)
    assert lock.keep()
    (tmp_path / "r.db.scheduler.lock").unlink()  # someone cleaned up; a second scheduler starts
    second = acquire_scheduler_lock(database)
    assert not lock.keep() and second.keep()
    second.release()
    lock.release()

"""`repwatch run`: APScheduler jobs for collecting, tagging, alerting and the weekly digest.

Fire times sit on fixed grids (intervals counted from EPOCH, the digest by cron), so a restart sees the
same fire times as the process before it. Every run is written to the `job_runs` ledger first: a fire
time already done is never run again, and one missed while the scheduler was down is caught up on start
when it is within the job's grace time, or logged as missed when it is not. A job that never ran (a
first start, a source just added) runs at start rather than an hour or a week later.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Protocol

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from repwatch.config import Config
from repwatch.logs import log_context
from storage import Database, StorageError
from storage.jobs import Ledger

log = logging.getLogger("repwatch.scheduler")
EPOCH = datetime(2000, 1, 3, tzinfo=UTC)  # a Monday at midnight UTC
TAG_EVERY = timedelta(minutes=1)


class Jobs(Protocol):
    """What the scheduler runs; the pipeline implements it."""

    def collect(self, source_name: str) -> int: ...

    def tag(self) -> int: ...

    def check_alerts(self) -> object: ...

    def weekly_digest(self) -> object: ...


@dataclass(frozen=True)
class JobSpec:
    id: str
    trigger: BaseTrigger
    run: Callable[[], object]
    grace: timedelta
    ledger: bool = True  # False for jobs that only work off a backlog (tagging)


def job_specs(config: Config, jobs: Jobs) -> list[JobSpec]:
    specs = []
    for source in config.sources:
        if source.enabled:
            specs.append(JobSpec(
                id=f"collect:{source.name}",
                trigger=IntervalTrigger(seconds=source.every.total_seconds(), start_date=EPOCH),
                run=partial(jobs.collect, source.name),
                grace=source.every / 2,
            ))
    specs.append(JobSpec("tag", IntervalTrigger(seconds=TAG_EVERY.total_seconds(), start_date=EPOCH),
                         jobs.tag, TAG_EVERY, ledger=False))
    if config.alerts.enabled:
        every = config.alerts.check_every
        specs.append(JobSpec("alerts", IntervalTrigger(seconds=every.total_seconds(), start_date=EPOCH),
                             jobs.check_alerts, every))
    specs.append(JobSpec(
        "digest",
        CronTrigger.from_crontab(config.digest.schedule, timezone=config.digest.timezone),
        jobs.weekly_digest,
        timedelta(hours=12),
    ))
    return specs


def latest_fire_time(
    trigger: BaseTrigger, now: datetime, horizon: timedelta = timedelta(days=8)
) -> datetime | None:
    """The last fire time at or before `now` (looking back at most `horizon`)."""
    if isinstance(trigger, IntervalTrigger):
        interval = trigger.interval
        return EPOCH + ((now - EPOCH) // interval) * interval
    fire = trigger.get_next_fire_time(None, now - horizon)
    latest = None
    while fire is not None and fire <= now:
        latest = fire
        fire = trigger.get_next_fire_time(fire, fire + timedelta(seconds=1))
    return latest.astimezone(UTC) if latest else None


class Scheduler:
    """Runs the job specs on a background APScheduler until `stop()`."""

    def __init__(self, database: Database, specs: list[JobSpec],
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.ledger = Ledger(database)
        self.specs = {spec.id: spec for spec in specs}
        self.clock = clock
        self.scheduler = BackgroundScheduler(timezone=UTC)
        self.stopping = threading.Event()

    def run_job(self, job_id: str, fire_time: datetime | None = None) -> bool:
        """Run one fire time of a job unless the ledger shows it already ran; True if it ran."""
        spec = self.specs[job_id]
        now = self.clock()
        fire = fire_time or latest_fire_time(spec.trigger, now) or now
        with log_context(job=job_id):
            try:
                if self.stopping.is_set() or (spec.ledger and not self.ledger.claim(job_id, fire, now)):
                    return False
            except StorageError as exc:
                log.error("not started: %s", exc)
                return False
            log.debug("started (fire time %s)", fire.isoformat(timespec="seconds"))
            error = None
            try:
                spec.run()
            except StorageError as exc:  # a database fault, not a bug: one line, no traceback
                log.error("failed: %s", exc)
                error = f"{type(exc).__name__}: {exc}"
            except Exception as exc:  # noqa: BLE001 - the job boundary: logged and recorded, never hidden
                log.exception("failed: %s", exc)
                error = f"{type(exc).__name__}: {exc}"
            if spec.ledger:
                try:
                    self.ledger.finish(job_id, fire, self.clock(), error=error)
                except StorageError as exc:
                    log.error("could not record how it ended: %s", exc)
            if error is None:
                log.debug("finished")
        return True

    def catch_up(self) -> list[str]:
        """On start: run each job's latest missed fire time within grace, and every job that never
        ran at all; log older misses."""
        self.ledger.interrupt_stale_runs()
        now = self.clock()
        due = []
        for spec in self.specs.values():
            fire = latest_fire_time(spec.trigger, now)
            if not spec.ledger or fire is None:
                continue
            if self.ledger.status_of(spec.id, fire) not in (None, "interrupted"):
                continue
            if now - fire <= spec.grace or not self.ledger.ever_ran(spec.id):
                due.append(spec.id)
                self.run_job(spec.id, fire)
            else:
                log.warning("missed %s fire time %s while stopped (beyond its %s grace time); "
                            "it runs again at its next fire time", spec.id,
                            fire.isoformat(timespec="seconds"), spec.grace)
                self.ledger.mark_missed(spec.id, fire, now)
        return due

    def start(self) -> None:
        for spec in self.specs.values():
            self.scheduler.add_job(
                self.run_job, spec.trigger, args=[spec.id], id=spec.id, name=spec.id,
                max_instances=1, coalesce=True,
                misfire_grace_time=max(int(spec.grace.total_seconds()), 1),
            )
        self.scheduler.start()

    def stop(self) -> None:
        """Stop taking new runs and wait for the runs in flight to commit or roll back."""
        self.stopping.set()
        if self.scheduler.running:
            self.scheduler.shutdown(wait=True)

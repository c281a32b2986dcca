"""The scheduler's ledger (`job_runs`): claim a fire time before running it, record how it ended."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import exists, select, update
from sqlalchemy.exc import IntegrityError

from storage.db import Database
from storage.mentions import utc_naive
from storage.models import JobRun


class Ledger:
    def __init__(self, database: Database) -> None:
        self.database = database

    def claim(self, job_id: str, fire_time: datetime, now: datetime) -> bool:
        """True if this fire time is ours to run (never claimed, or interrupted by a crash)."""
        fire = utc_naive(fire_time)
        with self.database.session() as session:
            row = session.scalar(select(JobRun).where(JobRun.job_id == job_id, JobRun.fire_time == fire))
            if row is not None and row.status != "interrupted":
                return False
            if row is None:
                try:
                    with session.begin_nested():
                        session.add(JobRun(job_id=job_id, fire_time=fire, status="running",
                                           started_at=utc_naive(now)))
                except IntegrityError:
                    return False
            else:
                row.status, row.started_at, row.error = "running", utc_naive(now), None
        return True

    def finish(self, job_id: str, fire_time: datetime, now: datetime, error: str | None = None) -> None:
        with self.database.session() as session:
            session.execute(
                update(JobRun)
                .where(JobRun.job_id == job_id, JobRun.fire_time == utc_naive(fire_time))
                .values(status="failed" if error else "done", finished_at=utc_naive(now), error=error)
            )

    def mark_missed(self, job_id: str, fire_time: datetime, now: datetime) -> None:
        """Record a fire time as missed, also one that a crash interrupted."""
        fire, finished = utc_naive(fire_time), utc_naive(now)
        with self.database.session() as session:
            row = session.scalar(select(JobRun).where(JobRun.job_id == job_id, JobRun.fire_time == fire))
            if row is None:
                session.add(JobRun(job_id=job_id, fire_time=fire, status="missed", finished_at=finished))
            else:
                row.status, row.finished_at = "missed", finished

    def status_of(self, job_id: str, fire_time: datetime) -> str | None:
        with self.database.reading() as session:
            return session.scalar(select(JobRun.status).where(
                JobRun.job_id == job_id, JobRun.fire_time == utc_naive(fire_time)))

    def ever_ran(self, job_id: str) -> bool:
        """True once a run of the job ended, well or not (missed and interrupted ones do not count)."""
        with self.database.reading() as session:
            return bool(session.scalar(select(exists().where(
                JobRun.job_id == job_id, JobRun.status.in_(("done", "failed"))))))

    def interrupt_stale_runs(self) -> int:
        """Runs left 'running' by a process that died; only safe while holding the scheduler lock."""
        with self.database.session() as session:
            result = session.execute(
                update(JobRun).where(JobRun.status == "running").values(status="interrupted"))
            return int(getattr(result, "rowcount", 0))

    def last_runs(self) -> dict[str, JobRun]:
        with self.database.reading() as session:
            rows = session.scalars(select(JobRun).order_by(JobRun.fire_time)).all()
        return {row.job_id: row for row in rows}

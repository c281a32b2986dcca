"""Read-only queries behind `repwatch status`."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storage.models import Alert, Digest, JobRun, MentionRow, Tag


def mention_count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(MentionRow)) or 0


def tagging_backlog(session: Session) -> int:
    """Mentions with no tag row yet (neither tagged nor marked as an unsupported language)."""
    untagged = select(func.count()).select_from(MentionRow).outerjoin(Tag, Tag.mention_id == MentionRow.id)
    return session.scalar(untagged.where(Tag.mention_id.is_(None))) or 0


def firing_alerts(session: Session) -> list[Alert]:
    return list(session.scalars(select(Alert).where(Alert.state == "firing").order_by(Alert.started_at)))


def latest_digests(session: Session) -> list[Digest]:
    """The newest digest period of each brand."""
    newest = (
        select(Digest.brand, func.max(Digest.period_start).label("start"))
        .group_by(Digest.brand)
        .subquery()
    )
    query = select(Digest).join(
        newest, (Digest.brand == newest.c.brand) & (Digest.period_start == newest.c.start)
    )
    return list(session.scalars(query.order_by(Digest.brand)))


def latest_job_runs(session: Session) -> list[JobRun]:
    """The most recent ledger entry of each scheduled job."""
    newest = (
        select(JobRun.job_id, func.max(JobRun.fire_time).label("fire"))
        .group_by(JobRun.job_id)
        .subquery()
    )
    query = select(JobRun).join(
        newest, (JobRun.job_id == newest.c.job_id) & (JobRun.fire_time == newest.c.fire)
    )
    return list(session.scalars(query.order_by(JobRun.job_id)))

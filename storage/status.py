"""Read-only queries behind `repwatch status`."""

from __future__ import annotations

from typing import Any

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


def _newest_per_group(session: Session, model: Any, group: Any, order: Any) -> list[Any]:
    """For each value of `group`, the row of `model` with the largest `order`."""
    newest = select(group.label("key"), func.max(order).label("top")).group_by(group).subquery()
    query = select(model).join(newest, (group == newest.c.key) & (order == newest.c.top))
    return list(session.scalars(query.order_by(group)))


def latest_digests(session: Session) -> list[Digest]:
    """The newest digest period of each brand."""
    return _newest_per_group(session, Digest, Digest.brand, Digest.period_start)


def latest_job_runs(session: Session) -> list[JobRun]:
    """The most recent ledger entry of each scheduled job."""
    return _newest_per_group(session, JobRun, JobRun.job_id, JobRun.fire_time)

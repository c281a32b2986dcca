"""Claiming alert notifications, so that concurrent checkers never send one twice.

A notification goes pending -> sending (claimed, in a short transaction of its own) -> sent, or
back to pending when the send fails. A claim older than the caller's timeout was left by a
checker that died while sending; releasing it makes delivery at least once: a message the mail
server accepted just before such a crash is sent again, with the same Message-ID.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import false, func, select, update
from sqlalchemy.orm import Session

from storage.models import Alert, Notification


def hold_writer(session: Session) -> None:
    """On SQLite, become the one writer now, at the start of the transaction.

    A transaction that reads first and writes later fails at once ("database is locked") when
    another writer committed in between; one that writes first waits its turn (busy timeout).
    PostgreSQL locks rows instead, so nothing is needed there.
    """
    if session.get_bind().dialect.name == "sqlite":
        session.execute(update(Notification).where(false()).values(status=Notification.status))


def release_stale_claims(session: Session, claimed_before: datetime) -> int:
    """Put notifications claimed before `claimed_before` and never marked back to pending."""
    result = session.execute(
        update(Notification)
        .where(Notification.status == "sending", Notification.claimed_at < claimed_before)
        .values(status="pending", claimed_at=None)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def claim_pending(
    session: Session, channels: Sequence[str], now: datetime
) -> list[tuple[Notification, Alert]]:
    """Claim every pending notification for these channels; what another checker holds is
    skipped (FOR UPDATE SKIP LOCKED on PostgreSQL; SQLite has one writer at a time)."""
    if not channels:
        return []
    claimable = (
        select(Notification.id)
        .where(Notification.status == "pending", Notification.channel.in_(list(channels)))
        .with_for_update(skip_locked=True)
    )
    claimed = session.scalars(
        update(Notification)
        .where(Notification.id.in_(claimable.scalar_subquery()), Notification.status == "pending")
        .values(status="sending", claimed_at=now)
        .returning(Notification.id)
        .execution_options(synchronize_session=False)
    ).all()
    if not claimed:
        return []
    query = (
        select(Notification, Alert)
        .join(Alert, Alert.id == Notification.alert_id)
        .where(Notification.id.in_(claimed))
        .order_by(Notification.created_at, Notification.id)
    )
    return [(n, a) for n, a in session.execute(query)]


def finish_claim(
    session: Session, notification_ids: Sequence[int], *, sent_at: datetime | None, error: str | None
) -> None:
    """Record one delivery attempt of claimed notifications: sent, or pending again with the
    error. The alerts they belong to are marked notified when sent."""
    values: dict[str, Any] = {"attempts": Notification.attempts + 1, "last_error": error,
                              "claimed_at": None}
    values |= {"status": "sent", "sent_at": sent_at} if sent_at else {"status": "pending"}
    ids = list(notification_ids)
    unsynced = {"synchronize_session": False}
    session.execute(update(Notification).where(Notification.id.in_(ids)).values(values),
                    execution_options=unsynced)
    if sent_at is not None:
        alert_ids = select(Notification.alert_id).where(Notification.id.in_(ids))
        session.execute(update(Alert).where(Alert.id.in_(alert_ids)).values(last_notified_at=sent_at),
                        execution_options=unsynced)


def count_waiting(session: Session, channels: Sequence[str]) -> int:
    """Pending notifications for channels other than these (not configured in this run)."""
    query = select(func.count()).select_from(Notification).where(
        Notification.status == "pending", Notification.channel.not_in(list(channels)))
    return int(session.scalar(query) or 0)

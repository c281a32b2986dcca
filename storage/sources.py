"""Collector state on the `sources` table: cursors saved with their mentions, and health."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from collector.mention import Mention
from storage.mentions import UpsertResult, ensure_source, upsert_mentions, utc_naive
from storage.models import Source


def start_attempt(
    session: Session, name: str, kind: str, brand: str, at: datetime
) -> dict[str, Any] | None:
    """Note the attempt and return the saved cursor (None before the first success)."""
    source = ensure_source(session, name, kind, brand)
    source.last_attempt_at = utc_naive(at)
    return dict(source.cursor) if source.cursor else None


def store_batch(
    session: Session,
    name: str,
    kind: str,
    brand: str,
    mentions: Iterable[Mention],
    cursor: dict[str, Any] | None,
    collected_at: datetime,
) -> UpsertResult:
    """Mentions and the cursor that covers them, in the caller's one transaction."""
    source = ensure_source(session, name, kind, brand)
    result = upsert_mentions(session, source, mentions, collected_at)
    if cursor is not None:
        source.cursor = cursor
    return result


def record_success(
    session: Session, name: str, kind: str, brand: str, at: datetime, items: int, skipped: int
) -> None:
    source = ensure_source(session, name, kind, brand)
    source.last_success_at = utc_naive(at)
    source.items_last_run = items
    source.skipped_last_run = skipped
    source.consecutive_failures = 0
    source.last_error = None


def record_failure(session: Session, name: str, kind: str, brand: str, error: str) -> int:
    """Keep the error and count it; the cursor is left as the last stored batch saved it."""
    source = ensure_source(session, name, kind, brand)
    source.last_error = error
    source.consecutive_failures = (source.consecutive_failures or 0) + 1
    return source.consecutive_failures


def all_sources(session: Session) -> list[Source]:
    return list(session.scalars(select(Source).order_by(Source.name)))

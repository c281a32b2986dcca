"""Queries behind emerging complaints: negative mentions of a span, cached vectors, found groups."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from storage.corrections import effective_sentiment, effective_themes
from storage.models import EmergingCluster, MentionRow, MentionVector, Source, Tag


@dataclass(frozen=True)
class NegativeMention:
    id: int
    text: str
    title: str | None
    source: str
    published_at: datetime
    url: str | None
    author: str | None
    themes: tuple[str, ...]


def negative_mentions(session: Session, brand: str, start: datetime, end: datetime) -> list[NegativeMention]:
    """Mentions of `brand` tagged negative (a person's correction winning) and published in
    [start, end), oldest first, with their themes."""
    query = (
        select(MentionRow.id, MentionRow.text, MentionRow.title, Source.name, MentionRow.published_at,
               MentionRow.url, MentionRow.author)
        .join(Tag, Tag.mention_id == MentionRow.id)
        .join(Source, Source.id == MentionRow.source_id)
        .where(MentionRow.brand == brand, MentionRow.published_at >= start,
               MentionRow.published_at < end, effective_sentiment() == "negative")
        .order_by(MentionRow.published_at, MentionRow.id)
    )
    rows = session.execute(query).all()
    themes: dict[int, list[str]] = defaultdict(list)
    ids = [row.id for row in rows]
    for start_at in range(0, len(ids), 900):  # stay under SQLite's bound-parameter limit
        chunk = ids[start_at:start_at + 900]
        tagged = effective_themes(MentionRow.id.in_(chunk))
        found = session.execute(select(tagged.c.mention_id, tagged.c.theme))
        for mention_id, theme in found:
            themes[mention_id].append(theme)
    return [NegativeMention(row.id, row.text, row.title, row.name, row.published_at, row.url,
                            row.author, tuple(sorted(themes[row.id]))) for row in rows]


def stored_vectors(session: Session, mention_ids: Sequence[int], model_version: str) -> dict[int, bytes]:
    """The vectors already kept for these mentions by this model version."""
    found: dict[int, bytes] = {}
    for start in range(0, len(mention_ids), 900):
        chunk = list(mention_ids[start:start + 900])
        query = select(MentionVector.mention_id, MentionVector.vector).where(
            MentionVector.mention_id.in_(chunk), MentionVector.model_version == model_version)
        found.update({mention_id: vector for mention_id, vector in session.execute(query)})
    return found


def save_vectors(session: Session, vectors: Iterable[tuple[int, bytes]], model_version: str) -> None:
    """Keep vectors for reuse, replacing any from another model version."""
    for mention_id, vector in vectors:
        session.merge(MentionVector(mention_id=mention_id, model_version=model_version, vector=vector))


def replace_clusters(session: Session, brand: str, period_label: str, created_at: datetime,
                     clusters: Sequence[dict[str, Any]]) -> list[int]:
    """Store the groups found for one brand and week in place of any found before; their ids."""
    session.execute(delete(EmergingCluster).where(EmergingCluster.brand == brand,
                                                  EmergingCluster.period_label == period_label))
    rows = [EmergingCluster(brand=brand, period_label=period_label, created_at=created_at,
                            status=item["status"], label=item["label"], count=item["count"],
                            data=item) for item in clusters]
    session.add_all(rows)
    session.flush()
    return [row.id for row in rows]


def clusters_of(session: Session, brand: str, period_label: str) -> list[EmergingCluster]:
    query = (select(EmergingCluster)
             .where(EmergingCluster.brand == brand, EmergingCluster.period_label == period_label)
             .order_by(EmergingCluster.id))
    return list(session.scalars(query))


def get_cluster(session: Session, cluster_id: int) -> EmergingCluster | None:
    return session.get(EmergingCluster, cluster_id)

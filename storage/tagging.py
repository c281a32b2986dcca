"""Queries for tagging: which mentions still need tags, and storing tags with their themes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TypeVar

from sqlalchemy import Select, delete, func, or_, select
from sqlalchemy.orm import Session

from storage.mentions import utc_naive
from storage.models import MentionRow, MentionTheme, Source, Tag

TAGGED = "tagged"
UNSUPPORTED_LANGUAGE = "unsupported_language"
SelectT = TypeVar("SelectT", bound=Select)


@dataclass(frozen=True)
class PendingMention:
    id: int
    title: str | None
    text: str
    source_kind: str | None = None  # the collector kind of its source (google_play, reddit, ...)


@dataclass(frozen=True)
class NewTag:
    mention_id: int
    status: str
    language: str | None
    model_version: str
    tagged_at: datetime
    sentiment: str | None = None
    scores: dict[str, float] = field(default_factory=dict)  # negative / neutral / positive
    themes: dict[str, float] = field(default_factory=dict)  # assigned themes and their scores
    evidence: dict[str, str] = field(default_factory=dict)  # theme: the sentence that carries it


def _pending(query: SelectT, model_version: str | None) -> SelectT:
    query = query.outerjoin(Tag, Tag.mention_id == MentionRow.id)
    if model_version is None:
        return query.where(Tag.mention_id.is_(None))
    return query.where(or_(Tag.mention_id.is_(None), Tag.model_version != model_version))


def count_pending(session: Session, model_version: str | None = None) -> int:
    """Mentions without a tag; with `model_version`, also those tagged by another version."""
    query = _pending(select(func.count()).select_from(MentionRow), model_version)
    return int(session.scalar(query) or 0)


def pending_mentions(session: Session, limit: int,
                     model_version: str | None = None) -> list[PendingMention]:
    """Up to `limit` mentions needing tags (see `count_pending`), oldest id first."""
    query = _pending(select(MentionRow.id, MentionRow.title, MentionRow.text, Source.kind)
                     .join(Source, Source.id == MentionRow.source_id), model_version)
    rows = session.execute(query.order_by(MentionRow.id).limit(limit))
    return [PendingMention(row.id, row.title, row.text, row.kind) for row in rows]


def store_tags(session: Session, tags: Sequence[NewTag]) -> None:
    """Write tags and their themes, replacing whatever those mentions had before."""
    if not tags:
        return
    ids = [tag.mention_id for tag in tags]
    session.execute(delete(MentionTheme).where(MentionTheme.mention_id.in_(ids)))
    session.execute(delete(Tag).where(Tag.mention_id.in_(ids)))
    session.add_all(Tag(
        mention_id=tag.mention_id, status=tag.status, sentiment=tag.sentiment,
        score_negative=tag.scores.get("negative"), score_neutral=tag.scores.get("neutral"),
        score_positive=tag.scores.get("positive"), language=tag.language,
        model_version=tag.model_version[:100], tagged_at=utc_naive(tag.tagged_at),
    ) for tag in tags)
    session.add_all(MentionTheme(mention_id=tag.mention_id, theme=theme, score=score,
                                 evidence=tag.evidence.get(theme))
                    for tag in tags for theme, score in tag.themes.items())
    session.flush()

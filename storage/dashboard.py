"""Read queries behind the web dashboard; tags are the effective ones (people's corrections applied).

Days are UTC calendar days, returned as 'YYYY-MM-DD' text. Ranges are [start, end) in naive UTC.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, select
from sqlalchemy.orm import Session

from storage.corrections import effective_sentiment, effective_themes, split_themes
from storage.mentions import MentionFilter, filtered_mentions
from storage.models import Digest, MentionRow, MentionTheme, Source, Tag


def _in_range(brand: str, start: datetime, end: datetime) -> tuple[ColumnElement[bool], ...]:
    return (MentionRow.brand == brand, MentionRow.published_at >= start, MentionRow.published_at < end)


def _day() -> ColumnElement[Any]:
    return func.date(MentionRow.published_at)


def _negative() -> ColumnElement[int]:
    return case((effective_sentiment() == "negative", 1), else_=0)


@dataclass(frozen=True)
class Totals:
    mentions: int
    tagged: int
    negative: int
    rating_sum: int
    rating_count: int

    @property
    def negative_share(self) -> float | None:
        return self.negative / self.tagged if self.tagged else None

    @property
    def average_rating(self) -> float | None:
        return self.rating_sum / self.rating_count if self.rating_count else None


@dataclass(frozen=True)
class DayVolume:
    day: str
    sentiment: str | None  # None: not tagged
    count: int
    rating_sum: int
    rating_count: int


def daily_volume(session: Session, brand: str, start: datetime, end: datetime) -> list[DayVolume]:
    """Mentions of `brand` per day and effective sentiment, with their ratings."""
    day, sentiment = _day().label("day"), effective_sentiment().label("sentiment")
    query = (
        select(day, sentiment, func.count(), func.sum(MentionRow.rating), func.count(MentionRow.rating))
        .select_from(MentionRow)
        .outerjoin(Tag, Tag.mention_id == MentionRow.id)
        .where(*_in_range(brand, start, end))
        .group_by(day, sentiment)
    )
    return [DayVolume(str(d), s, n, int(total or 0), rated)
            for d, s, n, total, rated in session.execute(query)]


def totals(rows: Sequence[DayVolume]) -> Totals:
    """The days' rows summed: mentions, tagged, negative and ratings."""
    return Totals(
        mentions=sum(row.count for row in rows),
        tagged=sum(row.count for row in rows if row.sentiment is not None),
        negative=sum(row.count for row in rows if row.sentiment == "negative"),
        rating_sum=sum(row.rating_sum for row in rows),
        rating_count=sum(row.rating_count for row in rows),
    )


@dataclass(frozen=True)
class ThemeDay:
    day: str
    theme: str
    count: int
    negative: int


def daily_themes(session: Session, brand: str, start: datetime, end: datetime,
                 theme: str | None = None) -> list[ThemeDay]:
    """Mentions per day and effective theme (only `theme` if given), with how many are negative."""
    pairs = effective_themes(*_in_range(brand, start, end), theme=theme)
    day = _day().label("day")
    query = (
        select(day, pairs.c.theme, func.count(), func.sum(_negative()))
        .select_from(pairs)
        .join(MentionRow, MentionRow.id == pairs.c.mention_id)
        .outerjoin(Tag, Tag.mention_id == MentionRow.id)
        .group_by(day, pairs.c.theme)
    )
    return [ThemeDay(str(d), t, n, int(neg or 0)) for d, t, n, neg in session.execute(query)]


def theme_by_source(session: Session, brand: str, theme: str, start: datetime, end: datetime
                    ) -> list[tuple[str, int, int]]:
    """(source name, mentions, negative) carrying `theme`, busiest source first."""
    pairs = effective_themes(*_in_range(brand, start, end), theme=theme)
    count = func.count()
    query = (
        select(Source.name, count, func.sum(_negative()))
        .select_from(pairs)
        .join(MentionRow, MentionRow.id == pairs.c.mention_id)
        .join(Source, Source.id == MentionRow.source_id)
        .outerjoin(Tag, Tag.mention_id == MentionRow.id)
        .group_by(Source.name)
        .order_by(count.desc(), Source.name)
    )
    return [(name, n, int(neg or 0)) for name, n, neg in session.execute(query)]


@dataclass(frozen=True)
class Quote:
    theme: str
    mention_id: int
    text: str
    title: str | None
    url: str | None
    source: str
    published_at: datetime
    sentiment: str | None
    evidence: str | None = None  # the sentence that carries the theme, when the tagger gave one


def top_quotes(session: Session, brand: str, start: datetime, end: datetime, per_theme: int
               ) -> list[Quote]:
    """Up to `per_theme` mentions per effective theme: the model's most confident first, newest next."""
    pairs = effective_themes(*_in_range(brand, start, end))
    rank = func.row_number().over(
        partition_by=pairs.c.theme,
        order_by=(pairs.c.score.desc(), MentionRow.published_at.desc(), MentionRow.id),
    ).label("rank")
    ranked = (
        select(pairs.c.theme, MentionRow.id.label("mention_id"), rank)
        .select_from(pairs)
        .join(MentionRow, MentionRow.id == pairs.c.mention_id)
        .subquery()
    )
    query = (
        select(ranked.c.theme, MentionRow, Source.name, effective_sentiment(),
               MentionTheme.evidence)
        .select_from(ranked)
        .join(MentionRow, MentionRow.id == ranked.c.mention_id)
        .join(Source, Source.id == MentionRow.source_id)
        .outerjoin(Tag, Tag.mention_id == MentionRow.id)
        # a theme a person added has no evidence: the whole text is quoted then
        .outerjoin(MentionTheme, and_(MentionTheme.mention_id == MentionRow.id,
                                      MentionTheme.theme == ranked.c.theme))
        .where(ranked.c.rank <= per_theme)
        .order_by(ranked.c.theme, ranked.c.rank)
    )
    return [Quote(theme, m.id, m.text, m.title, m.url, source, m.published_at, sentiment, evidence)
            for theme, m, source, sentiment, evidence in session.execute(query)]


# --- the mentions browser ----------------------------------------------------------------------

SORTS: dict[str, tuple[Any, ...]] = {
    "newest": (MentionRow.published_at.desc(), MentionRow.id.desc()),
    "oldest": (MentionRow.published_at, MentionRow.id),
    "rating_low": (MentionRow.rating.is_(None), MentionRow.rating, MentionRow.published_at.desc()),
    "rating_high": (MentionRow.rating.is_(None), MentionRow.rating.desc(),
                    MentionRow.published_at.desc()),
    "most_negative": (Tag.score_negative.is_(None), Tag.score_negative.desc(), MentionRow.id),
}


@dataclass(frozen=True)
class MentionItem:
    id: int
    source: str
    brand: str
    url: str | None
    author: str | None
    title: str | None
    text: str
    rating: int | None
    language: str | None
    published_at: datetime
    sentiment: str | None
    themes: list[str]


@dataclass(frozen=True)
class MentionPage:
    items: list[MentionItem]
    total: int


def browse(session: Session, filters: MentionFilter, sort: str, offset: int, limit: int) -> MentionPage:
    """One page of mentions matching `filters` (the `mentions export` filters), sorted by `sort`."""
    query = filtered_mentions(filters)
    # Count on the filters alone: the listing's correlated columns (themes, sentiment) cost per row.
    counted = query.order_by(None).with_only_columns(func.count(), maintain_column_froms=True)
    total = session.scalar(counted) or 0
    rows = session.execute(query.order_by(None).order_by(*SORTS[sort]).offset(offset).limit(limit))
    items = [
        MentionItem(m.id, source, m.brand, m.url, m.author, m.title, m.text, m.rating, m.language,
                    m.published_at, sentiment, split_themes(themes))
        for m, source, _tag, themes, sentiment in rows
    ]
    return MentionPage(items, int(total))


def mention_item(session: Session, mention_id: int) -> MentionItem | None:
    row = session.execute(filtered_mentions(MentionFilter()).where(MentionRow.id == mention_id)).first()
    if row is None:
        return None
    m, source, _tag, themes, sentiment = row
    return MentionItem(m.id, source, m.brand, m.url, m.author, m.title, m.text, m.rating, m.language,
                       m.published_at, sentiment, split_themes(themes))


# --- sources, digests, alerts ------------------------------------------------------------------


def sources(session: Session) -> list[Source]:
    return list(session.scalars(select(Source).order_by(Source.brand, Source.name)))


def digests(session: Session, limit: int = 200) -> list[Digest]:
    return list(session.scalars(
        select(Digest).order_by(Digest.period_start.desc(), Digest.brand).limit(limit)))


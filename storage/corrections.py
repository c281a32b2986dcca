"""People's corrections to tags, and the "effective tags" every reader should use.

The model's output stays in `tags` / `mention_themes` (re-tagging rewrites it); corrections live in
`tag_corrections`, one row per change, and the newest per (mention, field, theme) wins. Queries that
count or show tags use `effective_sentiment()` and `has_theme()` / `effective_themes()` below, so a
correction shows everywhere and survives re-tagging.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import ColumnElement, Float, Subquery, and_, func, literal, or_, select, union_all
from sqlalchemy.orm import Session, aliased

from storage.models import MentionRow, MentionTheme, Source, Tag, TagCorrection

if TYPE_CHECKING:
    from storage.mentions import MentionFilter

SENTIMENT = "sentiment"
THEME = "theme"
PRESENT, ABSENT = "present", "absent"
SENTIMENTS = ("negative", "neutral", "positive")


def effective_sentiment() -> ColumnElement[Any]:
    """The mention's sentiment: the newest correction if any, else the model's (`Tag` must be joined)."""
    corrected = (
        select(TagCorrection.after)
        # theme IS NULL too, so the index yields the newest row without a sort
        .where(TagCorrection.mention_id == MentionRow.id, TagCorrection.field == SENTIMENT,
               TagCorrection.theme.is_(None))
        .order_by(TagCorrection.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    # An `after` of None (a revert) falls through to the model's value, as does no correction.
    return func.coalesce(corrected, Tag.sentiment)


def _latest_theme_state(mention_id: Any, theme: Any) -> ColumnElement[Any]:
    """'present', 'absent', or '' when no one corrected this theme on this mention.

    A correlated lookup on the (mention_id, field, theme) index: cheap per row, so it fits
    queries over many mentions.
    """
    newest = (
        select(TagCorrection.after)
        .where(TagCorrection.mention_id == mention_id, TagCorrection.field == THEME,
               TagCorrection.theme == theme)
        .order_by(TagCorrection.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    return func.coalesce(newest, "")


def has_theme(theme: str) -> ColumnElement[bool]:
    """True where the mention (`MentionRow`) effectively carries `theme`."""
    model = (
        select(MentionTheme.mention_id)
        .where(MentionTheme.mention_id == MentionRow.id, MentionTheme.theme == theme)
        .exists()
    )
    state = _latest_theme_state(MentionRow.id, theme)
    return or_(and_(model, state != ABSENT), state == PRESENT)


def _added_themes() -> tuple[Any, ColumnElement[bool]]:
    """A correction alias and the condition that it is the newest for its theme and adds it."""
    added = aliased(TagCorrection)
    newest = added.id == (
        select(func.max(TagCorrection.id))
        .where(TagCorrection.mention_id == added.mention_id, TagCorrection.field == THEME,
               TagCorrection.theme == added.theme)
        .scalar_subquery()
    )
    return added, and_(added.field == THEME, added.after == PRESENT, newest)


def effective_themes(*mention_filters: ColumnElement[bool], theme: str | None = None) -> Subquery:
    """(mention_id, theme, score) rows in force for mentions matching `mention_filters` (and
    `theme`); `score` is the model's, 1.0 for a theme a person added.

    The filters go inside both halves so the database only ever materialises the rows asked for.
    """
    model = (
        select(MentionTheme.mention_id, MentionTheme.theme, MentionTheme.score)
        .join(MentionRow, MentionRow.id == MentionTheme.mention_id)
        .where(*mention_filters,
               _latest_theme_state(MentionTheme.mention_id, MentionTheme.theme) != ABSENT)
    )
    added, in_force = _added_themes()
    if theme is not None:
        model = model.where(MentionTheme.theme == theme)
        in_force = and_(in_force, added.theme == theme)
    stored = aliased(MentionTheme)
    extra = (
        select(added.mention_id, added.theme, literal(1.0, Float).label("score"))
        .join(MentionRow, MentionRow.id == added.mention_id)
        .where(
            *mention_filters, in_force,
            ~select(stored.mention_id)
            .where(stored.mention_id == added.mention_id, stored.theme == added.theme)
            .exists(),
        )
    )
    return union_all(model, extra).subquery("effective_themes")


def themes_text() -> ColumnElement[Any]:
    """The mention's (`MentionRow`) effective themes as comma-separated text, possibly with empty
    items and unordered: read it with `split_themes`. Correlated, so it fits any mention query."""
    model = (
        select(func.aggregate_strings(MentionTheme.theme, ","))
        # the lookup correlates to mention_themes, its own enclosing query (never to a mention
        # two levels up, which SQLAlchemy would add to the FROM list instead)
        .where(MentionTheme.mention_id == MentionRow.id,
               _latest_theme_state(MentionTheme.mention_id, MentionTheme.theme) != ABSENT)
        .scalar_subquery()
    )
    added, in_force = _added_themes()
    extra = (
        select(func.aggregate_strings(added.theme, ","))
        .where(added.mention_id == MentionRow.id, in_force)
        .scalar_subquery()
    )
    return func.coalesce(model, "") + "," + func.coalesce(extra, "")


def split_themes(text: str | None) -> list[str]:
    return sorted({theme for theme in (text or "").split(",") if theme})


# --- writing ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class MentionTags:
    sentiment: str | None
    themes: list[str]
    model_sentiment: str | None
    model_themes: list[str]


def mention_tags(session: Session, mention_id: int) -> MentionTags:
    """The effective and the model's tags of one mention."""
    model_sentiment = session.scalar(select(Tag.sentiment).where(Tag.mention_id == mention_id))
    model_themes = sorted(session.scalars(
        select(MentionTheme.theme).where(MentionTheme.mention_id == mention_id)))
    sentiment = session.scalar(
        select(effective_sentiment()).select_from(MentionRow)
        .outerjoin(Tag, Tag.mention_id == MentionRow.id).where(MentionRow.id == mention_id))
    pairs = effective_themes(MentionRow.id == mention_id)
    themes = sorted(session.scalars(select(pairs.c.theme)))
    return MentionTags(sentiment, themes, model_sentiment, model_themes)


def correct_sentiment(session: Session, mention_id: int, sentiment: str | None, who: str,
                      when: datetime) -> bool:
    """Set the mention's sentiment (None: back to the model's); False when nothing changes."""
    if sentiment is not None and sentiment not in SENTIMENTS:
        raise ValueError(f"unknown sentiment {sentiment!r}; use one of {', '.join(SENTIMENTS)}")
    current = mention_tags(session, mention_id)
    if sentiment == current.sentiment and sentiment is not None:
        return False
    session.add(TagCorrection(mention_id=mention_id, field=SENTIMENT, before=current.sentiment,
                              after=sentiment, corrected_by=who[:200], corrected_at=when))
    session.flush()
    return True


def correct_theme(session: Session, mention_id: int, theme: str, present: bool, who: str,
                  when: datetime) -> bool:
    """Add (`present`) or remove a theme from the mention; False when it is already so."""
    current = mention_tags(session, mention_id)
    if (theme in current.themes) == present:
        return False
    session.add(TagCorrection(
        mention_id=mention_id, field=THEME, theme=theme[:100],
        before=ABSENT if present else PRESENT, after=PRESENT if present else ABSENT,
        corrected_by=who[:200], corrected_at=when))
    session.flush()
    return True


@dataclass(frozen=True)
class Correction:
    field: str
    theme: str | None
    before: str | None
    after: str | None
    corrected_by: str
    corrected_at: datetime


def corrections_of(session: Session, mention_id: int) -> list[Correction]:
    rows = session.scalars(select(TagCorrection).where(TagCorrection.mention_id == mention_id)
                           .order_by(TagCorrection.id.desc()))
    return [Correction(r.field, r.theme, r.before, r.after, r.corrected_by, r.corrected_at)
            for r in rows]


CORRECTION_FIELDS = (
    "source", "external_id", "brand", "title", "text", "language", "sentiment", "themes",
    "model_sentiment", "model_themes", "corrected_by", "corrected_at",
)


def corrected_mentions(session: Session, filters: MentionFilter) -> Iterator[dict[str, Any]]:
    """Every corrected mention matching `filters`, with its effective and model tags: labelled
    data for retraining. Oldest mention first."""
    from storage.mentions import filtered_mentions

    last = (
        select(TagCorrection.mention_id, func.max(TagCorrection.id).label("last_id"))
        .group_by(TagCorrection.mention_id).subquery()
    )
    matching = filtered_mentions(filters).order_by(None)
    corrected = matching.with_only_columns(MentionRow.id, maintain_column_froms=True).subquery()
    query = (
        select(corrected.c.id, TagCorrection.corrected_by, TagCorrection.corrected_at)
        .join(last, last.c.mention_id == corrected.c.id)
        .join(TagCorrection, TagCorrection.id == last.c.last_id)
        .order_by(corrected.c.id)
    )
    for mention_id, who, when in session.execute(query).all():
        mention, source = session.execute(
            select(MentionRow, Source.name).join(Source, Source.id == MentionRow.source_id)
            .where(MentionRow.id == mention_id)).one()
        tags = mention_tags(session, mention_id)
        yield {
            "source": source, "external_id": mention.external_id, "brand": mention.brand,
            "title": mention.title, "text": mention.text, "language": mention.language,
            "sentiment": tags.sentiment, "themes": tags.themes,
            "model_sentiment": tags.model_sentiment, "model_themes": tags.model_themes,
            "corrected_by": who, "corrected_at": when.isoformat() + "+00:00",
        }


@dataclass(frozen=True)
class CorrectionLabel:
    """A person's judgement of one tag of one mention: `field` 'sentiment' (value: the sentiment)
    or 'theme' (value: 'present' or 'absent' for `theme`)."""

    mention_id: int
    title: str | None
    text: str
    source_kind: str
    field: str
    theme: str | None
    value: str


def correction_labels(session: Session) -> list[CorrectionLabel]:
    """The newest correction of each (mention, field, theme) that set a value (not a revert)."""
    newest = (
        select(func.max(TagCorrection.id))
        .group_by(TagCorrection.mention_id, TagCorrection.field, TagCorrection.theme)
        .scalar_subquery()
    )
    query = (
        select(MentionRow.id, MentionRow.title, MentionRow.text, Source.kind, TagCorrection.field,
               TagCorrection.theme, TagCorrection.after)
        .join(MentionRow, MentionRow.id == TagCorrection.mention_id)
        .join(Source, Source.id == MentionRow.source_id)
        .where(TagCorrection.id.in_(newest), TagCorrection.after.is_not(None))
        .order_by(MentionRow.id, TagCorrection.field, TagCorrection.theme)
    )
    return [CorrectionLabel(mention_id, title, text, kind, field, theme, str(after))
            for mention_id, title, text, kind, field, theme, after in session.execute(query)]

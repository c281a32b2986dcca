"""SQLAlchemy 2.0 models. Times are stored as naive UTC so SQLite and PostgreSQL compare alike."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Source(Base):
    """A configured source and its collector state."""

    __tablename__ = "sources"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(64))
    brand: Mapped[str] = mapped_column(String(200))
    # Where the collector stopped, per stream (feed validators such as ETag included); saved
    # in the same transaction as the mentions it covers.
    cursor: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    last_attempt_at: Mapped[datetime | None]
    last_success_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    consecutive_failures: Mapped[int] = mapped_column(Integer, default=0)
    items_last_run: Mapped[int | None] = mapped_column(Integer)
    skipped_last_run: Mapped[int | None] = mapped_column(Integer)


class MentionRow(Base):
    __tablename__ = "mentions"
    __table_args__ = (
        UniqueConstraint("source_id", "external_id", name="uq_mentions_source_external"),
        Index("ix_mentions_brand_published", "brand", "published_at"),
        Index("ix_mentions_source_published", "source_id", "published_at"),
        Index("ix_mentions_collected", "collected_at"),
        Index("ix_mentions_published", "published_at"),  # the dashboard's any-brand date ranges
        # Covers the dashboard's per-day counts and ratings without reading the mention rows.
        Index("ix_mentions_brand_published_cover", "brand", "published_at", "source_id", "rating"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id", ondelete="CASCADE"))
    external_id: Mapped[str] = mapped_column(String(500))
    brand: Mapped[str] = mapped_column(String(200))
    url: Mapped[str | None] = mapped_column(Text)
    author: Mapped[str | None] = mapped_column(String(500))
    title: Mapped[str | None] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text)
    rating: Mapped[int | None] = mapped_column(SmallInteger)
    language: Mapped[str | None] = mapped_column(String(16))
    published_at: Mapped[datetime]
    collected_at: Mapped[datetime]
    metrics: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class Tag(Base):
    """Sentiment for one mention, or why it was not tagged (status 'unsupported_language')."""

    __tablename__ = "tags"
    __table_args__ = (Index("ix_tags_sentiment", "sentiment"),)

    mention_id: Mapped[int] = mapped_column(
        ForeignKey("mentions.id", ondelete="CASCADE"), primary_key=True
    )
    status: Mapped[str] = mapped_column(String(32), default="tagged")
    sentiment: Mapped[str | None] = mapped_column(String(16))
    score_negative: Mapped[float | None] = mapped_column(Float)
    score_neutral: Mapped[float | None] = mapped_column(Float)
    score_positive: Mapped[float | None] = mapped_column(Float)
    language: Mapped[str | None] = mapped_column(String(16))
    model_version: Mapped[str] = mapped_column(String(100))
    tagged_at: Mapped[datetime]


class MentionTheme(Base):
    __tablename__ = "mention_themes"
    __table_args__ = (Index("ix_mention_themes_theme", "theme", "mention_id"),)

    mention_id: Mapped[int] = mapped_column(
        ForeignKey("mentions.id", ondelete="CASCADE"), primary_key=True
    )
    theme: Mapped[str] = mapped_column(String(100), primary_key=True)
    score: Mapped[float] = mapped_column(Float)
    evidence: Mapped[str | None] = mapped_column(Text)  # the sentence that carries the theme


class Alert(Base):
    """One spike episode of a brand's metric: firing until resolved. `key` is brand|metric."""

    __tablename__ = "alerts"
    __table_args__ = (
        Index("ix_alerts_key_state", "key", "state"),
        # At most one open episode per key, even with two checkers racing.
        Index(
            "uq_alerts_open_key",
            "key",
            unique=True,
            sqlite_where=text("state = 'firing'"),
            postgresql_where=text("state = 'firing'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(300))
    brand: Mapped[str] = mapped_column(String(200))
    metric: Mapped[str] = mapped_column(String(100))
    window: Mapped[str] = mapped_column(String(16))
    state: Mapped[str] = mapped_column(String(16))
    started_at: Mapped[datetime]
    last_spike_at: Mapped[datetime]
    observed: Mapped[float] = mapped_column(Float)
    expected: Mapped[float] = mapped_column(Float)
    detail: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    last_notified_at: Mapped[datetime | None]
    resolved_at: Mapped[datetime | None]


class Notification(Base):
    """Outbox of alert messages, one row per channel: written before delivery, claimed by one
    checker ("sending", with `claimed_at`), marked sent after."""

    __tablename__ = "notifications"
    __table_args__ = (
        UniqueConstraint(
            "alert_id", "event", "sequence", "channel", name="uq_notifications_event"
        ),
        Index("ix_notifications_status", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("alerts.id", ondelete="CASCADE"))
    event: Mapped[str] = mapped_column(String(16))
    sequence: Mapped[int] = mapped_column(Integer, default=0)
    channel: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16), default="pending")
    subject: Mapped[str] = mapped_column(String(500))
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    claimed_at: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]


class Snooze(Base):
    """Notifications for `metric` muted until `until`; brand None means every brand."""

    __tablename__ = "snoozes"

    id: Mapped[int] = mapped_column(primary_key=True)
    brand: Mapped[str | None] = mapped_column(String(200))
    metric: Mapped[str] = mapped_column(String(100))
    until: Mapped[datetime]
    created_at: Mapped[datetime]


class Digest(Base):
    """One brand's digest for one period, in every format; `charts` maps Content-ID to base64 PNG."""

    __tablename__ = "digests"
    __table_args__ = (UniqueConstraint("brand", "period_start", name="uq_digests_brand_period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    brand: Mapped[str] = mapped_column(String(200))
    period_label: Mapped[str] = mapped_column(String(32))
    period_start: Mapped[datetime]
    period_end: Mapped[datetime]
    created_at: Mapped[datetime]
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    html: Mapped[str] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text)
    markdown: Mapped[str] = mapped_column(Text)
    charts: Mapped[dict[str, Any]] = mapped_column(JSON)
    archive_path: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[datetime | None]


class JobRun(Base):
    """Ledger of scheduled runs, so a restart neither repeats a fire time nor drops one silently."""

    __tablename__ = "job_runs"
    __table_args__ = (UniqueConstraint("job_id", "fire_time", name="uq_job_runs_job_fire"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[str] = mapped_column(String(300))
    fire_time: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(16))
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    error: Mapped[str | None] = mapped_column(Text)


class MentionVector(Base):
    """A mention's sentence vector (float16 bytes) from one model version, kept for reuse."""

    __tablename__ = "mention_vectors"

    mention_id: Mapped[int] = mapped_column(
        ForeignKey("mentions.id", ondelete="CASCADE"), primary_key=True
    )
    model_version: Mapped[str] = mapped_column(String(100))
    vector: Mapped[bytes] = mapped_column(LargeBinary)


class EmergingCluster(Base):
    """One group of a brand's negative mentions found for one week; `data` is its digest view."""

    __tablename__ = "emerging_clusters"
    __table_args__ = (Index("ix_emerging_clusters_brand_period", "brand", "period_label"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    brand: Mapped[str] = mapped_column(String(200))
    period_label: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(16))
    label: Mapped[str] = mapped_column(Text)
    count: Mapped[int] = mapped_column(Integer)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)


class TagCorrection(Base):
    """A person's correction of a mention's tags, kept apart from model output so re-tagging keeps it.

    `field` is 'sentiment' (before/after: sentiment names; after None reverts to the model) or
    'theme' (`theme` names it; before/after: 'present' or 'absent'). The newest row per
    (mention, field, theme) is the one in force.
    """

    __tablename__ = "tag_corrections"
    __table_args__ = (Index("ix_tag_corrections_mention", "mention_id", "field", "theme"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    mention_id: Mapped[int] = mapped_column(ForeignKey("mentions.id", ondelete="CASCADE"))
    field: Mapped[str] = mapped_column(String(16))
    theme: Mapped[str | None] = mapped_column(String(100))
    before: Mapped[str | None] = mapped_column(String(100))
    after: Mapped[str | None] = mapped_column(String(100))
    corrected_by: Mapped[str] = mapped_column(String(200))
    corrected_at: Mapped[datetime]

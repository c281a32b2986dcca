"""Writing mentions idempotently, and reading them back with filters."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import Select, Table, delete, select
from sqlalchemy.dialects import sqlite
from sqlalchemy.exc import DataError, IntegrityError
from sqlalchemy.orm import Session

from collector.mention import Mention
from storage.corrections import effective_sentiment, has_theme, split_themes, themes_text
from storage.models import MentionRow, MentionTheme, Source, Tag
from storage.search import matches_text

MAX_EXTERNAL_ID = 500
SHORT_FIELDS = {"author": 500, "language": 16}


def utc_naive(moment: datetime) -> datetime:
    """Stored form of a time: UTC without tzinfo (SQLite keeps no zone; this keeps both alike)."""
    if moment.tzinfo is None:
        return moment
    return moment.astimezone(UTC).replace(tzinfo=None)


def as_utc(moment: datetime) -> datetime:
    """A stored naive-UTC time as an aware UTC datetime."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


@dataclass
class UpsertResult:
    new: int = 0
    duplicates: int = 0
    updated: int = 0
    rejected: list[tuple[str, str]] = field(default_factory=list)


def ensure_source(session: Session, name: str, kind: str, brand: str) -> Source:
    """The source row for `name`, created on first use; kind and brand follow the config."""
    source = session.scalar(select(Source).where(Source.name == name))
    if source is None:
        source = Source(name=name, kind=kind, brand=brand, consecutive_failures=0)
        session.add(source)
        session.flush()
    else:
        source.kind, source.brand = kind, brand
    return source


def find_source(session: Session, name: str) -> Source | None:
    return session.scalar(select(Source).where(Source.name == name))


def stored_themes(session: Session) -> list[str]:
    """Every theme some stored mention carries (custom themes since removed included)."""
    return list(session.scalars(select(MentionTheme.theme).distinct()))


def _clean(value: str | None) -> str | None:
    # PostgreSQL refuses NUL in text; a review containing one must not sink the batch.
    return None if value is None else value.replace("\x00", "")


def _row(mention: Mention, source_id: int, brand: str, collected_at: datetime) -> dict[str, Any]:
    if len(mention.external_id) > MAX_EXTERNAL_ID:
        raise ValueError(f"external id longer than {MAX_EXTERNAL_ID} characters")
    row: dict[str, Any] = {
        "source_id": source_id,
        "external_id": _clean(mention.external_id),
        "brand": brand,
        "url": _clean(mention.url),
        "author": _clean(mention.author),
        "title": _clean(mention.title),
        "text": _clean(mention.text) or "",
        "rating": mention.rating,
        "language": _clean(mention.language),
        "published_at": utc_naive(mention.published_at),
        "collected_at": collected_at,
        "metrics": mention.metrics or None,
    }
    for name, limit in SHORT_FIELDS.items():
        if row[name] is not None:
            row[name] = row[name][:limit]
    return row


# PostgreSQL takes a batch by COPY into a temporary table, then one INSERT ... SELECT that skips
# rows already stored: far cheaper per row than bound parameters.
_COLUMNS = ("source_id", "external_id", "brand", "url", "author", "title", "text", "rating",
            "language", "published_at", "collected_at", "metrics")
_PG_STAGING = """
    CREATE TEMP TABLE IF NOT EXISTS mention_batch (
        source_id integer, external_id varchar, brand varchar, url text, author varchar,
        title text, text text, rating smallint, language varchar, published_at timestamp,
        collected_at timestamp, metrics json) ON COMMIT DELETE ROWS;
    DELETE FROM mention_batch
"""
_COLUMN_LIST = ", ".join(_COLUMNS)
_PG_COPY = f"COPY mention_batch ({_COLUMN_LIST}) FROM STDIN"
_PG_INSERT = (
    f"INSERT INTO mentions ({_COLUMN_LIST}) SELECT {_COLUMN_LIST} FROM mention_batch "  # noqa: S608
    "ON CONFLICT (source_id, external_id) DO NOTHING"
)


def _pg_copy_insert(session: Session, rows: list[dict[str, Any]]) -> int:
    import psycopg

    connection = session.connection()
    connection.exec_driver_sql(_PG_STAGING)
    driver = connection.connection.driver_connection
    try:
        with driver.cursor() as cursor, cursor.copy(_PG_COPY) as copy:  # type: ignore[union-attr]
            for row in rows:
                metrics = row["metrics"]
                copy.write_row([*(row[name] for name in _COLUMNS[:-1]),
                                None if metrics is None else json.dumps(metrics)])
    except psycopg.DataError as exc:  # the same error type the row-by-row fallback expects
        raise DataError(_PG_COPY, None, exc) from exc
    return int(connection.exec_driver_sql(_PG_INSERT).rowcount)


# What a row's own content can cause. A lost connection, a lock timeout or a deadlock
# (OperationalError) is no fault of the row: it fails the whole batch, cursor included, rather
# than dropping rows that a saved cursor would then claim were collected.
ROW_REFUSED = (IntegrityError, DataError)


def _insert_ignoring_duplicates(session: Session, rows: list[dict[str, Any]]) -> int:
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        return _pg_copy_insert(session, rows)
    table = cast(Table, MentionRow.__table__)
    stmt = sqlite.insert(table).on_conflict_do_nothing(index_elements=["source_id", "external_id"])
    return connection.execute(stmt, rows).rowcount


def upsert_mentions(
    session: Session,
    source: Source,
    mentions: Iterable[Mention],
    collected_at: datetime | None = None,
) -> UpsertResult:
    """Insert mentions not stored yet under (source, external id); returns how many were new.

    A row the database refuses is rejected alone (retried one by one under savepoints), so one
    bad row never costs the rest of the batch.
    """
    stamp = utc_naive(collected_at or datetime.now(UTC))
    result = UpsertResult()
    rows: dict[str, dict[str, Any]] = {}
    for mention in mentions:
        try:
            row = _row(mention, source.id, source.brand, stamp)
        except ValueError as exc:
            result.rejected.append((mention.external_id[:80], str(exc)))
            continue
        if row["external_id"] in rows:
            result.duplicates += 1
        rows[row["external_id"]] = row
    batch = list(rows.values())
    if not batch:
        return result
    refused = 0
    try:
        with session.begin_nested():
            new = _insert_ignoring_duplicates(session, batch)
    except ROW_REFUSED:
        new = 0
        for row in batch:
            try:
                with session.begin_nested():
                    new += _insert_ignoring_duplicates(session, [row])
            except ROW_REFUSED as exc:
                refused += 1
                result.rejected.append((row["external_id"][:80], str(exc.orig).strip()))
    result.new = new
    result.duplicates += len(batch) - new - refused
    return result


_CONTENT = ("url", "author", "title", "text", "rating", "language", "published_at", "metrics")


def upsert_imported(
    session: Session, source: Source, mentions: list[Mention], collected_at: datetime | None = None
) -> UpsertResult:
    """Like `upsert_mentions`, but a stored mention whose content changed takes the new content.

    An export is the system of record for its own ids: an edited ticket replaces the stored text,
    and a changed text or title drops the mention's tags so the next tagging run tags it again.
    """
    result = upsert_mentions(session, source, mentions, collected_at)
    latest: dict[str, dict[str, Any]] = {}
    for mention in mentions:
        try:
            row = _row(mention, source.id, source.brand, utc_naive(datetime.now(UTC)))
        except ValueError:  # already counted as rejected
            continue
        latest[row["external_id"]] = row
    retag: list[int] = []
    ids = list(latest)
    for start in range(0, len(ids), 500):
        stored_rows = session.scalars(select(MentionRow).where(
            MentionRow.source_id == source.id, MentionRow.external_id.in_(ids[start:start + 500])))
        for stored in stored_rows:
            fresh = latest[stored.external_id]
            changed = [name for name in _CONTENT if getattr(stored, name) != fresh[name]]
            if not changed:
                continue
            for name in changed:
                setattr(stored, name, fresh[name])
            result.updated += 1
            if "text" in changed or "title" in changed:
                retag.append(stored.id)
    for start in range(0, len(retag), 500):
        chunk = retag[start:start + 500]
        session.execute(delete(MentionTheme).where(MentionTheme.mention_id.in_(chunk)))
        session.execute(delete(Tag).where(Tag.mention_id.in_(chunk)))
    session.flush()
    result.duplicates -= result.updated
    return result


@dataclass(frozen=True)
class MentionFilter:
    brand: str | None = None
    source: str | None = None
    theme: str | None = None
    sentiment: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    rating: int | None = None
    language: str | None = None
    text: str | None = None  # every word in the title or text
    exclude_brands: tuple[str, ...] = ()


def filtered_mentions(filters: MentionFilter) -> Select[Any]:
    """A SELECT of mentions with their source, tag row, effective sentiment and themes (corrections
    applied; read themes with `split_themes`), filters as bound parameters."""
    sentiment = effective_sentiment()
    query = (
        select(MentionRow, Source.name, Tag, themes_text().label("themes"), sentiment.label("sentiment"))
        .join(Source, Source.id == MentionRow.source_id)
        .outerjoin(Tag, Tag.mention_id == MentionRow.id)
        .order_by(MentionRow.published_at, MentionRow.id)
    )
    if filters.brand:
        query = query.where(MentionRow.brand == filters.brand)
    if filters.exclude_brands:
        query = query.where(MentionRow.brand.not_in(filters.exclude_brands))
    if filters.source:
        query = query.where(Source.name == filters.source)
    if filters.sentiment:
        query = query.where(sentiment == filters.sentiment)
    if filters.theme:
        query = query.where(has_theme(filters.theme))
    if filters.rating is not None:
        query = query.where(MentionRow.rating == filters.rating)
    if filters.language:
        query = query.where(MentionRow.language == filters.language)
    if filters.text:
        query = query.where(matches_text(filters.text))
    if filters.since:
        query = query.where(MentionRow.published_at >= utc_naive(filters.since))
    if filters.until:
        query = query.where(MentionRow.published_at < utc_naive(filters.until))
    return query


EXPORT_FIELDS = (
    "source", "external_id", "brand", "url", "author", "title", "text", "rating", "language",
    "published_at", "collected_at", "sentiment", "themes", "tag_status", "detected_language",
    "model_version", "metrics",
)


def export_rows(session: Session, filters: MentionFilter) -> Iterator[dict[str, Any]]:
    """Mentions as plain dicts in EXPORT_FIELDS order, streamed."""
    for mention, source_name, tag, themes, sentiment in session.execute(
        filtered_mentions(filters).execution_options(yield_per=1000)
    ):
        yield {
            "source": source_name,
            "external_id": mention.external_id,
            "brand": mention.brand,
            "url": mention.url,
            "author": mention.author,
            "title": mention.title,
            "text": mention.text,
            "rating": mention.rating,
            "language": mention.language,
            "published_at": as_utc(mention.published_at).isoformat(),
            "collected_at": as_utc(mention.collected_at).isoformat(),
            "sentiment": sentiment,
            "themes": split_themes(themes),
            "tag_status": tag.status if tag else "untagged",
            "detected_language": tag.language if tag else None,
            "model_version": tag.model_version if tag else None,
            "metrics": mention.metrics or {},
        }

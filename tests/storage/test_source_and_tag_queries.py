"""Collector state and tagging queries on a SQLite file and on PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from collector.mention import Mention
from storage.db import Database
from storage.mentions import ensure_source, upsert_mentions
from storage.sources import all_sources, record_failure, record_success, start_attempt, store_batch
from storage.tagging import TAGGED, NewTag, count_pending, pending_mentions, store_tags

NOW = datetime(2026, 11, 20, 12, tzinfo=UTC)


def mentions(*ids: str) -> list[Mention]:
    return [Mention(ident, f"text {ident}", NOW - timedelta(hours=n), title=f"title {ident}")
            for n, ident in enumerate(ids)]


def test_a_cursor_is_saved_with_its_batch_and_health_is_kept(database: Database) -> None:
    with database.session() as session:
        assert start_attempt(session, "feed", "rss", "Acme", NOW) is None
        result = store_batch(session, "feed", "rss", "Acme", mentions("a", "b"), {"etag": "1"}, NOW)
        record_success(session, "feed", "rss", "Acme", NOW, items=2, skipped=1)
    assert (result.new, result.duplicates) == (2, 0)
    with database.session() as session:
        assert start_attempt(session, "feed", "rss", "Acme", NOW + timedelta(hours=1)) == {"etag": "1"}
        store_batch(session, "feed", "rss", "Acme", mentions("b"), None, NOW)  # no cursor: keep the old
        assert record_failure(session, "feed", "rss", "Acme", "HTTP 503") == 1
        assert record_failure(session, "feed", "rss", "Acme", "HTTP 503 again") == 2
        record_success(session, "other", "hacker_news", "Acme", NOW, items=0, skipped=0)
    with database.reading() as session:
        feed, other = all_sources(session)
    assert (feed.name, feed.cursor, feed.consecutive_failures, feed.last_error) == (
        "feed", {"etag": "1"}, 2, "HTTP 503 again")
    assert (feed.last_attempt_at, feed.last_success_at, feed.items_last_run, feed.skipped_last_run) == (
        datetime(2026, 11, 20, 13), datetime(2026, 11, 20, 12), 2, 1)
    assert (other.name, other.consecutive_failures, other.cursor) == ("other", 0, None)


def test_pending_mentions_come_oldest_id_first_and_tags_replace_old_ones(database: Database) -> None:
    with database.session() as session:
        upsert_mentions(session, ensure_source(session, "feed", "rss", "Acme"), mentions("a", "b", "c"), NOW)
    with database.reading() as session:
        assert count_pending(session) == 3
        first_two = pending_mentions(session, 2)
    assert [(p.title, p.text) for p in first_two] == [("title a", "text a"), ("title b", "text b")]
    with database.session() as session:
        store_tags(session, [NewTag(p.id, TAGGED, "en", "v1", NOW, sentiment="negative",
                                    scores={"negative": 0.8}, themes={"billing": 0.7, "slow_response": 0.6})
                             for p in first_two])
    with database.reading() as session:
        assert count_pending(session) == 1
        assert count_pending(session, model_version="v2") == 3  # tagged by another version count too
        assert [p.text for p in pending_mentions(session, 10, model_version="v1")] == ["text c"]
    with database.session() as session:
        store_tags(session, [NewTag(first_two[0].id, TAGGED, "en", "v2", NOW, sentiment="positive",
                                    themes={"praise": 0.9})])
    with database.reading() as session:
        assert count_pending(session, model_version="v2") == 2
        from storage.models import MentionTheme, Tag

        tag = session.get(Tag, first_two[0].id)
        themes = session.query(MentionTheme.theme).filter_by(mention_id=first_two[0].id).all()
    assert tag is not None and (tag.sentiment, tag.model_version, tag.score_negative) == ("positive", "v2", None)
    assert [theme for (theme,) in themes] == ["praise"]

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from collector.mention import Mention
from storage.db import Database
from storage.mentions import MentionFilter, ensure_source, export_rows, upsert_mentions
from storage.models import MentionRow, MentionTheme, Tag

T0 = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)


def make(n: int, start: int = 0, **extra: object) -> list[Mention]:
    return [
        Mention(external_id=f"m{i}", text=f"review number {i}", published_at=T0 + timedelta(hours=i),
                author=f"user{i}", rating=(i % 5) + 1, metrics={"likes": i}, **extra)  # type: ignore[arg-type]
        for i in range(start, start + n)
    ]


def count(database: Database) -> int:
    with database.session() as session:
        return session.scalar(select(func.count()).select_from(MentionRow)) or 0


def test_reinserting_the_same_mentions_adds_nothing(database: Database) -> None:
    with database.session() as session:
        source = ensure_source(session, "appstore-us", "apple_app_store", "Acme")
        first = upsert_mentions(session, source, make(50))
    with database.session() as session:
        source = ensure_source(session, "appstore-us", "apple_app_store", "Acme")
        again = upsert_mentions(session, source, make(60))
    assert (first.new, first.duplicates) == (50, 0)
    assert (again.new, again.duplicates) == (10, 50)
    assert count(database) == 60


def test_same_external_id_in_two_sources_is_two_mentions(database: Database) -> None:
    with database.session() as session:
        a = ensure_source(session, "a", "rss", "Acme")
        b = ensure_source(session, "b", "rss", "Acme")
        assert upsert_mentions(session, a, make(3)).new == 3
        assert upsert_mentions(session, b, make(3)).new == 3
    assert count(database) == 6


def test_a_batch_with_one_bad_row_keeps_the_others(database: Database) -> None:
    good = make(5)
    too_long_id = Mention(external_id="x" * 600, text="fine text", published_at=T0)
    with_nul = Mention(external_id="nul", text="broken\x00text", published_at=T0)
    with database.session() as session:
        source = ensure_source(session, "s", "rss", "Acme")
        result = upsert_mentions(session, source, [*good[:2], too_long_id, with_nul, *good[2:]])
    assert result.new == 6
    assert [reason for _, reason in result.rejected] == ["external id longer than 500 characters"]
    with database.session() as session:
        stored = session.scalar(select(MentionRow.text).where(MentionRow.external_id == "nul"))
    assert stored == "brokentext"


def test_duplicates_inside_one_batch_count_once(database: Database) -> None:
    batch = make(3) + make(2)
    with database.session() as session:
        source = ensure_source(session, "s", "rss", "Acme")
        result = upsert_mentions(session, source, batch)
    assert (result.new, result.duplicates) == (3, 2)


def test_times_round_trip_as_utc(database: Database) -> None:
    from zoneinfo import ZoneInfo

    local = datetime(2026, 11, 2, 10, 30, tzinfo=ZoneInfo("Europe/Berlin"))
    with database.session() as session:
        source = ensure_source(session, "s", "rss", "Acme")
        upsert_mentions(session, source, [Mention(external_id="tz", text="t", published_at=local)])
    with database.session() as session:
        rows = list(export_rows(session, MentionFilter()))
    assert rows[0]["published_at"] == "2026-11-02T09:30:00+00:00"


def test_export_filters(database: Database) -> None:
    with database.session() as session:
        source = ensure_source(session, "play", "google_play", "Acme")
        other = ensure_source(session, "hn", "hacker_news", "Globex")
        upsert_mentions(session, source, make(10))
        upsert_mentions(session, other, make(4, start=100))
        ids = dict(session.execute(select(MentionRow.external_id, MentionRow.id)).all())
        now = datetime(2026, 11, 20)
        session.add(Tag(mention_id=ids["m1"], sentiment="negative", model_version="t", tagged_at=now))
        session.add(Tag(mention_id=ids["m2"], sentiment="positive", model_version="t", tagged_at=now))
        session.add(MentionTheme(mention_id=ids["m1"], theme="slow_response", score=0.9))
        session.add(MentionTheme(mention_id=ids["m1"], theme="broken_promise", score=0.8))

    def export(**filters: object) -> list[str]:
        with database.session() as session:
            return [r["external_id"] for r in export_rows(session, MentionFilter(**filters))]  # type: ignore[arg-type]

    assert len(export()) == 14
    assert len(export(brand="Globex")) == 4
    assert export(source="play", since=T0 + timedelta(hours=8)) == ["m8", "m9"]
    assert export(until=T0 + timedelta(hours=2)) == ["m0", "m1"]
    assert export(sentiment="negative") == ["m1"]
    assert export(theme="slow_response") == ["m1"]
    with database.session() as session:
        (row,) = export_rows(session, MentionFilter(theme="broken_promise"))
    assert row["themes"] == ["broken_promise", "slow_response"]
    assert row["sentiment"] == "negative"
    injection = "x' OR '1'='1"
    assert export(brand=injection) == [] and export(theme=injection) == []
    assert count(database) == 14


def test_a_batch_rolled_back_leaves_nothing_even_after_its_savepoint(database: Database) -> None:
    class Crash(Exception):
        pass

    with database.session() as session:
        ensure_source(session, "s", "rss", "Acme")
    try:
        with database.session() as session:
            source = ensure_source(session, "s", "rss", "Acme")  # a read: no write before the savepoint
            assert upsert_mentions(session, source, make(5)).new == 5  # inside a released savepoint
            source.cursor = {"newest": "m4"}
            raise Crash
    except Crash:
        pass
    assert count(database) == 0


def test_export_says_how_each_mention_was_tagged(database: Database) -> None:
    with database.session() as session:
        source = ensure_source(session, "play", "google_play", "Acme")
        upsert_mentions(session, source, make(3))
        ids = dict(session.execute(select(MentionRow.external_id, MentionRow.id)).all())
        now = datetime(2026, 11, 20)
        session.add(Tag(mention_id=ids["m0"], sentiment="negative", language="en",
                        model_version="minilm-x", tagged_at=now))
        session.add(Tag(mention_id=ids["m1"], status="unsupported_language", language="de",
                        model_version="minilm-x", tagged_at=now))
    with database.session() as session:
        rows = {r["external_id"]: r for r in export_rows(session, MentionFilter())}
    described = {key: (row["tag_status"], row["detected_language"], row["model_version"])
                 for key, row in rows.items()}
    assert described == {"m0": ("tagged", "en", "minilm-x"),
                         "m1": ("unsupported_language", "de", "minilm-x"),
                         "m2": ("untagged", None, None)}

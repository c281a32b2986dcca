"""Tagging stored mentions in batches, on SQLite and on the real PostgreSQL server."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from collector.mention import Mention
from repwatch.tagging import TEXT_KIND_OF_COLLECTOR, tag_mentions
from sentiment import Tagger, TagResult
from storage import Database
from storage.mentions import ensure_source, upsert_mentions
from storage.models import MentionRow, MentionTheme, Tag
from storage.tagging import count_pending

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
TEXTS = {
    "hold": "@AcmeTel on hold for three hours and nobody has answered my call",
    "thanks": "@AcmeTel thank you, the engineer was brilliant and fixed it fast",
    "spanish": "Llevo tres horas esperando y nadie del servicio al cliente me contesta",
    "question": "@AcmeTel does the family plan include roaming in Canada?",
    "rude": "@AcmeTel your agent was rude, laughed at me and hung up",
}


def seed(database: Database, texts: dict[str, str], title: str | None = None) -> None:
    mentions = [Mention(key, text, NOW - timedelta(hours=i), title=title)
                for i, (key, text) in enumerate(texts.items())]
    with database.session() as session:
        source = ensure_source(session, "forum", "rss", "Acme")
        upsert_mentions(session, source, mentions, NOW)


def tags(database: Database) -> dict[str, Tag]:
    with database.session() as session:
        rows = session.execute(select(MentionRow.external_id, Tag)
                               .join(Tag, Tag.mention_id == MentionRow.id)).all()
        return {external_id: tag for external_id, tag in rows}


def themes(database: Database) -> dict[str, set[str]]:
    with database.session() as session:
        rows = session.execute(select(MentionRow.external_id, MentionTheme.theme)
                               .join(MentionTheme, MentionTheme.mention_id == MentionRow.id)).all()
    found: dict[str, set[str]] = {}
    for external_id, theme in rows:
        found.setdefault(external_id, set()).add(theme)
    return found


def test_untagged_mentions_are_tagged_once_with_language_and_version(
        database: Database, tagger: Tagger) -> None:
    seed(database, TEXTS)
    seen: list[tuple[int, int]] = []
    summary = tag_mentions(database, tagger, ["en"], batch_size=2,
                           progress=lambda done, total: seen.append((done, total)),
                           now=lambda: NOW)
    assert (summary.tagged, summary.unsupported) == (4, 1)
    assert seen == [(0, 5), (2, 5), (4, 5), (5, 5)]
    stored = tags(database)
    assert stored["spanish"].status == "unsupported_language"
    assert stored["spanish"].language == "es" and stored["spanish"].sentiment is None
    assert stored["thanks"].status == "tagged" and stored["thanks"].language == "en"
    assert stored["thanks"].sentiment == "positive"
    assert stored["hold"].sentiment == "negative"
    assert {tag.model_version for tag in stored.values()} == {tagger.version}
    assert stored["hold"].score_negative + stored["hold"].score_neutral + (
        stored["hold"].score_positive) == pytest.approx(1, abs=1e-3)
    assert stored["hold"].tagged_at == NOW.replace(tzinfo=None)
    found = themes(database)
    assert "slow_response" in found["hold"] and "lack_of_empathy" in found["rude"]
    assert "thanks" not in found and "spanish" not in found
    assert tag_mentions(database, tagger, ["en"]).total == 0


def test_other_languages_are_tagged_when_configured(database: Database, tagger: Tagger) -> None:
    seed(database, {"spanish": TEXTS["spanish"]})
    assert tag_mentions(database, tagger, ["en", "es"]).tagged == 1
    assert tags(database)["spanish"].language == "es"


def test_review_titles_are_read_with_the_body(database: Database, tagger: Tagger) -> None:
    seed(database, {"review": "Fine."}, title="Nobody ever answers the phone, hours on hold")
    tag_mentions(database, tagger)
    assert "slow_response" in themes(database)["review"] or "hard_to_reach" in themes(
        database)["review"]


def test_retag_replaces_tags_from_another_model_version(database: Database,
                                                       tagger: Tagger) -> None:
    seed(database, TEXTS)
    tag_mentions(database, tagger)
    newer = Tagger.from_pretrained(disabled_themes=["slow_response"])
    assert tag_mentions(database, newer, retag=False).total == 0
    assert tag_mentions(database, newer, retag=True, batch_size=2).total == 5
    assert {tag.model_version for tag in tags(database).values()} == {newer.version}
    assert "slow_response" not in themes(database).get("hold", set())
    assert tag_mentions(database, newer, retag=True).total == 0


class BreaksOnSecondBatch:
    """Wraps the real tagger and fails on its second call, as a crash mid-run would."""

    def __init__(self, tagger: Tagger) -> None:
        self.tagger, self.version, self.calls = tagger, tagger.version, 0

    def tag(self, texts: Sequence[str], kinds: Sequence[str | None] | None = None
            ) -> list[TagResult]:
        self.calls += 1
        if self.calls == 2:
            raise RuntimeError("model crashed")
        return self.tagger.tag(texts, kinds=kinds)


def test_a_crash_loses_at_most_the_batch_in_flight(database: Database, tagger: Tagger) -> None:
    seed(database, {k: v for k, v in TEXTS.items() if k != "spanish"})
    with pytest.raises(RuntimeError, match="model crashed"):
        tag_mentions(database, BreaksOnSecondBatch(tagger), batch_size=2)  # type: ignore[arg-type]
    assert len(tags(database)) == 2
    with database.session() as session:
        assert count_pending(session) == 2
    assert tag_mentions(database, tagger, batch_size=2).total == 2
    assert len(tags(database)) == 4


def test_stop_is_honoured_between_batches(database: Database, tagger: Tagger) -> None:
    seed(database, TEXTS)
    stop = threading.Event()

    def progress(done: int, total: int) -> None:
        if done >= 2:
            stop.set()

    assert tag_mentions(database, tagger, ["en"], batch_size=2, progress=progress,
                        stop=stop).total == 2


def test_each_mention_is_read_as_the_kind_of_text_its_source_brings(
        database: Database, tagger: Tagger) -> None:
    text = "Update broke the app, support never answered my three emails"
    with database.session() as session:
        for name, kind in (("play", "google_play"), ("bsky", "bluesky"), ("feed", "rss")):
            source = ensure_source(session, name, kind, "Acme")
            upsert_mentions(session, source, [Mention(name, text, NOW)], NOW)
    tag_mentions(database, tagger)
    stored = tags(database)
    expected = tagger.tag([text] * 3, kinds=["app_review", "social", None])
    for name, result in zip(("play", "bsky", "feed"), expected, strict=True):
        assert stored[name].score_negative == pytest.approx(result.sentiment_scores["negative"])
    assert TEXT_KIND_OF_COLLECTOR["google_play"] == "app_review"

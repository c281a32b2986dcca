"""Each assigned theme comes with the sentence that carries it, stored with the tag and quoted
by digests and alerts."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select

from collector.mention import Mention
from reports.digest import pick_quotes
from repwatch.tagging import tag_mentions
from sentiment import Tagger
from sentiment.sentences import sentences
from storage import Database
from storage.mentions import ensure_source, upsert_mentions
from storage.models import MentionTheme
from storage.reports import Example, top_theme_mentions

REVIEW = ("Great app for paying bills, I use it every week. The new design looks nice too. "
          "But I waited on hold for three hours and nobody ever answered my call.")
NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


def test_sentences_keep_short_pieces_with_a_neighbour() -> None:
    assert sentences("Ok. I waited three hours on hold!\nWhy? Nobody came back to me.") == [
        "Ok. I waited three hours on hold! Why?", "Nobody came back to me."]
    assert sentences("  on hold for hours  ") == ["on hold for hours"]


def test_evidence_is_the_sentence_that_carries_the_theme(tagger: Tagger) -> None:
    [result] = tagger.tag([REVIEW])
    assert "slow_response" in result.themes
    assert result.theme_evidence["slow_response"] == (
        "But I waited on hold for three hours and nobody ever answered my call.")
    assert set(result.theme_evidence) == set(result.themes)


def test_a_one_sentence_text_is_its_own_evidence_and_no_theme_means_none(tagger: Tagger) -> None:
    hold, plain = tagger.tag(["on hold for three hours and still waiting",
                              "what time does the store open tomorrow"])
    assert hold.themes and all(v == "on hold for three hours and still waiting"
                               for v in hold.theme_evidence.values())
    assert plain.themes == [] and plain.theme_evidence == {}


def test_evidence_is_stored_with_the_theme_and_quoted_by_the_digest(
        database: Database, tagger: Tagger) -> None:
    with database.session() as session:
        source = ensure_source(session, "play", "google_play", "Acme")
        upsert_mentions(session, source, [Mention("r1", REVIEW, NOW)], NOW)
    tag_mentions(database, tagger, ["en"])
    with database.session() as session:
        stored = {row.theme: row.evidence for row in session.scalars(select(MentionTheme))}
        found = top_theme_mentions(session, "Acme", datetime(2026, 3, 1), datetime(2026, 3, 3),
                                   3, ["slow_response"])
    [expected] = tagger.tag([REVIEW], kinds=["app_review"])
    assert stored == expected.theme_evidence and "slow_response" in stored
    [quote] = pick_quotes(found, 3, ZoneInfo("UTC"))
    assert quote["text"] == stored["slow_response"]


def test_a_quote_without_evidence_is_the_whole_mention() -> None:
    example = Example("slow_response", 0.9, "Body text here.", "Title", None, None, "play", NOW)
    [quote] = pick_quotes([example], 3, ZoneInfo("UTC"))
    assert quote["text"] == "Title: Body text here."

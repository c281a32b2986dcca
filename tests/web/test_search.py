"""Full-text search in the mentions filter: PostgreSQL full-text search, LIKE on SQLite."""

from __future__ import annotations

from storage.db import Database
from storage.mentions import MentionFilter, export_rows
from tests.web.conftest import seed


def found(database: Database, words: str) -> list[str]:
    with database.session() as session:
        return sorted(row["external_id"] for row in export_rows(session, MentionFilter(text=words)))


def test_every_word_must_match_in_any_case(database: Database) -> None:
    seed(database)
    assert found(database, "CALLBACK never") == ["a2"]
    assert found(database, "callback refund") == []
    assert found(database, "slow") == ["a5"]
    assert found(database, "telefon") == ["a4"]


def test_like_wildcards_in_the_query_are_plain_characters(database: Database) -> None:
    seed(database)
    assert found(database, "%") == []
    assert found(database, "_") == []

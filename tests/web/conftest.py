"""A small, known data set for the dashboard, stored through the real storage functions."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from starlette.testclient import TestClient

from collector.mention import Mention
from repwatch.web.app import Settings, create_app
from storage.db import Database
from storage.mentions import ensure_source, upsert_mentions
from storage.models import Alert, MentionRow
from storage.tagging import NewTag, store_tags

BRAND = "Acme"
THEMES = ["slow_response", "broken_promise", "hard_to_reach"]
NOW = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
TODAY = NOW.replace(hour=0)

# (external id, days ago, rating, language, sentiment, themes, text)
ROWS = [
    ("a1", 0, 1, "en", "negative", {"slow_response": 0.9},
     "The shop itself is fine. Waited three hours on hold for the refund"),
    ("a2", 1, 2, "en", "negative", {"slow_response": 0.8, "broken_promise": 0.7},
     "They promised a callback and never rang"),
    ("a3", 2, 5, "en", "positive", {}, "Lovely new app, quick and friendly"),
    ("a4", 3, None, "de", "neutral", {"hard_to_reach": 0.6}, "Niemand geht ans Telefon"),
    ("a5", 9, 1, "en", "negative", {"slow_response": 0.95}, "Slow slow slow, last week too"),
    ("a6", 1, 3, "en", "neutral", {}, "<script>alert('x')</script> odd characters & such"),
]
EVIDENCE = {"a1": {"slow_response": "Waited three hours on hold for the refund"}}


def seed(database: Database) -> dict[str, int]:
    """The rows above as mentions with model tags; returns mention ids by external id."""
    with database.session() as session:
        store = ensure_source(session, "store", "apple_app_store", BRAND)
        forum = ensure_source(session, "forum", "rss", BRAND)
        for index, (external_id, days, rating, language, _, _, text) in enumerate(ROWS):
            mention = Mention(external_id=external_id, text=text, rating=rating, language=language,
                              published_at=NOW - timedelta(days=days, hours=index % 3),
                              url=f"https://example.com/{external_id}", title=None)
            upsert_mentions(session, store if index % 2 == 0 else forum, [mention], NOW)
        ids = {row.external_id: row.id for row in session.execute(select(MentionRow.external_id, MentionRow.id))}
        store_tags(session, [
            NewTag(ids[external_id], "tagged", language, "test-model", NOW, sentiment, {}, themes,
                   EVIDENCE.get(external_id, {}))
            for external_id, _, _, language, sentiment, themes, _ in ROWS
        ])
        session.add(Alert(
            key=f"{BRAND}|theme:slow_response", brand=BRAND, metric="theme:slow_response",
            window="daily", state="firing", started_at=(TODAY - timedelta(days=1)).replace(tzinfo=None),
            last_spike_at=NOW.replace(tzinfo=None), observed=9, expected=2.5,
            detail={"window_end": TODAY.replace(tzinfo=None).isoformat(),
                    "examples": [{"text": "Hold music for an hour", "source": "store"}]}))
    return ids


@pytest.fixture
def seeded(sqlite_database: Database) -> tuple[Database, dict[str, int]]:
    return sqlite_database, seed(sqlite_database)


@pytest.fixture
def client(seeded: tuple[Database, dict[str, int]]) -> Iterator[TestClient]:
    database, _ = seeded
    app = create_app(database, Settings(brands=[BRAND], themes=THEMES))
    with TestClient(app, base_url="http://127.0.0.1") as test_client:
        yield test_client


def csrf(client: TestClient) -> str:
    """The CSRF token the client's cookie holds (a page visit sets it)."""
    client.get("/alerts")
    return str(client.cookies["repwatch_csrf"])

"""The dashboard's competitor page: the digest's comparison for any week, per brand."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select
from starlette.testclient import TestClient

from collector.mention import Mention
from repwatch.web.app import Settings, create_app
from storage.db import Database
from storage.mentions import ensure_source, upsert_mentions
from storage.models import MentionRow
from storage.tagging import NewTag, store_tags

TUESDAY = datetime(2026, 11, 17, 10, 0, tzinfo=UTC)  # in 2026-W47
THEMES = ["slow_response", "hard_to_reach"]


def seed(database: Database) -> None:
    """Acme: 200 mentions, 60 slow; Globex: 200 mentions, 25 slow (a gap the test calls)."""
    plan = {"Acme": 60, "Globex": 25}
    with database.session() as session:
        for brand, slow in plan.items():
            source = ensure_source(session, f"{brand.lower()}-store", "google_play", brand)
            upsert_mentions(session, source, [
                Mention(f"{brand}-{n}", f"{brand} review {n}: waited a week for an answer"
                        if n < slow else f"{brand} review {n}: fine app", TUESDAY + timedelta(minutes=n))
                for n in range(200)], TUESDAY.replace(tzinfo=None))
        rows = session.execute(select(MentionRow.id, MentionRow.brand, MentionRow.external_id)).all()
        store_tags(session, [
            NewTag(mention_id, "tagged", "en", "test", TUESDAY.replace(tzinfo=None), "negative", {},
                   {"slow_response": 0.9} if int(external.split("-")[1]) < plan[brand] else {})
            for mention_id, brand, external in rows])


def client_for(tmp_path: Path, competitors: dict[str, list[str]]) -> TestClient:
    database = Database(f"sqlite:///{tmp_path / 'repwatch.db'}")
    database.upgrade()
    seed(database)
    app = create_app(database, Settings(brands=["Acme"], themes=THEMES, competitors=competitors))
    return TestClient(app, base_url="http://127.0.0.1")


def test_the_page_compares_the_brand_with_its_competitors_for_the_week(tmp_path: Path) -> None:
    with client_for(tmp_path, {"Acme": ["Globex"]}) as client:
        page = client.get("/competitors", params={"brand": "Acme", "week": "2026-w47"})

    assert page.status_code == 200
    text = page.text
    assert "Acme and its competitors" in text and "compared with Globex" in text
    assert "<b>Worse: slow response</b>, 300 per 1,000 of your mentions against 125 for your competitors" in text
    assert "Share of voice" in text and "50%" in text


def test_a_brand_without_competitors_is_told_how_to_add_them(tmp_path: Path) -> None:
    with client_for(tmp_path, {}) as client:
        page = client.get("/competitors", params={"week": "2026-W47"})
        bad = client.get("/competitors", params={"week": "someday"})

    assert page.status_code == 200 and "has no competitors" in page.text
    assert bad.status_code == 400

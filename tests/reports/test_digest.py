"""The weekly digest over tags written straight to the database, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from reporting import Seeder, make_config
from sqlalchemy import func, select

from reports.digest import DigestReport, build_digest, load_digest
from reports.periods import Week
from repwatch.config import Config
from storage.db import Database
from storage.models import Digest

NEW_YORK = ZoneInfo("America/New_York")
W47 = Week(2026, 47)  # Monday 16 to Sunday 22 November 2026
NOW = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)
DUPLICATE = "I waited on hold for two hours and nobody ever answered the phone"


def new_york_config() -> Config:
    config = make_config()
    return config.model_copy(
        update={"digest": config.digest.model_copy(update={"timezone": "America/New_York"})}
    )


def local(day: int, hour: int = 12, minute: int = 0) -> datetime:
    """A time in November 2026, New York."""
    return datetime(2026, 11, day, hour, minute, tzinfo=NEW_YORK)


def seed_weeks(seed: Seeder) -> None:
    seed.source("appstore", kind="apple_app_store",
                last_success_at=datetime(2026, 11, 24, 14), last_attempt_at=datetime(2026, 11, 24, 14))
    seed.source("forum", kind="rss", last_success_at=datetime(2026, 11, 14, 9),
                last_attempt_at=datetime(2026, 11, 24, 14), consecutive_failures=3,
                last_error="HTTP 503 from forum.example")
    # Seven earlier weeks: 5 app reviews rated 4 and 3 forum posts a week, 2 of them slow_response.
    for weeks_back in range(1, 8):
        monday = local(16) - timedelta(weeks=weeks_back)
        for i in range(5):
            seed.mention("appstore", monday + timedelta(days=i), f"fine app {weeks_back}-{i}",
                         sentiment="positive" if i < 2 else "neutral", rating=4,
                         themes={"slow_response": 0.7} if i < 2 else {})
        for i in range(3):
            sentiment = "negative" if (weeks_back == 1 and i < 2) else "neutral"
            themes = {"hard_to_reach": 0.8} if weeks_back == 1 else {}
            seed.mention("forum", monday + timedelta(days=i, hours=3), f"forum post {weeks_back}-{i}",
                         sentiment=sentiment, themes=themes)
    # The reported week: 10 app reviews rated 2, the forum silent, slow_response up, a new theme.
    texts = [
        (DUPLICATE, 0.95),
        (DUPLICATE.upper() + "!!", 0.94),
        ("Chat support took three days to answer a simple billing question", 0.90),
        ("Ticket open for a week and still no reply from anyone at all", 0.85),
        ("Slow again, waited forty minutes in the queue before giving up", 0.60),
        ("Response was slow but polite in the end", 0.40),
    ]
    for i, (text, score) in enumerate(texts):
        seed.mention("appstore", local(16 + i, 10), text, sentiment="negative", rating=2,
                     themes={"slow_response": score}, author=f"reviewer{i}",
                     url=f"https://apps.example/review/{i}")
    seed.mention("appstore", local(19, 9), "They leaked my address to a marketing firm",
                 sentiment="negative", rating=2, themes={"data_privacy": 0.9, "hard_to_reach": 0.5})
    seed.mention("appstore", local(20, 9), "My account details were shown to another customer",
                 sentiment="neutral", rating=2, themes={"data_privacy": 0.8})
    seed.mention("appstore", local(21, 9), "ok", sentiment="neutral", rating=2)
    # Sunday 23:30 in New York is Monday 04:30 UTC: it belongs to this week, not the next.
    seed.mention("appstore", local(22, 23, 30), "late sunday review", sentiment="positive", rating=2)
    seed.mention("appstore", local(23, 0, 10), "monday review, next week", sentiment="negative")
    seed.mention("appstore", local(16, 0, 0) - timedelta(minutes=5), "sunday of the week before",
                 sentiment="neutral", rating=4)
    for language in ("de", "de", "fr"):
        seed.mention("appstore", local(18), "Nicht unterstützt", status="unsupported_language",
                     language=language)
    seed.flush()


@pytest.fixture
def report(database: Database, seed: Seeder, tmp_path: Path) -> DigestReport:
    seed_weeks(seed)
    return build_digest(database, new_york_config().digest_settings(), "Acme", W47, NOW, tmp_path / "archive")


def test_volume_sentiment_and_ratings(report: DigestReport) -> None:
    volume = report.data["volume"]
    assert report.data["period"]["label"] == "2026-W47"
    assert report.data["weeks"][0] == "2026-W40" and len(report.data["weeks"]) == 8
    # 6 + 3 + late Sunday = 10 tagged or rated app reviews, + 3 untagged for language = 13.
    assert volume["total"]["current"] == 13
    assert volume["total"]["previous"] == 9  # 5 + 3 + the one five minutes before Monday
    by_source = {row["source"]: row for row in volume["by_source"]}
    assert by_source["appstore"]["current"] == 13 and by_source["appstore"]["previous"] == 6
    assert by_source["forum"]["current"] == 0 and by_source["forum"]["previous"] == 3
    sentiment = volume["sentiment"]
    assert (sentiment["negative"]["count"], sentiment["neutral"]["count"],
            sentiment["positive"]["count"]) == (7, 2, 1)
    assert sentiment["negative"]["share"] == pytest.approx(0.7)
    assert sentiment["negative"]["previous_share"] == pytest.approx(2 / 9)
    assert sentiment["untagged"]["count"] == 3
    assert volume["rating"]["average"] == pytest.approx(2.0)
    assert volume["rating"]["previous"] == pytest.approx(4.0)
    assert [week["total"] for week in volume["trend"]] == [8, 8, 8, 8, 8, 8, 9, 13]


def test_themes_are_ranked_with_change_share_trend_and_quotes(report: DigestReport) -> None:
    themes = report.data["themes"]
    assert [t["theme"] for t in themes] == ["slow_response", "data_privacy", "hard_to_reach"]
    slow = themes[0]
    assert (slow["current"], slow["previous"]) == (6, 2)
    assert slow["percent"] == pytest.approx(2.0)
    assert slow["negative_share"] == pytest.approx(6 / 7)
    assert slow["trend"] == [2, 2, 2, 2, 2, 2, 2, 6]
    quotes = slow["quotes"]
    assert [q["author"] for q in quotes] == ["reviewer0", "reviewer2", "reviewer3"]  # no repeat
    assert quotes[0] == {
        "text": DUPLICATE, "author": "reviewer0", "source": "appstore",
        "published_at": "2026-11-16T15:00:00+00:00", "date": "2026-11-16",
        "url": "https://apps.example/review/0", "score": 0.95,
    }
    hard = themes[2]
    assert (hard["current"], hard["previous"], hard["negative_share"]) == (1, 3, pytest.approx(1 / 7))


def test_rising_and_new_themes(report: DigestReport) -> None:
    assert [r["theme"] for r in report.data["rising"]] == ["slow_response"]
    assert report.data["rising"][0]["baseline"] == 2.0
    assert report.data["new"] == [{"theme": "data_privacy", "count": 2}]


def test_a_silent_failing_source_comes_first(report: DigestReport) -> None:
    sources = report.data["sources"]
    assert [s["source"] for s in sources] == ["forum", "appstore"]
    forum = sources[0]
    assert forum["status"] == "problem"
    assert forum["problems"] == [
        "silent: no successful run for 10 days",
        "3 failed runs in a row: HTTP 503 from forum.example",
        "no mentions in this period (usually about 3 a week)",
    ]
    assert report.data["source_problems"] == [forum]
    assert sources[1]["status"] == "ok" and sources[1]["errors"] == 0
    html, text, markdown = report.html, report.text, report.markdown
    assert html.index("Source problems") < html.index("Mentions") < html.index("Complaint themes")
    assert text.index("SOURCE PROBLEMS") < text.index("COMPLAINT THEMES")
    assert markdown.index("Source problems") < markdown.index("## Complaint themes")


def test_unsupported_languages_are_counted(report: DigestReport) -> None:
    assert report.data["unsupported_languages"] == [
        {"language": "de", "count": 2}, {"language": "fr", "count": 1}]
    assert "de: 2, fr: 1" in report.text


def test_every_format_is_written_and_the_index_links_them(
    report: DigestReport, database: Database, tmp_path: Path
) -> None:
    folder = tmp_path / "archive" / "acme" / "2026-W47"
    assert report.archive_path == folder / "index.html"
    assert json.loads((folder / "digest.json").read_text()) == report.data
    assert (folder / "digest.md").read_text() == report.markdown
    assert (folder / "digest.txt").read_text() == report.text
    page = (folder / "index.html").read_text()
    assert 'src="theme-slow_response.png"' in page and "cid:" not in page
    assert (folder / "theme-slow_response.png").read_bytes() == report.charts[
        "theme-slow_response.2026-W47.acme@repwatch"]
    for cid in report.charts:
        assert f'src="cid:{cid}"' in report.html
    index = (tmp_path / "archive" / "index.html").read_text()
    assert 'href="acme/2026-W47/index.html"' in index
    assert ">1 with problems<" in index
    stored = load_digest(database, report.id)
    assert (stored.html, stored.text, stored.markdown, stored.data) == (
        report.html, report.text, report.markdown, report.data)
    assert stored.charts == report.charts


def test_rebuilding_a_week_replaces_it(report: DigestReport, database: Database, tmp_path: Path
                                       ) -> None:
    again = build_digest(database, new_york_config().digest_settings(), "Acme", W47, NOW + timedelta(hours=1),
                         tmp_path / "archive")
    assert again.id == report.id
    with database.session() as session:
        assert session.scalar(select(func.count()).select_from(Digest)) == 1


def test_default_week_is_the_last_full_week_in_the_zone(
    database: Database, seed: Seeder, tmp_path: Path
) -> None:
    seed_weeks(seed)
    sunday_night = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)  # still Sunday 22:00 in New York
    report = build_digest(database, new_york_config().digest_settings(), "Acme", None, sunday_night, tmp_path)
    assert report.period_label == "2026-W46"


def test_unknown_brand_is_refused(database: Database, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="'Nope' is not a brand in the config"):
        build_digest(database, make_config().digest_settings(), "Nope", W47, NOW, tmp_path)


def test_an_empty_week_still_renders(database: Database, tmp_path: Path) -> None:
    report = build_digest(database, make_config().digest_settings(), "Acme", W47, NOW, tmp_path)
    assert report.data["volume"]["total"]["current"] == 0
    assert "No complaint themes this week or last." in report.text
    # Configured sources that never ran are problems too.
    assert [s["problems"] for s in report.data["sources"]] == [["has not run yet"]] * 2

"""A digest after a backfill: baselines start when each source's data starts, and source health
tells mentions published in the week from items fetched in it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from reporting import Seeder, make_config

from reports.digest import DigestReport, build_digest
from reports.periods import Week
from storage.db import Database

W47 = Week(2026, 47)  # Monday 16 November 2026; Europe/London is on UTC in November
NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
BACKFILL = datetime(2026, 11, 18, 10, 0, tzinfo=UTC)  # the app store was added on Wednesday


def monday(weeks_back: int) -> datetime:
    return datetime(2026, 11, 16, 8, 0, tzinfo=UTC) - timedelta(weeks=weeks_back)


def seed_backfill(seed: Seeder) -> None:
    recent = {"last_success_at": NOW - timedelta(hours=1), "last_attempt_at": NOW - timedelta(hours=1)}
    seed.source("appstore", kind="apple_app_store", **recent)
    seed.source("forum", **recent)
    # The forum has been collected for all 8 weeks; each post was fetched within the hour.
    for weeks_back in range(1, 8):
        for theme in ("hard_to_reach", "data_privacy"):
            at = monday(weeks_back) + timedelta(days=1)
            seed.mention("forum", at, f"{theme} {weeks_back}", themes={theme: 0.8},
                         collected_at=at + timedelta(minutes=30))
    for i in range(4):
        at = monday(0) + timedelta(days=i)
        seed.mention("forum", at, f"unreachable again {i}", themes={"hard_to_reach": 0.9},
                     collected_at=at + timedelta(minutes=30))
    for i in range(2):
        at = monday(0) + timedelta(days=i)
        seed.mention("forum", at, f"privacy again {i}", themes={"data_privacy": 0.9},
                     collected_at=at + timedelta(minutes=30))
    # The app store's backfill fetched everything since W44 on Wednesday of W47.
    for weeks_back in (1, 2, 3):
        for i in range(2):
            seed.mention("appstore", monday(weeks_back) + timedelta(days=i), f"slow {weeks_back}-{i}",
                         themes={"slow_response": 0.8}, collected_at=BACKFILL)
        seed.mention("appstore", monday(weeks_back) + timedelta(days=3), f"privacy {weeks_back}",
                     themes={"data_privacy": 0.8}, collected_at=BACKFILL)
    for i in range(3):
        seed.mention("appstore", monday(0) + timedelta(hours=i), f"slow this week {i}",
                     themes={"slow_response": 0.9}, collected_at=BACKFILL)
    for i in range(2):
        seed.mention("appstore", monday(0) + timedelta(hours=5 + i), f"privacy this week {i}",
                     themes={"data_privacy": 0.9}, collected_at=BACKFILL)
    seed.flush()


def digest(database: Database, tmp_path: Path, week: Week = W47) -> DigestReport:
    return build_digest(database, make_config().digest_settings(), "Acme", week, NOW, tmp_path)


@pytest.fixture
def backfilled(database: Database, seed: Seeder) -> Database:
    seed_backfill(seed)
    return database


def test_a_baseline_counts_only_the_weeks_a_source_was_collecting(
    backfilled: Database, tmp_path: Path
) -> None:
    themes = {item["theme"]: item for item in digest(backfilled, tmp_path).data["themes"]}
    # 2 a week in the three weeks the app store has data, not 6 spread over 7 weeks.
    assert themes["slow_response"]["trend"] == [0, 0, 0, 0, 2, 2, 2, 3]
    assert themes["slow_response"]["baseline"] == 2.0
    # Two sources: the forum's 1 a week over 7 weeks plus the app store's 1 a week over 3.
    assert themes["data_privacy"]["baseline"] == 2.0
    assert themes["hard_to_reach"]["baseline"] == 1.0


def test_a_backfilled_theme_at_its_usual_level_is_not_rising(
    backfilled: Database, tmp_path: Path
) -> None:
    report = digest(backfilled, tmp_path)
    rising = {item["theme"]: item for item in report.data["rising"]}
    assert "slow_response" not in rising  # 3 against a usual 2 is not a spike
    assert rising["hard_to_reach"]["baseline"] == 1.0 and rising["hard_to_reach"]["count"] == 4
    assert rising["data_privacy"]["baseline"] == 2.0
    assert report.data["new"] == []
    assert "slow response: 3 this week" not in report.text
    assert "hard to reach: 4 this week, 2.5x its usual 1.0" in report.text


def test_a_theme_first_seen_while_sources_were_collecting_is_new(
    database: Database, seed: Seeder, tmp_path: Path
) -> None:
    seed.source("forum", last_success_at=NOW, last_attempt_at=NOW)
    seed.mention("forum", monday(2), "hello", themes={})
    for i in range(3):
        seed.mention("forum", monday(0) + timedelta(hours=i), f"leak {i}", themes={"data_privacy": 0.9})
    seed.flush()
    report = digest(database, tmp_path)
    assert report.data["new"] == [{"theme": "data_privacy", "count": 3}]
    assert report.data["rising"] == []


def test_a_source_with_no_earlier_weeks_sets_no_baseline(
    database: Database, seed: Seeder, tmp_path: Path
) -> None:
    seed.source("forum", last_success_at=NOW, last_attempt_at=NOW)
    for i in range(5):
        seed.mention("forum", monday(0) + timedelta(hours=i), f"slow {i}", themes={"slow_response": 0.9})
    seed.flush()
    report = digest(database, tmp_path)
    assert report.data["themes"][0]["baseline"] is None
    assert report.data["rising"] == [] and report.data["new"] == []


def test_source_health_shows_published_and_fetched_separately(
    backfilled: Database, tmp_path: Path
) -> None:
    sources = {item["source"]: item for item in digest(backfilled, tmp_path).data["sources"]}
    assert (sources["appstore"]["published"], sources["appstore"]["fetched"]) == (5, 14)
    assert (sources["forum"]["published"], sources["forum"]["fetched"]) == (6, 6)
    # The week before: the app store's mentions were published then but fetched only later.
    w46 = digest(backfilled, tmp_path, W47.shifted(-1))
    appstore = next(item for item in w46.data["sources"] if item["source"] == "appstore")
    assert (appstore["published"], appstore["fetched"]) == (3, 0)
    assert "appstore: ok; published 3, fetched 0;" in w46.text
    assert "| appstore | ok |" in w46.markdown and "| 3 | 0 |" in w46.markdown
    assert "published 3, fetched 0;" in w46.html

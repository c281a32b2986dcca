"""A person's correction of a tag wins over the model in the digest, the alerts' counts and the
emerging-complaints step, as it does in the dashboard and exports."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from reporting import Seeder, make_config

from reports.digest import build_digest
from reports.periods import Week
from storage import emerging as emerging_queries
from storage import reports as queries
from storage.corrections import correct_sentiment, correct_theme
from storage.db import Database

NOW = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)
WEEK = Week(2026, 47)
MONDAY = datetime(2026, 11, 16, 9, 0, tzinfo=UTC)


def seed_and_correct(database: Database, seed: Seeder) -> list[int]:
    seed.source("appstore", kind="apple_app_store")
    ids = [seed.mention("appstore", MONDAY + timedelta(hours=n), f"waited {n} hours for a reply",
                        sentiment="negative", themes={"slow_response": 0.9}) for n in range(6)]
    seed.flush()
    when = NOW.replace(tzinfo=None)
    with database.session() as session:
        correct_sentiment(session, ids[0], "positive", "ana", when)   # the model misread praise
        correct_theme(session, ids[0], "slow_response", False, "ana", when)
        correct_theme(session, ids[1], "hard_to_reach", True, "ana", when)  # the model missed it
    return ids


def test_the_digest_counts_and_quotes_the_corrected_tags(
    database: Database, seed: Seeder, tmp_path: Path
) -> None:
    ids = seed_and_correct(database, seed)

    report = build_digest(database, make_config().digest_settings(), "Acme", WEEK, NOW, tmp_path)

    sentiment = report.data["volume"]["sentiment"]
    assert (sentiment["negative"]["count"], sentiment["positive"]["count"]) == (5, 1)
    themes = {item["theme"]: item for item in report.data["themes"]}
    assert themes["slow_response"]["current"] == 5
    assert themes["hard_to_reach"]["current"] == 1
    assert [q["text"] for q in themes["hard_to_reach"]["quotes"]] == ["waited 1 hours for a reply"]
    assert ids


def test_alert_counts_and_emerging_read_the_corrected_tags(database: Database, seed: Seeder) -> None:
    ids = seed_and_correct(database, seed)
    start, end = MONDAY.replace(tzinfo=None), (MONDAY + timedelta(days=1)).replace(tzinfo=None)

    with database.session() as session:
        hourly = queries.hourly_counts(session, "Acme", start, end)
        negatives = emerging_queries.negative_mentions(session, "Acme", start, end)

    assert sum(hourly.negative.values()) == 5
    assert sum(hourly.themes["slow_response"].values()) == 5
    assert sum(hourly.themes["hard_to_reach"].values()) == 1
    assert ids[0] not in [m.id for m in negatives]
    assert {m.id: m.themes for m in negatives}[ids[1]] == ("hard_to_reach", "slow_response")

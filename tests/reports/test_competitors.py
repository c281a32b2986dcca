"""You and your competitors: planted counts on SQLite and PostgreSQL, the digest section, export."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner
from reporting import Seeder, make_config

from reports.competitors import MIN_THEME_COUNT, comparison, verdict
from reports.digest import build_digest
from reports.periods import Week, week_edges
from repwatch.cli import cli
from repwatch.config import Config
from storage.db import Database
from storage.mentions import utc_naive

LONDON = ZoneInfo("Europe/London")
W47 = Week(2026, 47)  # Monday 16 to Sunday 22 November 2026
THIS_WEEK = datetime(2026, 11, 16, 0, 30, tzinfo=LONDON)
LAST_WEEK = THIS_WEEK - timedelta(weeks=1)
NOW = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)
THEMES = ["slow_response", "hard_to_reach", "language_barrier", "data_privacy"]
COMPETITORS = """\
competitors:
  - name: Globex
    competitor_of: [Acme]
    google_play_ids: [com.globex.app]
  - name: Initech
    competitor_of: [Acme]
"""


def competitor_config() -> Config:
    return make_config(COMPETITORS)


def plant(seed: Seeder, brand: str, week_start: datetime, total: int, themes: dict[str, int],
          negative: int = 0, rating: int | None = None) -> None:
    """`total` tagged mentions of `brand` over one week; the first ones carry the themes."""
    source = f"{brand.lower()}-reviews"
    if source not in seed.sources:
        seed.source(source, kind="google_play", brand=brand, last_success_at=utc_naive(NOW))
    labels = [theme for theme, count in themes.items() for _ in range(count)]
    for index in range(total):
        theme = labels[index] if index < len(labels) else None
        seed.mention(source, week_start + timedelta(seconds=600_000 * index // total),
                     f"{brand} customer {index} about {theme or 'nothing much'}",
                     sentiment="negative" if index < negative else "neutral", rating=rating,
                     themes={theme: 0.5 + index / (2 * total)} if theme else {},
                     brand=brand, url=f"https://reviews.example/{brand}/{index}")


def compare(database: Database, config: Config | None = None) -> dict:
    config = config or competitor_config()
    _, edges = week_edges(W47, 8, LONDON)
    result = comparison(database, "Acme", [c.name for c in config.competitors_of("Acme")], edges,
                        THEMES, LONDON)
    assert result is not None
    return result


def row(result: dict, theme: str) -> dict:
    return next(item for item in result["themes"] if item["theme"] == theme)


def test_a_significant_gap_is_flagged_both_ways_and_a_same_rate_pair_is_not(
    database: Database, seed: Seeder
) -> None:
    plant(seed, "Acme", THIS_WEEK, 1000, {"slow_response": 100, "hard_to_reach": 25,
                                          "language_barrier": 60})
    plant(seed, "Globex", THIS_WEEK, 600, {"slow_response": 20, "hard_to_reach": 50,
                                           "language_barrier": 36})
    plant(seed, "Initech", THIS_WEEK, 400, {"slow_response": 10, "hard_to_reach": 30,
                                            "language_barrier": 24})
    seed.flush()
    result = compare(database)
    slow = row(result, "slow_response")
    assert [(r["name"], r["count"], r["rate"]) for r in slow["rates"]] == [
        ("Acme", 100, 100.0), ("Globex", 20, pytest.approx(33.3, abs=0.1)), ("Initech", 10, 25.0)]
    assert slow["pooled_rate"] == pytest.approx(30.0)
    assert slow["verdict"] == "worse" and slow["p_value"] < 1e-6
    reach = row(result, "hard_to_reach")
    assert reach["verdict"] == "better" and reach["ratio"] == pytest.approx(25 / 80)
    same = row(result, "language_barrier")
    assert same["rate"] == same["pooled_rate"] == 60.0
    assert same["verdict"] is None and not same["small"]
    assert result["worse"] == ["slow_response"] and result["better"] == ["hard_to_reach"]
    # The quote comes from the competitor customers worse off, the highest-scoring one.
    quote = reach["quote"]
    assert quote["competitor"] == "Globex"
    assert quote["text"] == "Globex customer 69 about hard_to_reach"
    assert slow["quote"] is None and same["quote"] is None


def test_theme_counts_add_up_over_every_source_of_a_party(database: Database, seed: Seeder) -> None:
    plant(seed, "Acme", THIS_WEEK, 500, {"slow_response": 40})
    seed.source("acme-forum", kind="rss", brand="Acme", last_success_at=utc_naive(NOW))
    for index in range(30):
        seed.mention("acme-forum", THIS_WEEK + timedelta(hours=index), f"forum post {index}",
                     sentiment="negative", themes={"slow_response": 0.6}, brand="Acme")
    plant(seed, "Globex", THIS_WEEK, 300, {"slow_response": 10})
    seed.flush()

    slow = row(compare(database), "slow_response")

    assert [(r["name"], r["count"]) for r in slow["rates"]][:2] == [("Acme", 70), ("Globex", 10)]


def test_small_counts_are_shown_but_never_flagged(database: Database, seed: Seeder) -> None:
    # 19 in 200 against 20 in 2,000: a ratio of 9.5 that the test alone would call significant.
    plant(seed, "Acme", THIS_WEEK, 200, {"data_privacy": MIN_THEME_COUNT - 1})
    plant(seed, "Globex", THIS_WEEK, 2000, {"data_privacy": MIN_THEME_COUNT})
    seed.flush()
    privacy = row(compare(database), "data_privacy")
    assert privacy["rate"] == 95.0 and privacy["pooled_rate"] == pytest.approx(20 / 2.0)
    assert privacy["small"] and privacy["verdict"] is None
    assert verdict(MIN_THEME_COUNT, 200, MIN_THEME_COUNT, 2000)[0] == "worse"


def test_a_large_ratio_on_noise_and_a_significant_small_ratio_are_not_gaps() -> None:
    # Ratio 1.5 but p is about 0.15: noise.
    flag, ratio, p_value = verdict(30, 1000, 20, 1000)
    assert flag is None and ratio == pytest.approx(1.5) and 0.1 < p_value < 0.2
    # Clearly significant but only 1.2 times the rate: not "clearly worse".
    flag, ratio, p_value = verdict(1200, 10_000, 1000, 10_000)
    assert flag is None and ratio == pytest.approx(1.2) and p_value < 1e-5


def test_share_of_voice_negative_share_and_ratings_with_their_trend(
    database: Database, seed: Seeder
) -> None:
    plant(seed, "Acme", LAST_WEEK, 200, {}, negative=20, rating=4)
    plant(seed, "Acme", THIS_WEEK, 300, {}, negative=90, rating=2)
    plant(seed, "Globex", LAST_WEEK, 200, {}, negative=100, rating=3)
    plant(seed, "Globex", THIS_WEEK, 100, {}, negative=10, rating=5)
    seed.flush()
    parties = {p["name"]: p for p in compare(database)["parties"]}
    acme, globex, initech = parties["Acme"], parties["Globex"], parties["Initech"]
    assert acme["is_brand"] and not globex["is_brand"]
    assert (acme["mentions"], acme["previous"], acme["percent"]) == (300, 200, 0.5)
    assert (acme["share_of_voice"], acme["previous_share_of_voice"]) == (0.75, 0.5)
    assert (globex["share_of_voice"], globex["previous_share_of_voice"]) == (0.25, 0.5)
    assert (acme["negative_share"], globex["negative_share"]) == (0.3, 0.1)
    assert (acme["rating"], globex["rating"]) == (2.0, 5.0)
    assert initech["mentions"] == 0 and initech["share_of_voice"] == 0
    assert initech["negative_share"] is None and initech["rating"] is None


def test_a_failing_or_never_run_competitor_source_is_named(database: Database, seed: Seeder
                                                          ) -> None:
    plant(seed, "Acme", THIS_WEEK, 10, {})
    plant(seed, "Globex", THIS_WEEK, 10, {})
    seed.source("acme-forum", brand="Acme", consecutive_failures=2)  # the digest's own section
    seed.source("globex-forum", brand="Globex", consecutive_failures=3, last_error="HTTP 503",
                last_success_at=utc_naive(NOW - timedelta(days=3)))
    seed.source("initech-store", brand="Initech")
    seed.flush()
    assert compare(database)["source_problems"] == [
        "Globex: globex-forum: 3 failed runs in a row",
        "Initech: initech-store: has never collected successfully",
    ]


def test_a_brand_without_competitors_gets_no_section(database: Database, tmp_path: Path) -> None:
    _, edges = week_edges(W47, 8, LONDON)
    assert comparison(database, "Acme", [], edges, THEMES, LONDON) is None
    report = build_digest(database, make_config().digest_settings(), "Acme", W47, NOW, tmp_path)
    assert report.data["competitors"] is None
    assert "competitors" not in report.html.lower() and "COMPETITORS" not in report.text


def test_the_digest_shows_the_section_in_every_format(
    database: Database, seed: Seeder, tmp_path: Path
) -> None:
    plant(seed, "Acme", THIS_WEEK, 1000, {"slow_response": 100, "hard_to_reach": 25})
    plant(seed, "Globex", THIS_WEEK, 1000, {"slow_response": 30, "hard_to_reach": 80}, rating=3)
    plant(seed, "Acme", LAST_WEEK, 10, {})
    seed.source("globex-forum", brand="Globex", consecutive_failures=3)
    seed.flush()
    config = competitor_config()
    report = build_digest(database, config.digest_settings(), "Acme", W47, NOW, tmp_path)
    quote = "Globex customer 109 about hard_to_reach"
    section = report.data["competitors"]
    assert section["worse"] == ["slow_response"] and section["better"] == ["hard_to_reach"]
    assert "You and your competitors" in report.html and "You are worse" in report.html
    assert f"&ldquo;{quote}&rdquo;" in report.html and "A Globex customer" in report.html
    assert "YOU AND YOUR COMPETITORS" in report.text and f'"{quote}"' in report.text
    assert "WORSE: slow response: 100 per 1,000 of your mentions vs 30" in report.text
    problem = "Globex: globex-forum: 3 failed runs in a row"
    assert f"<b>Competitor counts are incomplete:</b> {problem}." in report.html
    assert f"!! Competitor counts are incomplete: {problem}." in report.text
    assert "## You and your competitors" in report.markdown
    assert f"> **Competitor counts are incomplete:** {problem}." in report.markdown
    assert "| hard to reach | 25 (25) | 80 (80) | – (0) | 80 (80) | **better** |" in report.markdown
    stored = json.loads((tmp_path / "acme" / "2026-W47" / "digest.json").read_text())
    assert stored["competitors"]["better"] == ["hard_to_reach"]
    assert stored["competitors"]["themes"][1]["quote"]["text"] == quote
    # Competitors get no digest of their own unless they ask for one.
    with pytest.raises(ValueError, match="'Globex' is not a brand"):
        build_digest(database, config.digest_settings(), "Globex", W47, NOW, tmp_path)
    asked = make_config(COMPETITORS.replace("    google_play_ids", "    digest: true\n"
                                            "    google_play_ids"))
    assert asked.digest_brands() == ["Acme", "Globex"]
    own = build_digest(database, asked.digest_settings(), "Globex", W47, NOW, tmp_path)
    assert own.data["volume"]["total"]["current"] == 1000 and own.data["competitors"] is None


def test_export_leaves_competitors_out_unless_asked(
    database: Database, seed: Seeder, tmp_path: Path
) -> None:
    plant(seed, "Acme", THIS_WEEK, 3, {})
    plant(seed, "Globex", THIS_WEEK, 2, {})
    plant(seed, "Retired brand", THIS_WEEK, 1, {})  # no longer configured: still exported
    seed.flush()
    config_file = tmp_path / "config.yaml"
    config_file.write_text(f"database:\n  url: {database.url}\nbrands:\n  - name: Acme\n"
                           + COMPETITORS)

    def brands(*options: str) -> list[str]:
        result = CliRunner().invoke(cli, ["--config", str(config_file), "mentions", "export",
                                          *options])
        assert result.exit_code == 0, result.output
        return sorted(json.loads(line)["brand"] for line in result.stdout.splitlines())

    assert brands() == ["Acme"] * 3 + ["Retired brand"]
    assert brands("--competitors") == ["Acme"] * 3 + ["Globex"] * 2 + ["Retired brand"]
    assert brands("--brand", "Globex") == ["Globex"] * 2

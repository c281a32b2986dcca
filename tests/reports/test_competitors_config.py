"""Competitors in the config: validated references, the old key's migration, never alerted on."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from reporting import Seeder, make_config

from reports.alerts import check_alerts
from reports.notify import DryRunNotifier
from repwatch.cli import cli
from repwatch.config import ConfigError, example_config_text, parse_config
from repwatch.pipeline import Pipeline
from repwatch.report_settings import alert_settings
from storage.db import Database

BRANDS = """\
brands:
  - name: Acme
  - name: Hooli
"""


def problems_of(text: str) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        parse_config(text, "test.yaml", env={})
    return [str(problem) for problem in caught.value.problems]


def test_a_competitor_is_tracked_like_a_brand_and_sources_may_name_it() -> None:
    config = parse_config(BRANDS + """\
competitors:
  - name: Globex
    competitor_of: [Acme, Hooli]
    keywords: [Globex]
    google_play_ids: [com.globex.app]
  - name: Initech
    competitor_of: [Acme]
    digest: true
sources:
  - name: globex-news
    kind: rss
    brand: Globex
    params: {urls: ["https://news.example/globex.xml"]}
""", env={})
    assert [c.name for c in config.competitors_of("Acme")] == ["Globex", "Initech"]
    assert [c.name for c in config.competitors_of("Hooli")] == ["Globex"]
    assert config.brand("Globex").google_play_ids == ["com.globex.app"]  # what collectors search
    assert [b.name for b in config.brands] == ["Acme", "Hooli"]  # what alerts iterate
    assert config.digest_brands() == ["Acme", "Hooli", "Initech"]


def test_unknown_or_clashing_names_are_reported_with_key_path_and_line() -> None:
    assert problems_of(BRANDS + """\
competitors:
  - name: Globex
    competitor_of: [Acme, Acmee]
  - name: Hooli
    competitor_of: [Globex]
  - name: Umbrella
    competitor_of: []
sources:
  - name: news
    kind: rss
    brand: Initech
    params: {urls: ["https://news.example/x.xml"]}
""") == [
        "line 6: competitors[0].competitor_of[1]: 'Acmee' is not one of the brands "
        "(brands: 'Acme', 'Hooli')",
        "line 7: competitors[1].name: 'Hooli' is already defined as a brand; every name is used "
        "once",
        "line 8: competitors[1].competitor_of[0]: 'Globex' is not one of the brands "
        "(brands: 'Acme', 'Hooli')",
        "line 10: competitors[2].competitor_of: List should have at least 1 item after "
        "validation, not 0",
        "line 14: sources[0].brand: 'Initech' is not one of the brands or competitors",
    ]


def test_the_old_competitors_key_says_how_to_migrate() -> None:
    assert problems_of("""\
brands:
  - name: Acme
    keywords: [Acme]
    competitors: ["Globex Mobile", "Initech"]
""") == [
        "line 4: brands[0].competitors: competitors now have their own top-level `competitors:` "
        "section; move Globex Mobile, Initech there as `- name: ...` with `competitor_of: [Acme]` "
        "and its own keywords, app ids and sources (see config.example.yaml)"
    ]


def test_config_check_counts_competitors_and_init_writes_an_example_with_one(
    tmp_path: Path,
) -> None:
    assert "competitor_of: [" in example_config_text()
    config_file = tmp_path / "config.yaml"
    config_file.write_text(f"database:\n  url: sqlite:///{tmp_path / 'r.db'}\n" + BRANDS
                           + "competitors:\n  - name: Globex\n    competitor_of: [Acme]\n")
    result = CliRunner().invoke(cli, ["--config", str(config_file), "config", "check"])
    assert result.exit_code == 0, result.output
    assert "ok (2 brands, 1 competitor, 0 sources, 0 enabled)" in result.output
    config_file.write_text(BRANDS + "competitors:\n  - name: Globex\n    competitor_of: [Acne]\n")
    result = CliRunner().invoke(cli, ["--config", str(config_file), "config", "check"])
    assert result.exit_code != 0 and "Traceback" not in result.output
    assert "competitors[0].competitor_of[0]: 'Acne' is not one of the brands" in result.output


def test_a_competitor_spike_raises_no_alert(database: Database, seed: Seeder) -> None:
    now = datetime(2026, 11, 24, 9, 5, tzinfo=UTC)
    for brand in ("Acme", "Globex"):
        source = f"{brand.lower()}-forum"
        seed.source(source, brand=brand)
        start = now - timedelta(days=40)
        for hour in range(0, 40 * 24 - 2, 2):  # 3 slow-response posts a day, then 12 in an hour
            seed.mention(source, start + timedelta(hours=hour), f"{brand} post {hour}",
                         brand=brand, themes={"slow_response": 0.5} if hour % 8 == 0 else {})
        for index in range(12):
            seed.mention(source, now - timedelta(minutes=60 - 4 * index), f"{brand} wait {index}",
                         brand=brand, themes={"slow_response": 0.8})
    seed.flush()
    config = make_config("competitors:\n  - name: Globex\n    competitor_of: [Acme]\n")
    summary = check_alerts(database, alert_settings(config), now, [DryRunNotifier()])
    assert summary.fired == ["Acme|theme:slow_response"]  # the same burst fires for the brand


@pytest.mark.parametrize(("own_digest", "digests"), [(False, ["Acme"]), (True, ["Acme", "Globex"])])
def test_the_weekly_digest_skips_competitors_unless_they_ask(
    database: Database, tmp_path: Path, own_digest: bool, digests: list[str]
) -> None:
    config = make_config("competitors:\n  - name: Globex\n    competitor_of: [Acme]\n"
                         f"    digest: {str(own_digest).lower()}\n")
    pipeline = Pipeline(config, database, clock=lambda: datetime(2026, 11, 24, 9, tzinfo=UTC),
                        digest_dir=tmp_path)
    assert [report.brand for report in pipeline.weekly_digest(send=False)] == digests

"""Emerging complaints: a complaint planted in one week is found, named and quoted; the same
complaint heard every week is not news; groups a theme explains are left to the theme."""

from __future__ import annotations

import itertools
import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pytest
import yaml
from click.testing import CliRunner
from reporting import Seeder, make_config

from reports.digest import build_digest
from reports.emerging import Complaint, find_clusters
from reports.periods import last_full_week
from repwatch.cli import cli
from repwatch.demo.data import load_items, place
from repwatch.emerging import find_emerging
from sentiment import Tagger
from storage import emerging as queries
from storage.db import Database

NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)  # a Monday: the last full week is 2026-W48
ZONE = ZoneInfo("Europe/London")  # the test config's digest zone; UTC+0 in November
WEEK = last_full_week(NOW, ZONE)

OPENERS = ["Since the last update", "After updating the app", "Ever since the new version",
           "The update on Tuesday", "Installed the latest update and"]
CHARGES = ["I was charged twice for my plan", "it double charged my card",
           "my card got charged two times", "they took the monthly payment twice",
           "I see a duplicate charge on my statement", "I got billed and charged again"]
ENDINGS = ["and nobody will refund it.", "fix your billing!", "two payments for one month, really?",
           "how do I get my money back?", "support just says wait.", ""]


def double_charges(count: int, seed: int = 7) -> list[str]:
    combos = list(itertools.product(OPENERS, CHARGES, ENDINGS))
    random.Random(seed).shuffle(combos)
    return [" ".join(part for part in combo if part) for combo in combos[:count]]


@pytest.fixture(scope="module")
def tagger() -> Tagger:
    return Tagger.from_pretrained(quantize=True)


class CountingTagger:
    """The real tagger, counting how many texts it was asked to embed."""

    def __init__(self, tagger: Tagger) -> None:
        self.tagger, self.embedded = tagger, 0
        self.version, self.encoder = tagger.version, tagger.encoder

    def embed(self, texts: list[str]) -> Any:
        self.embedded += len(texts)
        return self.tagger.embed(texts)


def seed_weeks(seed: Seeder, planted: dict[int, int]) -> None:
    """Half the demo data's English negative mentions of its last nine weeks (every other one),
    placed so its week 12 is WEEK, plus planted double-charge reviews: {weeks before WEEK: n}.
    The demo's Google Play reviews are left out: they carry the demo's own emerging complaint."""
    seed.source("appstore", kind="apple_app_store")
    seed.source("forum")
    demo = [item for item in place(load_items(), NOW)
            if item.item.planted_sentiment == "negative" and item.item.language == "en"
            and item.item.week is not None and item.item.week >= 4
            and item.item.source != "google_play"]
    for item in demo[::2]:
        seed.mention("forum", item.published_at, item.item.text, sentiment="negative",
                     themes=dict.fromkeys(item.item.planted_themes, 0.9))
    texts = itertools.cycle(double_charges(min(sum(planted.values()), 180)))
    start = WEEK.start_utc(ZONE).replace(tzinfo=UTC)
    for weeks_before, count in planted.items():
        for index in range(count):
            moment = start - timedelta(weeks=weeks_before) + timedelta(hours=2 + index * 2)
            seed.mention("appstore", moment, next(texts), sentiment="negative", rating=1)
    seed.flush()


@pytest.fixture
def sqlite_seed(sqlite_database: Database) -> Iterator[Seeder]:
    yield Seeder(sqlite_database)


def test_a_complaint_that_appears_in_one_week_is_reported_new_and_named(
    sqlite_seed: Seeder, tagger: Tagger
) -> None:
    seed_weeks(sqlite_seed, {0: 60})

    clusters = find_emerging(sqlite_seed.database, tagger, "Acme", WEEK, ZONE, NOW)

    emerging = [c for c in clusters if c["emerging"]]
    assert len(emerging) == 1, [(c["label"], c["status"], c["count"]) for c in clusters]
    found = emerging[0]
    assert found["status"] == "new"
    assert "charge" in found["label"]
    assert 50 <= found["count"] <= 70
    assert found["sources"]["appstore"] >= 50
    assert len(found["quotes"]) == 3
    assert all(any(part in q["text"] for part in CHARGES) for q in found["quotes"])


@pytest.mark.parametrize("per_week", [7, 25])
def test_the_same_complaint_heard_every_week_is_not_new(
    sqlite_seed: Seeder, tagger: Tagger, per_week: int
) -> None:
    seed_weeks(sqlite_seed, dict.fromkeys(range(9), per_week))

    clusters = find_emerging(sqlite_seed.database, tagger, "Acme", WEEK, ZONE, NOW)

    assert not [c for c in clusters if c["emerging"] and "charg" in c["label"]], clusters


def test_vectors_are_kept_and_a_second_run_embeds_nothing(sqlite_seed: Seeder, tagger: Tagger) -> None:
    seed_weeks(sqlite_seed, {0: 60})
    counting = CountingTagger(tagger)

    first = find_emerging(sqlite_seed.database, counting, "Acme", WEEK, ZONE, NOW)  # type: ignore[arg-type]
    embedded = counting.embedded
    second = find_emerging(sqlite_seed.database, counting, "Acme", WEEK, ZONE, NOW)  # type: ignore[arg-type]

    assert embedded > 300
    assert counting.embedded == embedded
    assert [(c["label"], c["count"]) for c in second] == [(c["label"], c["count"]) for c in first]
    with sqlite_seed.database.session() as session:
        assert len(queries.clusters_of(session, "Acme", WEEK.label)) == len(second)


def test_the_digest_shows_new_this_week_in_every_format(
    sqlite_seed: Seeder, tagger: Tagger, tmp_path: Path
) -> None:
    seed_weeks(sqlite_seed, {0: 60})
    find_emerging(sqlite_seed.database, tagger, "Acme", WEEK, ZONE, NOW)
    report = build_digest(sqlite_seed.database, make_config().digest_settings(), "Acme", WEEK, NOW,
                          tmp_path)

    [item] = report.data["emerging"]
    assert "charge" in item["label"] and item["status"] == "new"
    assert "New this week" in report.html and item["label"] in report.html
    assert "NEW THIS WEEK" in report.text and f"repwatch emerging promote {item['id']}" in report.text
    assert "## New this week" in report.markdown
    assert (tmp_path / "acme" / WEEK.label / "digest.json").read_text().count('"emerging"') >= 1


def test_emerging_prints_the_group_and_promote_writes_a_theme_for_review(
    sqlite_seed: Seeder, tmp_path: Path
) -> None:
    seed_weeks(sqlite_seed, {0: 60})
    config = tmp_path / "config.yaml"
    config.write_text(f"""\
# my settings
database:
  url: {sqlite_seed.database.url}
brands:
  - name: Acme   # the one we track
    keywords: ["Acme"]
digest:
  timezone: Europe/London
""", encoding="utf-8")
    runner = CliRunner()

    listed = runner.invoke(cli, ["--config", str(config), "emerging", "--now", NOW.isoformat()])

    assert listed.exit_code == 0, listed.output
    assert f"Acme {WEEK.label}:" in listed.output and "NEW" in listed.output
    [cluster_id] = [line.split("promote ")[1].split()[0] for line in listed.output.splitlines()
                    if "emerging promote" in line]

    promoted = runner.invoke(cli, ["--config", str(config), "emerging", "promote", cluster_id,
                                   "--name", "double_charge"])

    assert promoted.exit_code == 0, promoted.output
    written = config.read_text(encoding="utf-8")
    assert "# my settings" in written and "# the one we track" in written
    assert f"promoted from complaint group #{cluster_id}" in written
    [theme] = yaml.safe_load(written)["themes"]["custom"]
    assert theme["name"] == "double_charge"
    assert "charge" in theme["description"]
    assert len(theme["examples"]) >= 5
    checked = runner.invoke(cli, ["--config", str(config), "config", "check"])
    assert checked.exit_code == 0, checked.output

    again = runner.invoke(cli, ["--config", str(config), "emerging", "promote", cluster_id,
                                "--name", "double_charge"])
    assert again.exit_code != 0 and "already has a custom theme 'double_charge'" in again.output
    bad = runner.invoke(cli, ["--config", str(config), "emerging", "promote", cluster_id,
                              "--name", "slow_response"])
    assert bad.exit_code != 0 and "default theme" in bad.output
    missing = runner.invoke(cli, ["--config", str(config), "emerging", "promote", "9999",
                                  "--name", "x_y"])
    assert missing.exit_code != 0 and "no complaint group #9999" in missing.output


# --- the rules on plain vectors (no model) -----------------------------------------------------


def _unit(rows: np.ndarray) -> np.ndarray:
    return rows / np.linalg.norm(rows, axis=1, keepdims=True)


def _topic(rng: np.random.Generator, centre: np.ndarray, count: int) -> np.ndarray:
    return _unit(centre + rng.normal(0, 0.03, (count, len(centre))))


def _complaints(count: int, text: str, themes: tuple[str, ...] = ()) -> list[Complaint]:
    return [Complaint(i, f"{text} number {i}", "store", datetime(2026, 11, 24), themes=themes)
            for i in range(count)]


def _scattered(rng: np.random.Generator, count: int) -> np.ndarray:
    return _unit(rng.normal(0, 1, (count, 32)))


def test_a_group_without_history_is_never_called_new() -> None:
    rng = np.random.default_rng(1)
    centre = _unit(rng.normal(0, 1, (1, 32)))[0]
    vectors = np.vstack([_topic(rng, centre, 30), _scattered(rng, 100)])
    complaints = _complaints(130, "login broken after update")

    clusters = find_clusters(complaints, vectors, np.zeros((0, 32)), [], 0)

    assert [c.status for c in clusters] == ["steady"]


def test_growth_beyond_the_overall_rise_is_growing_and_a_theme_explains_its_group() -> None:
    rng = np.random.default_rng(2)
    centre = _unit(rng.normal(0, 1, (1, 32)))[0]
    earlier = np.vstack([_topic(rng, centre, 8 * 5), _scattered(rng, 8 * 100)])
    now = np.vstack([_topic(rng, centre, 40), _scattered(rng, 100)])

    [grown] = find_clusters(_complaints(140, "login broken after update"), now, earlier,
                            ["older login complaint"] * len(earlier), 8)
    [explained] = find_clusters(_complaints(140, "login broken", ("unresolved_issue",)), now,
                                earlier, ["older"] * len(earlier), 8)

    assert grown.status == "growing" and grown.emerging
    assert grown.weekly_before == pytest.approx(5, abs=1.5)
    assert explained.status == "explained" and explained.theme == "unresolved_issue"
    assert not explained.emerging


def test_a_group_at_its_usual_size_is_steady_and_scattered_noise_is_no_group() -> None:
    rng = np.random.default_rng(3)
    centre = _unit(rng.normal(0, 1, (1, 32)))[0]
    earlier = np.vstack([_topic(rng, centre, 8 * 20), _scattered(rng, 8 * 100)])
    now = np.vstack([_topic(rng, centre, 22), _scattered(rng, 100)])

    clusters = find_clusters(_complaints(122, "login broken after update"), now, earlier,
                             ["older"] * len(earlier), 8)

    assert [(c.status, c.count) for c in clusters] == [("steady", 22)]


@pytest.mark.postgres
def test_vectors_and_groups_round_trip_on_postgresql(postgres_server_url: str) -> None:
    database = Database(postgres_server_url)
    database.upgrade()
    seed = Seeder(database)
    seed.source(f"forum-{datetime.now().timestamp()}")
    mention = seed.mention(next(iter(seed.sources)), NOW - timedelta(days=3), "charged twice",
                           sentiment="negative")
    seed.flush()
    vector = np.arange(384, dtype=np.float16).tobytes()
    with database.session() as session:
        queries.save_vectors(session, [(mention, vector)], "v1")
        ids = queries.replace_clusters(session, "Acme", "2026-W48", NOW.replace(tzinfo=None),
                                       [{"status": "new", "label": "charge", "count": 60,
                                         "emerging": True}])
    with database.session() as session:
        assert queries.stored_vectors(session, [mention], "v1") == {mention: vector}
        assert queries.stored_vectors(session, [mention], "v2") == {}
        [found] = queries.negative_mentions(session, "Acme", NOW.replace(tzinfo=None) - timedelta(days=7),
                                            NOW.replace(tzinfo=None))
        assert found.id == mention
        assert queries.get_cluster(session, ids[0]).data["label"] == "charge"  # type: ignore[union-attr]
    database.dispose()

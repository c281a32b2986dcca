"""The bundled demo data: rebuilt byte for byte by its generator, and telling the planted story."""

from __future__ import annotations

import gzip
import re
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta
from itertools import combinations
from pathlib import Path
from statistics import fmean

import pytest

from repwatch.demo.data import (
    APPLE_COUNTRIES,
    SOURCES,
    DemoItem,
    bundled_path,
    current_week_start,
    load_items,
    place,
    write_items,
)
from sentiment.labels import THEMES
from tools.demo_data import generate

STORY_THEMES = ("language_barrier", "slow_response")
BASELINE_WEEKS = range(1, 10)
STORY_WEEKS = (10, 11, 12)


def weekly(items: list[DemoItem]) -> dict[str, Counter[int]]:
    """Planted theme -> week -> count, plus 'mentions' and 'negative', over weeks 1-12."""
    counts: dict[str, Counter[int]] = defaultdict(Counter)
    for item in items:
        if item.week is None:
            continue
        counts["mentions"][item.week] += 1
        counts["negative"][item.week] += item.planted_sentiment == "negative"
        for theme in item.planted_themes:
            counts[theme][item.week] += 1
    return counts


def test_the_generator_rebuilds_the_bundled_file_byte_for_byte(tmp_path: Path) -> None:
    rebuilt = tmp_path / "mentions.jsonl.gz"
    write_items(generate.generate(generate.SEED), rebuilt)
    assert rebuilt.read_bytes() == bundled_path().read_bytes(), (
        "the bundled data is stale: run `python -m tools.demo_data.generate`"
    )


def test_another_seed_writes_another_data_set(items: list[DemoItem]) -> None:
    assert [i.text for i in generate.generate(1)] != [i.text for i in items]


def test_the_file_is_small_and_holds_thousands_of_mentions_from_every_source(
    items: list[DemoItem],
) -> None:
    assert bundled_path().stat().st_size < 2 * 2**20
    assert 3000 <= len(items) <= 5000
    per_source = Counter(item.source for item in items)
    assert set(per_source) == set(SOURCES)
    assert min(per_source.values()) >= 100
    ids = Counter((item.source, item.id) for item in items)
    assert [key for key, count in ids.items() if count > 1] == []


def test_each_app_store_storefront_stays_within_the_500_reviews_apple_serves(
    items: list[DemoItem],
) -> None:
    per_country = Counter(i.extra["country"] for i in items if i.source == "apple_app_store")
    assert set(per_country) == set(APPLE_COUNTRIES)
    assert max(per_country.values()) <= 500


def test_a_file_that_is_not_demo_data_is_refused_with_its_line(tmp_path: Path) -> None:
    broken = tmp_path / "broken.jsonl.gz"
    broken.write_bytes(gzip.compress(b'{"source": "rss"}\n'))
    with pytest.raises(ValueError, match=r"line 1: not a demo item"):
        load_items(broken)


def test_most_mentions_carry_no_theme_and_all_three_sentiments_are_common(
    items: list[DemoItem],
) -> None:
    with_theme = sum(1 for item in items if item.planted_themes) / len(items)
    assert 0.60 <= 1 - with_theme <= 0.70
    sentiments = Counter(item.planted_sentiment for item in items)
    assert set(sentiments) == {"negative", "neutral", "positive"}
    assert min(sentiments.values()) / len(items) > 0.15
    planted = {theme for item in items for theme in item.planted_themes}
    assert planted == set(THEMES)


def test_language_barrier_and_slow_response_climb_after_the_vendor_change(
    items: list[DemoItem],
) -> None:
    counts = weekly(items)
    for theme, week_12_over_baseline in (("language_barrier", 6), ("slow_response", 2.5)):
        baseline = fmean(counts[theme][w] for w in BASELINE_WEEKS)
        story = [counts[theme][w] for w in STORY_WEEKS]
        assert min(story) > 1.8 * baseline, (theme, baseline, story)
        assert story[2] > story[0], f"{theme} should keep climbing through week 12: {story}"
        assert story[2] > week_12_over_baseline * baseline, (theme, baseline, story)


def test_the_other_themes_stay_at_their_baseline(items: list[DemoItem]) -> None:
    counts = weekly(items)
    for theme in set(THEMES) - set(STORY_THEMES):
        baseline = fmean(counts[theme][w] for w in BASELINE_WEEKS)
        for week in STORY_WEEKS:
            assert abs(counts[theme][week] - baseline) <= max(3, 0.5 * baseline), (theme, week)


def test_the_negative_share_rises_after_the_vendor_change(items: list[DemoItem]) -> None:
    counts = weekly(items)

    def share(weeks: range | tuple[int, ...]) -> float:
        return sum(counts["negative"][w] for w in weeks) / sum(counts["mentions"][w] for w in weeks)

    assert share(STORY_WEEKS) > share(BASELINE_WEEKS) + 0.05


def test_the_final_surge_is_dense_in_the_last_day_and_about_the_story_themes(
    items: list[DemoItem],
) -> None:
    surge = [item for item in items if item.surge]
    assert len(surge) >= 60
    assert all(set(item.planted_themes) <= set(STORY_THEMES) and item.planted_themes for item in surge)
    assert all(0 < (item.seconds_before_now or 0) <= 60 * 3600 for item in surge)
    last_day = sum(1 for item in surge if (item.seconds_before_now or 0) <= 24 * 3600)
    assert last_day > len(surge) / 2


def test_the_vendor_change_is_in_the_news_at_the_start_of_week_10(items: list[DemoItem]) -> None:
    news = [i for i in items if i.source == "rss" and i.week == 10 and "support" in (i.title or "")]
    assert any(i.week_second is not None and i.week_second < 86400 for i in news)


def test_a_few_percent_are_in_other_languages(items: list[DemoItem]) -> None:
    languages = Counter(item.language for item in items)
    assert set(languages) == {"en", "es", "de", "fr", "pt"}
    assert 0.02 <= 1 - languages["en"] / len(items) <= 0.06


def test_texts_fit_their_source(items: list[DemoItem]) -> None:
    for item in items:
        assert item.text.strip() == item.text and item.text
        if item.source == "bluesky":
            assert len(item.text) <= 300
        if item.source in ("bluesky", "hacker_news", "rss"):
            assert re.search(r"tidewell", f"{item.title or ''} {item.text}", re.I), item
        if item.source == "mastodon":
            assert "#tidewell" in item.text.lower()
        assert (item.rating is not None) == (item.source in ("apple_app_store", "google_play"))
        titled = item.source in ("apple_app_store", "rss") or item.extra.get("kind") == "story"
        assert (item.title is not None) == titled, item


def _shingles(text: str) -> set[tuple[str, ...]]:
    words = re.findall(r"\w+", text.lower())
    return {tuple(words[i : i + 4]) for i in range(max(1, len(words) - 3))}


def test_near_duplicate_texts_are_rare(items: list[DemoItem]) -> None:
    """Pairs whose word 4-grams overlap 80% or more (found through min-hash buckets)."""
    shingles = [_shingles(item.text) for item in items]
    buckets: dict[tuple[int, int], list[int]] = defaultdict(list)
    for index, grams in enumerate(shingles):
        for salt in range(4):
            buckets[(salt, min(hash((salt, g)) for g in grams))].append(index)
    near: set[int] = set()
    for members in buckets.values():
        for a, b in combinations(members[:200], 2):
            overlap = len(shingles[a] & shingles[b]) / len(shingles[a] | shingles[b])
            if overlap >= 0.8:
                near |= {a, b}
    assert len(near) <= 0.01 * len(items), [items[i].text for i in sorted(near)[:6]]


def test_placing_ends_week_12_at_the_start_of_the_current_iso_week(
    items: list[DemoItem], now: datetime
) -> None:
    monday = current_week_start(now)
    assert monday == datetime(2026, 3, 16, tzinfo=UTC)
    placed = place(items, now)
    assert all(p.published_at < now for p in placed)
    assert [p.published_at for p in placed] == sorted((p.published_at for p in placed), reverse=True)
    for p in placed:
        if p.item.week is not None:
            start = monday - (13 - p.item.week) * timedelta(days=7)
            assert start <= p.published_at < start + timedelta(days=7)
        elif not p.item.surge:
            assert p.published_at >= monday, "tail items show only in the current week"
    weekly_items = sum(1 for item in items if item.week is not None)
    surge = sum(1 for item in items if item.surge)
    assert sum(1 for p in placed if p.item.week is not None or p.item.surge) == weekly_items + surge


@pytest.mark.parametrize("now", [
    datetime(2026, 3, 16, 0, 30, tzinfo=UTC),  # just after Monday midnight
    datetime(2026, 3, 22, 23, 0, tzinfo=UTC),  # late on Sunday
])
def test_the_surge_is_there_whatever_the_weekday(items: list[DemoItem], now: datetime) -> None:
    placed = place(items, now)
    last_day = [p for p in placed if p.published_at >= now - timedelta(days=1)]
    week_before = [p for p in placed if now - timedelta(days=8) <= p.published_at < now - timedelta(days=7)]
    story = Counter(t for p in last_day for t in p.item.planted_themes)
    before = Counter(t for p in week_before for t in p.item.planted_themes)
    assert story["language_barrier"] > 3 * max(1, before["language_barrier"])
    assert story["slow_response"] > 2 * max(1, before["slow_response"])


def test_placing_needs_an_aware_now(items: list[DemoItem]) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        place(items[:1], datetime(2026, 3, 18))  # noqa: DTZ001 - the naive time is the point

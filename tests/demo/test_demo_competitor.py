"""The demo's competitor, Harbourline Mobile: its bundled reviews, served under its own app ids,
collected by the real collectors, and planted so the comparison finds one gap each way."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest
from sqlalchemy import insert

from collector import registry
from collector.base import BrandTerms
from collector.http import HttpSettings, build_http
from reports.competitors import comparison
from reports.periods import last_full_week, week_edges
from repwatch.config import parse_config
from repwatch.demo.data import BRAND, COMPETITOR, DemoItem, place
from repwatch.demo.server import DemoServer
from sentiment.labels import THEMES
from storage.db import Database
from storage.mentions import ensure_source, utc_naive
from storage.models import MentionRow, MentionTheme, Tag

NAME = str(COMPETITOR["name"])
UTC_ZONE = ZoneInfo("UTC")


@pytest.fixture(scope="module")
def rival(all_items: list[DemoItem]) -> list[DemoItem]:
    return [item for item in all_items if item.brand == NAME]


def test_the_competitor_has_its_own_english_app_reviews_for_the_compared_weeks(
    all_items: list[DemoItem], rival: list[DemoItem]
) -> None:
    assert {item.brand for item in all_items} == {None, NAME}
    assert 1000 <= len(rival) <= 1500
    assert Counter(item.source for item in rival).keys() == {"apple_app_store", "google_play"}
    assert {item.extra["country"] for item in rival if item.source == "apple_app_store"} == {"us"}
    assert sum(item.source == "apple_app_store" for item in rival) <= 500  # Apple serves 500
    assert {item.week for item in rival} == {11, 12, None}
    assert all(item.language == "en" and item.rating for item in rival)
    assert not [item.text for item in rival if "tidewell" in f"{item.title} {item.text}".lower()]
    ids = Counter((item.source, item.id) for item in all_items)
    assert [key for key, count in ids.items() if count > 1] == []


def _apple_ids(client: httpx.Client, base: str, app_id: str) -> list[str]:
    ids: list[str] = []
    for page in range(1, 11):
        url = f"{base}/us/rss/customerreviews/page={page}/id={app_id}/sortby=mostrecent/json"
        entries = client.get(url).json()["feed"].get("entry", [])
        ids += [e["id"]["label"] for e in (entries if isinstance(entries, list) else [entries])]
    return ids


def test_each_app_store_serves_each_app_its_own_reviews(
    all_items: list[DemoItem], now: datetime, client: httpx.Client
) -> None:
    placed = place(all_items, now)
    with DemoServer(now, all_items) as server:
        for owner in (BRAND, COMPETITOR):
            mine = [p.item.id for p in placed if p.item.source == "apple_app_store"
                    and p.item.extra["country"] == "us"
                    and (p.item.brand or BRAND["name"]) == owner["name"]]
            assert _apple_ids(client, server.base_url, str(owner["apple_app_ids"][0])) == mine[:500]
        sources = server.competitor_sources_config()
        assert [s["brand"] for s in sources] == [NAME, NAME]
        terms = BrandTerms(name=NAME, apple_app_ids=tuple(COMPETITOR["apple_app_ids"]),
                           google_play_ids=tuple(COMPETITOR["google_play_ids"]))
        settings = HttpSettings(allow_private_hosts=True, min_seconds_between_requests=0,
                                max_retries=0)
        for source in sources:
            kind = registry.get(source["kind"])
            collector = kind(kind.Params.model_validate(source["params"]), terms)
            with build_http(settings) as http:
                got = [m for batch in collector.fetch(http, None, now - timedelta(weeks=4))
                       for m in batch.mentions]
            expected = [p for p in placed if p.item.brand == NAME
                        and p.item.source == source["kind"]]
            assert sorted(m.text for m in got) == sorted(p.item.text for p in expected), source
        assert server.errors == []


def test_the_planted_labels_show_one_gap_each_way(
    all_items: list[DemoItem], rival: list[DemoItem], now: datetime, tmp_path: Path
) -> None:
    """Stored with their planted labels, as a perfect tagger would write them."""
    database = Database(f"sqlite:///{tmp_path / 'demo.db'}")
    database.upgrade()
    mentions, tags, themes = [], [], []
    with database.session() as session:
        sources = {name: ensure_source(session, name, "demo", name).id
                   for name in (str(BRAND["name"]), NAME)}
        for number, placed in enumerate(place(all_items, now), start=1):
            item, brand = placed.item, placed.item.brand or str(BRAND["name"])
            mentions.append({"id": number, "source_id": sources[brand], "external_id": str(number),
                             "brand": brand, "text": item.text, "rating": item.rating,
                             "published_at": utc_naive(placed.published_at),
                             "collected_at": utc_naive(now), "url": None})
            if item.language == "en":
                tags.append({"mention_id": number, "sentiment": item.planted_sentiment,
                             "model_version": "planted", "tagged_at": utc_naive(now)})
                themes += [{"mention_id": number, "theme": t, "score": 0.9}
                           for t in item.planted_themes]
        for model, rows in ((MentionRow, mentions), (Tag, tags), (MentionTheme, themes)):
            session.execute(insert(model), rows)
    config = parse_config(f"brands: [{{name: {BRAND['name']}}}]\ncompetitors:\n"
                          f"  - {{name: {NAME}, competitor_of: [{BRAND['name']}]}}\n", env={})
    _, edges = week_edges(last_full_week(now, UTC_ZONE), 8, UTC_ZONE)
    result = comparison(database, str(BRAND["name"]),
                        [c.name for c in config.competitors_of(str(BRAND["name"]))], edges, THEMES, UTC_ZONE)
    database.dispose()
    assert result is not None
    assert result["worse"] == ["language_barrier"] and result["better"] == ["slow_response"]
    quote = next(t["quote"] for t in result["themes"] if t["theme"] == "slow_response")
    assert quote["competitor"] == NAME
    assert any(quote["text"] == item.text for item in rival if item.week == 12)

"""The real collectors, pointed at the demo server by `sources_config()`, collect the data set,
and a second run with the saved cursor brings exactly what was published in between."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest

from collector import registry
from collector.base import BrandTerms
from collector.http import HttpSettings, build_http
from collector.mention import Mention
from repwatch.demo.data import BRAND, DemoItem, PlacedItem, place
from repwatch.demo.server import DemoServer

BACKFILL = timedelta(days=13 * 7)
BRAND_TERMS = BrandTerms(
    name=str(BRAND["name"]),
    keywords=tuple(BRAND["keywords"]),
    hashtags=tuple(BRAND["hashtags"]),
    apple_app_ids=tuple(BRAND["apple_app_ids"]),
    google_play_ids=tuple(BRAND["google_play_ids"]),
)


def collect(server: DemoServer, source: dict[str, Any], cursor: dict[str, Any] | None,
            since: datetime) -> tuple[list[Mention], dict[str, Any] | None]:
    kind = registry.get(source["kind"])
    env = server.environment()
    params = kind.Params.model_validate(source["params"], context={"env": env})
    secrets = {name: env[variable] for name, variable in params.secret_names().items()}
    collector = kind(params, BRAND_TERMS, secrets=secrets)
    settings = HttpSettings(allow_private_hosts=True, min_seconds_between_requests=0, max_retries=0)
    mentions: list[Mention] = []
    with build_http(settings) as http:
        for batch in collector.fetch(http, cursor, since):
            mentions += batch.mentions
            cursor = batch.cursor if batch.cursor is not None else cursor
    return mentions, cursor


def collectable(placed: list[PlacedItem], kind: str) -> list[PlacedItem]:
    """What a collector of this kind should keep (Mastodon leaves out `noindex` authors)."""
    return [
        p for p in placed
        if p.item.source == kind
        and not (kind == "mastodon" and p.item.extra["account"]["noindex"])
    ]


@pytest.fixture(scope="module")
def moving_server(items: list[DemoItem], now: datetime) -> Iterator[DemoServer]:
    with DemoServer(now, items) as running:
        yield running
        assert running.errors == []


def test_sources_config_names_every_demo_kind_with_valid_params(server: DemoServer) -> None:
    sources = server.sources_config()
    assert sorted(s["kind"] for s in sources) == sorted(
        ["apple_app_store", "google_play", "hacker_news", "rss", "mastodon", "bluesky"]
    )
    for source in sources:
        kind = registry.get(source["kind"])
        kind.Params.model_validate(source["params"], context={"env": server.environment()})
        assert server.base_url in repr(source["params"])


def test_collecting_twice_brings_everything_once(
    moving_server: DemoServer, items: list[DemoItem], now: datetime
) -> None:
    earlier = now - timedelta(days=1)
    placed = place(items, now)
    moving_server.visible_before = earlier
    for source in moving_server.sources_config():
        kind = source["kind"]
        first, cursor = collect(moving_server, source, None, now - BACKFILL)
        expected_first = [p for p in collectable(placed, kind) if p.published_at < earlier]
        if kind == "apple_app_store":  # Apple serves the newest 500 of each storefront
            assert len(first) == len(expected_first) <= 2 * 500
        assert len(first) == len(expected_first), kind
        assert len({m.external_id for m in first}) == len(first), kind
        assert {m.published_at for m in first} == {p.published_at for p in expected_first}, kind

        moving_server.visible_before = now
        second, _ = collect(moving_server, source, cursor, now - BACKFILL)
        moving_server.visible_before = earlier
        expected_second = [p for p in collectable(placed, kind) if p.published_at >= earlier]
        assert expected_second, f"the last day should bring new {kind} items"
        assert sorted(m.published_at for m in second) == sorted(
            p.published_at for p in expected_second
        ), kind
        assert not {m.external_id for m in first} & {m.external_id for m in second}, kind

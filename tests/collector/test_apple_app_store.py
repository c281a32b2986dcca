from __future__ import annotations

import copy
import json
from datetime import UTC, datetime, timedelta
from typing import Any

from conftest import FIXTURES, FakeApi, fixture_reply, reply

from collector.apple_app_store import AppleAppStore, AppleAppStoreParams
from collector.base import BrandTerms
from collector.http import Http

HOST = "itunes.apple.com"
BRAND = BrandTerms(name="Acme Telecom", apple_app_ids=("1234567890",))


def path(page: int, country: str = "us") -> str:
    return f"/{country}/rss/customerreviews/page={page}/id=1234567890/sortby=mostrecent/json"


def collector(**params: Any) -> AppleAppStore:
    return AppleAppStore(AppleAppStoreParams(**{"countries": ["us"], **params}), BRAND)


def review_page(start: datetime, ids: range) -> dict[str, Any]:
    """A full page built from the recorded review entry: ids newest first, an hour apart."""
    template = json.loads((FIXTURES / "apple_app_store" / "page1_with_app_entry.json").read_text())
    review = template["feed"]["entry"][1]
    entries = []
    for offset, review_id in enumerate(ids):
        entry = copy.deepcopy(review)
        entry["id"]["label"] = str(review_id)
        entry["updated"]["label"] = (start - timedelta(hours=offset)).isoformat()
        entries.append(entry)
    template["feed"]["entry"] = entries
    return template


def test_reviews_are_parsed_and_the_app_entry_is_left_out(api: FakeApi, http: Http, run) -> None:
    api.route(HOST, path(1), fixture_reply("apple_app_store", "page1_with_app_entry.json"))
    api.route(HOST, path(2), fixture_reply("apple_app_store", "empty.json"))
    result = run(collector(), http)
    assert result.ids == ["11223344556", "11223340001", "11223330009"]
    first = result.mentions[0]
    assert first.rating == 1
    assert first.author == "dropped_again"
    assert first.title == "Calls drop every morning"
    assert first.text == 'Since the last update my calls drop on the train & support keeps saying "restart".'
    assert first.published_at == datetime(2026, 11, 20, 15, 15, 2, tzinfo=UTC)
    assert first.url == "https://itunes.apple.com/us/review?id=1234567890&type=Purple%20Software"
    assert first.metrics == {"votes": 4, "vote_sum": 3, "app_version": "5.2.1", "country": "us"}
    assert first.language is None
    assert result.mentions[1].author == "Zoë K"
    assert result.cursor == {"streams": {"1234567890/us": {
        "newest": "2026-11-20T15:15:02+00:00", "ids": ["11223344556"]}}}


def test_a_single_entry_feed_and_an_empty_feed(api: FakeApi, http: Http, run) -> None:
    api.route(HOST, path(1, "gb"), fixture_reply("apple_app_store", "single_entry.json"))
    api.route(HOST, path(2, "gb"), fixture_reply("apple_app_store", "empty.json"))
    api.route(HOST, path(1, "us"), fixture_reply("apple_app_store", "empty.json"))
    result = run(collector(countries=["us", "gb"]), http)
    assert result.ids == ["99887766001"]
    assert result.mentions[0].rating == 2
    assert set(result.cursor["streams"]) == {"1234567890/us", "1234567890/gb"}


def test_malformed_reviews_are_skipped_and_counted(api: FakeApi, http: Http, run) -> None:
    api.route(HOST, path(1), fixture_reply("apple_app_store", "malformed_entries.json"))
    api.route(HOST, path(2), fixture_reply("apple_app_store", "empty.json"))
    result = run(collector(), http)
    assert result.ids == ["55500001"]
    assert result.skipped == 2


def test_pages_are_followed_and_the_cursor_waits_for_the_last_one(
    api: FakeApi, http: Http, run
) -> None:
    top = datetime(2026, 11, 20, 12, tzinfo=UTC)
    api.route(HOST, path(1), reply(review_page(top, range(900, 850, -1))))
    api.route(HOST, path(2), reply(review_page(top - timedelta(hours=50), range(850, 830, -1))))
    api.route(HOST, path(3), fixture_reply("apple_app_store", "empty.json"))
    result = run(collector(), http, since=top - timedelta(days=30))
    assert len(result.ids) == 70
    assert [batch.cursor is None for batch in result.batches] == [True, True, True, False]
    assert [r.url.path for r in api.requests] == [path(1), path(2), path(3)]


def test_the_next_run_stops_at_the_newest_review_already_collected(
    api: FakeApi, http: Http, run
) -> None:
    top = datetime(2026, 11, 20, 12, tzinfo=UTC)
    api.route(HOST, path(1), reply(review_page(top, range(900, 850, -1))))
    api.route(HOST, path(2), fixture_reply("apple_app_store", "empty.json"))
    first = run(collector(), http, since=top - timedelta(days=30))
    # Three new reviews arrive on top; the next run must not go past the ones it has.
    api.route(HOST, path(1), reply(review_page(top + timedelta(hours=3), range(903, 853, -1))))
    api.requests.clear()
    second = run(collector(), http, cursor=first.cursor, since=top - timedelta(days=30))
    assert second.ids == ["903", "902", "901"]
    assert [r.url.path for r in api.requests] == [path(1)]
    assert second.cursor["streams"]["1234567890/us"]["ids"] == ["903"]


def test_the_backfill_window_bounds_the_first_run(api: FakeApi, http: Http, run) -> None:
    top = datetime(2026, 11, 20, 12, tzinfo=UTC)
    api.route(HOST, path(1), reply(review_page(top, range(900, 850, -1))))
    result = run(collector(), http, since=top - timedelta(hours=9, minutes=30))
    assert result.ids == [str(i) for i in range(900, 890, -1)]
    assert len(api.requests) == 1


def test_base_url_points_the_collector_at_a_mirror(api: FakeApi, http: Http, run) -> None:
    api.route("mirror.example.com:8080", path(1), fixture_reply("apple_app_store", "single_entry.json"))
    api.route("mirror.example.com:8080", path(2), fixture_reply("apple_app_store", "empty.json"))
    result = run(collector(base_url="http://mirror.example.com:8080/"), http)
    assert result.ids == ["99887766001"]

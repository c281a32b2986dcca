"""The runner against a real database (SQLite file and PostgreSQL): cursors saved with their
mentions, failures recorded per source, repeats harmless."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from conftest import FakeApi, FakeClock, fixture_reply, make_http, reply
from sqlalchemy import func, select

from collector.base import Batch, Collector
from collector.http import Http
from repwatch.collect import Collection, collect_all, collect_source, redact
from repwatch.config import Config, SourceConfig, parse_config
from storage.db import Database
from storage.models import MentionRow, Source

NOW = datetime(2026, 11, 21, 12, tzinfo=UTC)
ENV = {"BLUESKY_APP_PASSWORD": "pw-very-secret-1"}
CONFIG = """\
brands:
  - name: Acme Telecom
    keywords: ["AcmeTel"]
    apple_app_ids: ["1234567890"]
sources:
  - name: hn
    kind: hacker_news
    brand: Acme Telecom
  - name: appstore
    kind: apple_app_store
    brand: Acme Telecom
    params: {countries: ["us"]}
  - name: feeds
    kind: rss
    brand: Acme Telecom
    params: {urls: ["https://telecomweekly.example.com/feed.rss"]}
  - name: bsky
    kind: bluesky
    brand: Acme Telecom
    enabled: false
    params: {identifier: acme.bsky.social, app_password_env: BLUESKY_APP_PASSWORD}
collection:
  backfill_days: 60
"""
APPLE = "/us/rss/customerreviews/page={}/id=1234567890/sortby=mostrecent/json"


@pytest.fixture
def config() -> Config:
    return parse_config(CONFIG, env=ENV)


@pytest.fixture
def factory(api: FakeApi, clock: FakeClock) -> Callable[[SourceConfig], Http]:
    return lambda source: make_http(api, clock)


def source_row(database: Database, name: str) -> Source:
    with database.session() as session:
        row = session.scalar(select(Source).where(Source.name == name))
        assert row is not None
        return row


def stored(database: Database, name: str) -> int:
    with database.session() as session:
        return session.scalar(
            select(func.count()).select_from(MentionRow).join(Source).where(Source.name == name)
        ) or 0


def hn_routes(api: FakeApi) -> None:
    api.route("hn.algolia.com", "/api/v1/search_by_date", fixture_reply("hacker_news", "page0.json"),
              fixture_reply("hacker_news", "page1.json"))


def test_a_run_stores_mentions_with_their_cursor_and_health(
    database: Database, config: Config, api: FakeApi, factory: Any
) -> None:
    hn_routes(api)
    run = collect_source(database, config, "hn", http_factory=factory, env=ENV, now=lambda: NOW)
    assert run.ok and (run.new, run.skipped) == (4, 1)
    row = source_row(database, "hn")
    assert row.cursor == {"streams": {"AcmeTel": {"newest": "2026-11-20T15:04:05+00:00", "ids": ["41000010"]}}}
    assert (row.items_last_run, row.skipped_last_run, row.consecutive_failures) == (4, 1, 0)
    assert row.last_success_at == NOW.replace(tzinfo=None)
    assert row.last_error is None
    assert stored(database, "hn") == 4
    since = int(NOW.timestamp()) - 60 * 86400
    assert api.params(0)["numericFilters"] == f"created_at_i>={since}"


def test_a_persistent_failure_leaves_the_cursor_and_counts_failures(
    database: Database, config: Config, api: FakeApi, factory: Any
) -> None:
    hn_routes(api)
    collect_source(database, config, "hn", http_factory=factory, env=ENV, now=lambda: NOW)
    before = source_row(database, "hn")
    api.route("hn.algolia.com", "/api/v1/search_by_date", reply(b"", 503))
    for expected in (1, 2):
        run = collect_source(database, config, "hn", http_factory=factory, env=ENV, now=lambda: NOW)
        assert not run.ok and run.retriable
        row = source_row(database, "hn")
        assert row.consecutive_failures == expected
    assert row.last_error is not None
    assert row.last_error.startswith("source hn: AcmeTel: GET https://hn.algolia.com")
    assert "HTTP 503" in row.last_error
    assert row.cursor == before.cursor
    assert row.last_success_at == before.last_success_at
    assert row.items_last_run == before.items_last_run
    hn_routes(api)
    assert collect_source(database, config, "hn", http_factory=factory, env=ENV, now=lambda: NOW).ok
    assert source_row(database, "hn").consecutive_failures == 0


def test_a_run_cut_short_repeats_work_and_never_skips_it(
    database: Database, config: Config, api: FakeApi, factory: Any
) -> None:
    api.route("itunes.apple.com", APPLE.format(1), fixture_reply("apple_app_store", "page1_with_app_entry.json"))
    api.route("itunes.apple.com", APPLE.format(2), reply({"error": "gone"}, 404))
    run = collect_source(database, config, "appstore", http_factory=factory, env=ENV, now=lambda: NOW)
    assert not run.ok and not run.retriable
    assert stored(database, "appstore") == 3  # page 1 was stored...
    assert source_row(database, "appstore").cursor is None  # ...but the cursor did not move past page 2
    api.route("itunes.apple.com", APPLE.format(2), fixture_reply("apple_app_store", "empty.json"))
    again = collect_source(database, config, "appstore", http_factory=factory, env=ENV, now=lambda: NOW)
    assert again.ok and (again.new, again.duplicates) == (0, 3)
    assert source_row(database, "appstore").cursor is not None


def test_one_failing_source_does_not_stop_the_others(
    database: Database, config: Config, api: FakeApi, factory: Any
) -> None:
    hn_routes(api)
    api.route("itunes.apple.com", APPLE.format(1), fixture_reply("apple_app_store", "single_entry.json"))
    api.route("itunes.apple.com", APPLE.format(2), fixture_reply("apple_app_store", "empty.json"))
    api.route("telecomweekly.example.com", "/feed.rss", fixture_reply("rss", "not_a_feed.html"))
    seen: list[str] = []
    runs = collect_all(database, config, http_factory=factory, env=ENV, now=lambda: NOW,
                       progress=lambda run: seen.append(run.name))
    assert [(run.name, run.ok) for run in runs] == [("hn", True), ("appstore", True), ("feeds", False)]
    assert "is not an RSS or Atom feed" in (source_row(database, "feeds").last_error or "")
    assert stored(database, "hn") == 4 and stored(database, "appstore") == 1
    assert set(seen) == {"hn", "appstore", "feeds"}


def test_a_missing_secret_fails_only_that_source(database: Database, config: Config) -> None:
    run = collect_source(database, config, "bsky", env={}, now=lambda: NOW)
    assert run.error == "source bsky: environment variable BLUESKY_APP_PASSWORD is not set"
    assert source_row(database, "bsky").consecutive_failures == 1


class Broken(Collector):
    kind = "broken"

    def fetch(self, http: Any, cursor: dict[str, Any] | None, since: datetime) -> Iterator[Batch]:
        raise ZeroDivisionError(f"bug while holding {self.secrets['app_password']}")


class WithBrokenCollector(Collection):
    """Stands in for a third-party collector with a bug."""

    def collector(self, source: SourceConfig) -> Collector:
        base = super().collector(source)
        return Broken(base.params, base.brand, base.secrets)


def test_a_collector_bug_is_recorded_without_the_secret(
    database: Database, config: Config, factory: Any, caplog: pytest.LogCaptureFixture
) -> None:
    collection = WithBrokenCollector(database, config, http_factory=factory, env=ENV, now=lambda: NOW)
    run = collection.run_source("bsky")
    assert run.error == "source bsky: unexpected ZeroDivisionError in the bluesky collector: bug while holding ***"
    assert "pw-very-secret-1" not in (source_row(database, "bsky").last_error or "")
    assert "ZeroDivisionError" in caplog.text
    assert "pw-very-secret-1" not in caplog.text


def test_redact_replaces_every_secret() -> None:
    assert redact("token abc and abc", {"token": "abc"}) == "token *** and ***"

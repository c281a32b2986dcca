from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from conftest import FIXTURES, FakeApi, FakeClock, fixture_reply

from collector.base import BrandTerms
from collector.errors import StreamsFailed
from collector.http import Http, HttpSettings, build_http
from collector.rss import Rss, RssParams

BRAND = BrandTerms(name="Acme Telecom")
ALERTS = "https://www.google.com/alerts/feeds/00000000000000000000/1111111111111111111"
NEWS = "https://telecomweekly.example.com/feed.rss"


def rss(**params: Any) -> Rss:
    return Rss(RssParams(**params), BRAND)


def test_google_alerts_links_are_unwrapped_and_markup_dropped(api: FakeApi, http: Http, run) -> None:
    api.route("www.google.com", "/alerts/feeds/00000000000000000000/1111111111111111111",
              fixture_reply("rss", "google_alerts.xml", content_type="application/atom+xml"))
    result = run(rss(urls=[ALERTS]), http)
    first, second = result.mentions
    assert first.url == "https://www.example-news.com/business/acme-telecom-fined?ref=rss"
    assert second.url == "https://blog.example.org/2026/11/switching"
    assert first.title == 'Acme Telecom fined over misleading "unlimited" plans'
    assert first.text == "The regulator said Acme Telecom customers were throttled after 20 GB & not told ..."
    assert first.external_id == "tag:google.com,2013:googlealerts/feed:9283746501928374650"
    assert first.published_at == datetime(2026, 11, 20, 15, 45, tzinfo=UTC)
    assert first.author is None


def test_rss_html_is_reduced_to_text_with_links_and_language(api: FakeApi, http: Http, run) -> None:
    api.route("telecomweekly.example.com", "/feed.rss",
              fixture_reply("rss", "news.rss", content_type="application/rss+xml"))
    result = run(rss(urls=[NEWS]), http)
    prices, outage, undated = result.mentions
    assert prices.text == "Ab Januar kostet der Tarif 5 € mehr.\n\nMehr: Preisliste (https://acme.example.com/preise)"
    assert prices.language == "de"
    assert prices.author == "Jana Berg"
    assert prices.published_at == datetime(2026, 11, 20, 8, 30, tzinfo=UTC)
    assert outage.external_id == "tw-2026-1118-1"
    assert undated.published_at == datetime(2026, 11, 20, 10, 0, tzinfo=UTC)  # the channel's date


def test_google_news_feed_is_built_from_the_query(api: FakeApi, http: Http, run) -> None:
    api.route("news.google.com", "/rss/search", fixture_reply("rss", "news.rss"))
    run(rss(google_news_query="Acme Telecom", google_news_language="en-GB", google_news_country="GB"), http)
    assert api.params() == {"q": "Acme Telecom", "hl": "en-GB", "gl": "GB", "ceid": "GB:en"}


def test_entries_already_collected_are_not_collected_again(api: FakeApi, http: Http, run) -> None:
    api.route("telecomweekly.example.com", "/feed.rss", fixture_reply("rss", "news.rss"))
    first = run(rss(urls=[NEWS]), http)
    assert len(first.ids) == 3
    second = run(rss(urls=[NEWS]), http, cursor=first.cursor)
    assert second.ids == []
    assert second.cursor == first.cursor


def test_one_broken_feed_fails_the_run_but_not_the_other_feeds(api: FakeApi, http: Http, run) -> None:
    api.route("telecomweekly.example.com", "/feed.rss", fixture_reply("rss", "news.rss"))
    api.route("login.example.com", "/feed", fixture_reply("rss", "not_a_feed.html", content_type="text/html"))
    batches = []
    with pytest.raises(StreamsFailed) as caught:
        for batch in rss(urls=["https://login.example.com/feed?token=abc", NEWS]).fetch(http, None, datetime(2026, 11, 1, tzinfo=UTC)):
            batches.append(batch)
    assert "https://login.example.com/feed: https://login.example.com/feed is not an RSS or Atom feed" in str(caught.value)
    assert "token=abc" not in str(caught.value)
    assert sum(len(batch.mentions) for batch in batches) == 3


class FeedServer(BaseHTTPRequestHandler):
    """A real feed server with ETag support, the way most blogs and news sites answer."""

    body = (FIXTURES / "rss" / "news.rss").read_bytes()
    seen_validators: list[str | None] = []

    def do_GET(self) -> None:  # noqa: N802
        FeedServer.seen_validators.append(self.headers.get("If-None-Match"))
        if self.headers.get("If-None-Match") == '"news-v1"':
            self.send_response(304)
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Type", "application/rss+xml")
        self.send_header("ETag", '"news-v1"')
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def feed_url() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), FeedServer)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    FeedServer.seen_validators = []
    yield f"http://127.0.0.1:{server.server_address[1]}/feed.rss"
    server.shutdown()
    server.server_close()


def test_a_local_feed_server_answers_304_to_the_saved_etag(feed_url: str, clock: FakeClock, run) -> None:
    settings = HttpSettings(allow_private_hosts=True, min_seconds_between_requests=0)
    with build_http(settings, clock=clock) as http:
        first = run(rss(urls=[feed_url]), http)
        second = run(rss(urls=[feed_url]), http, cursor=first.cursor)
    assert len(first.ids) == 3
    assert first.cursor["streams"][feed_url]["etag"] == '"news-v1"'
    assert FeedServer.seen_validators == [None, '"news-v1"']
    assert second.ids == [] and second.cursor is None  # nothing new: the saved cursor stands

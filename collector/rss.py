"""Any RSS or Atom feed (Google Alerts, press and blog feeds) and Google News search feeds."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from functools import partial
from typing import Any
from urllib.parse import urlencode

from pydantic import Field, model_validator

from collector.base import BaseUrl, Batch, Collector, CollectorParams, HttpUrl
from collector.feeds import entry_to_mention, feed_time, parse_feed
from collector.http import Http, Validators, describe
from collector.streams import Mark, Page, parse_each, run_streams


class RssParams(CollectorParams):
    urls: list[HttpUrl] = []
    google_news_query: str | None = Field(None, min_length=1)
    google_news_language: str = Field("en-US", pattern=r"^[a-z]{2}(-[A-Z]{2})?$")
    google_news_country: str = Field("US", pattern=r"^[A-Z]{2}$")
    google_news_url: BaseUrl = "https://news.google.com"

    @model_validator(mode="after")
    def _something_to_read(self) -> RssParams:
        if not self.urls and not self.google_news_query:
            raise ValueError("give at least one feed in `urls` or a `google_news_query`")
        return self

    def feed_urls(self) -> list[str]:
        urls = list(self.urls)
        if self.google_news_query:
            language = self.google_news_language.split("-")[0]
            query = urlencode({
                "q": self.google_news_query,
                "hl": self.google_news_language,
                "gl": self.google_news_country,
                "ceid": f"{self.google_news_country}:{language}",
            })
            urls.append(f"{self.google_news_url}/rss/search?{query}")
        return urls


def read_feed(
    http: Http, url: str, since: datetime, state: dict[str, Any] | None
) -> Iterator[Page]:
    """One conditional GET; entries not collected before, saved with the feed's validators."""
    state = state or {}
    validators = Validators(state.get("etag"), state.get("last_modified"))
    response = http.get(url, validators=validators)
    if response.not_modified:
        return
    parsed = parse_feed(response.content, response.headers.get("content-type"), describe(url))
    fallback = feed_time(parsed)
    page = parse_each(parsed.entries, lambda entry: entry_to_mention(entry, parsed, fallback))
    mark = Mark.load(state, since)
    newest = mark.copy()
    fresh = [mention for mention in page.mentions if not mark.covers(mention)]
    for mention in fresh:
        newest.see(mention)
    saved = response.validators
    yield Page(
        fresh,
        page.skipped,
        state={"etag": saved.etag, "last_modified": saved.last_modified, **newest.state()},
        notes=["the feed is malformed; read what could be read"] if parsed.get("bozo") else [],
    )


class Rss(Collector):
    kind = "rss"
    Params = RssParams
    params: RssParams

    def fetch(self, http: Http, cursor: dict[str, Any] | None, since: datetime) -> Iterator[Batch]:
        streams = {url: partial(read_feed, http, url, since) for url in self.params.feed_urls()}
        yield from run_streams(cursor, streams)

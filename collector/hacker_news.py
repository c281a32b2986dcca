"""Hacker News stories and comments matching the brand's keywords, from Algolia's search API."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from functools import partial
from typing import Any, Literal

from pydantic import Field

from collector.base import BaseUrl, Batch, Collector, CollectorParams
from collector.errors import FatalError, MalformedRecord
from collector.http import Http
from collector.mention import Mention
from collector.streams import Mark, Page, newest_first, parse_each, run_streams, walk_pages
from collector.text import from_epoch, html_to_text, parse_iso, whole_number

HITS_PER_PAGE = 100


class HackerNewsParams(CollectorParams):
    query: str | None = Field(None, min_length=1)
    tags: list[Literal["story", "comment", "ask_hn", "show_hn", "poll"]] = Field(
        ["story", "comment"], min_length=1
    )
    max_pages: int = Field(10, ge=1, le=10)  # Algolia serves at most 1,000 hits per query
    base_url: BaseUrl = "https://hn.algolia.com"


def parse_hit(hit: dict[str, Any]) -> Mention:
    object_id = str(hit["objectID"])
    published = (
        from_epoch(hit["created_at_i"]) if "created_at_i" in hit else parse_iso(hit.get("created_at"))
    )
    metrics = {
        key: value
        for key, value in {
            "points": whole_number(hit.get("points")),
            "replies": whole_number(hit.get("num_comments")),
        }.items()
        if value is not None
    }
    if hit.get("comment_text") is not None:
        text, title = html_to_text(hit["comment_text"]), hit.get("story_title")
    else:
        title = hit.get("title")
        text = html_to_text(hit.get("story_text")) or title or ""
        if hit.get("url"):
            metrics["link"] = hit["url"]
    if not text:
        raise MalformedRecord(f"item {object_id} has no text")
    return Mention(
        external_id=object_id,
        text=text,
        published_at=published,
        url=f"https://news.ycombinator.com/item?id={object_id}",
        author=hit.get("author"),
        title=title,
        metrics=metrics,
    )


class HackerNews(Collector):
    kind = "hacker_news"
    Params = HackerNewsParams
    params: HackerNewsParams

    def fetch(self, http: Http, cursor: dict[str, Any] | None, since: datetime) -> Iterator[Batch]:
        queries = self.search_terms(self.params.query)
        streams = {query: partial(self._stream, http, query, since) for query in queries}
        yield from run_streams(cursor, streams)

    def _stream(
        self, http: Http, query: str, since: datetime, state: dict[str, Any] | None
    ) -> Iterator[Page]:
        mark = Mark.load(state, since)
        fetch_page = partial(self._page, http, query, int(mark.time.timestamp()))
        return newest_first(walk_pages(fetch_page, 0, self.params.max_pages), mark)

    def _page(self, http: Http, query: str, from_second: int, number: int) -> tuple[Page, int | None]:
        """Pages are numbered from 0 and the answer says how many there are (`nbPages`)."""
        body = http.get(f"{self.params.base_url}/api/v1/search_by_date", params={
            "query": query,
            "tags": f"({','.join(self.params.tags)})",
            "numericFilters": f"created_at_i>={from_second}",
            "hitsPerPage": HITS_PER_PAGE,
            "page": number,
        }).json()
        if not isinstance(body, dict) or not isinstance(body.get("hits"), list):
            raise FatalError("Algolia answered without a `hits` list")
        more = number + 1 < (whole_number(body.get("nbPages")) or 0)
        return parse_each(body["hits"], parse_hit), number + 1 if more else None

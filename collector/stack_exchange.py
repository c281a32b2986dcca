"""Stack Exchange questions matching the brand's keywords (`search/advanced`), per site.

Questions are read oldest first from the last one collected, so every page is a closed range
and its cursor can be saved with it; the body's `backoff` is honoured before the next call.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime
from functools import partial
from typing import Annotated, Any

from pydantic import Field, StringConstraints, field_validator

from collector.base import BaseUrl, Batch, Collector, CollectorParams, env_var_is_set
from collector.errors import FatalError, RetriableError
from collector.http import Http, Response, Throttle
from collector.mention import Mention
from collector.streams import Mark, Page, oldest_first, parse_each, run_streams, walk_pages
from collector.text import from_epoch, html_to_text, whole_number

PAGE_SIZE = 100
THROTTLE_VIOLATION = 502
_SECONDS = re.compile(r"(\d+) seconds")

Site = Annotated[str, StringConstraints(pattern=r"^[a-z0-9.]+$")]


class StackExchangeParams(CollectorParams):
    sites: list[Site] = Field(["stackoverflow"], min_length=1)
    query: str | None = Field(None, min_length=1)
    key_env: str | None = None
    max_pages: int = Field(10, ge=1, le=100)
    base_url: BaseUrl = "https://api.stackexchange.com"

    _check_key_env = field_validator("key_env")(env_var_is_set)


def stack_throttle(response: Response) -> Throttle | None:
    """`backoff` (seconds) asks us to pause before calling the same method again;
    error 502 `throttle_violation` is a refusal to retry after the wait it names."""
    if b"backoff" not in response.content and b"error_id" not in response.content:
        return None
    try:
        body = response.json()
    except FatalError:
        return None
    if not isinstance(body, dict):
        return None
    if body.get("error_id") == THROTTLE_VIOLATION:
        found = _SECONDS.search(str(body.get("error_message", "")))
        return Throttle(retry=True, wait=float(found.group(1)) if found else None)
    backoff = whole_number(body.get("backoff"))
    return Throttle(wait=float(backoff)) if backoff else None


def parse_question(item: dict[str, Any], site: str) -> Mention:
    owner = item.get("owner") or {}
    return Mention(
        external_id=f"{site}:{item['question_id']}",  # ids are per site: two sites may share one
        text=html_to_text(item.get("body")) or html_to_text(item.get("title")),
        published_at=from_epoch(item["creation_date"]),
        url=item.get("link"),
        author=html_to_text(owner.get("display_name")) or None,
        title=html_to_text(item.get("title")) or None,
        metrics={
            "votes": whole_number(item.get("score")) or 0,
            "replies": whole_number(item.get("answer_count")) or 0,
            "views": whole_number(item.get("view_count")) or 0,
        },
    )


class StackExchange(Collector):
    kind = "stack_exchange"
    Params = StackExchangeParams
    params: StackExchangeParams

    def fetch(self, http: Http, cursor: dict[str, Any] | None, since: datetime) -> Iterator[Batch]:
        queries = self.search_terms(self.params.query)
        streams = {
            f"{site}:{query}": partial(self._stream, http, site, query, since)
            for site in self.params.sites
            for query in queries
        }
        yield from run_streams(cursor, streams)

    def _stream(
        self, http: Http, site: str, query: str, since: datetime, state: dict[str, Any] | None
    ) -> Iterator[Page]:
        mark = Mark.load(state, since)
        params: dict[str, Any] = {
            "site": site, "q": query, "sort": "creation", "order": "asc",
            "fromdate": int(mark.time.timestamp()), "pagesize": PAGE_SIZE, "filter": "withbody",
        }
        if self.secrets.get("key"):
            params["key"] = self.secrets["key"]
        first: tuple[int, int | None] = (1, None)
        fetch_page = partial(self._page, http, site, params)
        pages = walk_pages(fetch_page, first, self.params.max_pages, "the rest comes on the next run")
        return oldest_first(pages, mark)

    def _page(
        self, http: Http, site: str, params: dict[str, Any], position: tuple[int, int | None]
    ) -> tuple[Page, tuple[int, int | None] | None]:
        """Pages are numbered and say `has_more`; `position` is (page number, quota left)."""
        number, quota_left = position
        if quota_left == 0:
            raise RetriableError(
                "the daily Stack Exchange quota is used up (it resets at midnight UTC); "
                "set key_env to raise it"
            )
        url = f"{self.params.base_url}/2.3/search/advanced"
        body = http.get(url, params={**params, "page": number}, throttle=stack_throttle).json()
        if not isinstance(body, dict) or not isinstance(body.get("items"), list):
            raise FatalError("Stack Exchange answered without an `items` list")
        page = parse_each(body["items"], partial(parse_question, site=site))
        if not body.get("has_more"):
            return page, None
        return page, (number + 1, whole_number(body.get("quota_remaining")))

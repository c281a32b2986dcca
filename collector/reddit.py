"""Reddit search and subreddit listings through OAuth (client credentials), or each
subreddit's public Atom feed when no credentials are configured."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime
from functools import partial
from typing import Annotated, Any

from pydantic import Field, StringConstraints, field_validator, model_validator

from collector.base import BaseUrl, Batch, Collector, CollectorParams, env_var_is_set
from collector.errors import FatalError, MalformedRecord
from collector.feeds import entry_to_mention, feed_time, parse_feed
from collector.http import Http, HttpStatusError, describe
from collector.mention import Mention
from collector.streams import (
    Mark,
    Page,
    StreamFetch,
    newest_first,
    parse_each,
    run_streams,
    walk_pages,
)
from collector.text import from_epoch, whole_number

PAGE_SIZE = 100
Subreddit = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_]{2,21}$")]


class RedditParams(CollectorParams):
    subreddits: list[Subreddit] = []
    query: str | None = Field(None, min_length=1)
    client_id: str | None = Field(None, min_length=1)
    client_secret_env: str | None = None
    max_pages: int = Field(10, ge=1, le=10)  # listings end near 1,000 items
    api_url: BaseUrl = "https://oauth.reddit.com"
    www_url: BaseUrl = "https://www.reddit.com"

    _check_client_secret_env = field_validator("client_secret_env")(env_var_is_set)

    @model_validator(mode="after")
    def _both_or_neither(self) -> RedditParams:
        if (self.client_id is None) != (self.client_secret_env is None):
            raise ValueError("give both client_id and client_secret_env, or neither")
        return self


def parse_post(child: dict[str, Any]) -> Mention:
    data = child["data"]
    name = data.get("name") or f"t3_{data['id']}"
    # raw_json=1: titles and self text come as plain text (self text in Markdown, links kept).
    title = str(data.get("title") or "").strip() or None
    text = str(data.get("selftext") or "").strip() or title or ""
    if not text:
        raise MalformedRecord(f"post {name} has no text")
    permalink = data.get("permalink")
    author = data.get("author")
    return Mention(
        external_id=name,
        text=text,
        published_at=from_epoch(data["created_utc"]),
        url=f"https://www.reddit.com{permalink}" if permalink else data.get("url"),
        author=None if author in (None, "[deleted]") else author,
        title=title,
        metrics={
            "votes": whole_number(data.get("score")) or 0,
            "replies": whole_number(data.get("num_comments")) or 0,
            "subreddit": data.get("subreddit"),
        },
    )


class Reddit(Collector):
    kind = "reddit"
    Params = RedditParams
    params: RedditParams

    def fetch(self, http: Http, cursor: dict[str, Any] | None, since: datetime) -> Iterator[Batch]:
        queries = [self.params.query] if self.params.query else list(self.brand.keywords)
        streams: dict[str, StreamFetch] = {}
        if self.params.client_id:
            token = self._token(http)
            for query in queries:
                streams[f"search:{query}"] = partial(
                    self._listing, http, token, "/search", {"q": query, "sort": "new"}, since
                )
            for sub in self.params.subreddits:
                streams[f"r/{sub}"] = partial(self._listing, http, token, f"/r/{sub}/new", {}, since)
        else:
            for sub in self.params.subreddits:
                streams[f"r/{sub}"] = partial(self._atom, http, sub, since)
        if not streams:
            raise FatalError(
                "nothing to read: without OAuth credentials Reddit is read through subreddit "
                "feeds, so list `subreddits` (or set client_id and client_secret_env to search)"
            )
        yield from run_streams(cursor, streams)

    def _token(self, http: Http) -> str:
        secret = self.secrets.get("client_secret")
        if not secret:
            raise FatalError("no client secret (set client_secret_env to a variable that holds it)")
        basic = base64.b64encode(f"{self.params.client_id}:{secret}".encode()).decode()
        try:
            response = http.post(
                f"{self.params.www_url}/api/v1/access_token",
                form={"grant_type": "client_credentials"},
                headers={"Authorization": f"Basic {basic}"},
            )
        except HttpStatusError as exc:
            if exc.status_code in (400, 401, 403):
                raise FatalError(
                    f"Reddit refused the client credentials for client_id {self.params.client_id} "
                    f"(HTTP {exc.status_code})"
                ) from exc
            raise
        body = response.json()
        if not isinstance(body, dict) or not body.get("access_token"):
            raise FatalError("Reddit's token answer has no access_token")
        return str(body["access_token"])

    def _listing(
        self,
        http: Http,
        token: str,
        path: str,
        query: dict[str, str],
        since: datetime,
        state: dict[str, Any] | None,
    ) -> Iterator[Page]:
        fetch_page = partial(self._page, http, token, path, query)
        return newest_first(walk_pages(fetch_page, None, self.params.max_pages), Mark.load(state, since))

    def _page(
        self, http: Http, token: str, path: str, query: dict[str, str], after: str | None
    ) -> tuple[Page, str | None]:
        """Listings page by `after`, the last item's name, until it is null."""
        params: dict[str, Any] = {**query, "limit": PAGE_SIZE, "raw_json": 1}
        if after:
            params["after"] = after
        body = http.get(
            f"{self.params.api_url}{path}", params=params,
            headers={"Authorization": f"Bearer {token}"},
        ).json()
        try:
            listing = body["data"]
            children = listing["children"]
        except (KeyError, TypeError) as exc:
            raise FatalError(f"Reddit answered {path} without a listing") from exc
        following = listing.get("after") if children else None
        return parse_each(children, parse_post), str(following) if following else None

    def _atom(
        self, http: Http, sub: str, since: datetime, state: dict[str, Any] | None
    ) -> Iterator[Page]:
        url = f"{self.params.www_url}/r/{sub}/new/.rss"
        response = http.get(url)
        parsed = parse_feed(response.content, response.headers.get("content-type"), describe(url))
        fallback = feed_time(parsed)
        page = parse_each(parsed.entries, lambda entry: _atom_post(entry, parsed, fallback))
        return newest_first([page], Mark.load(state, since))


def _atom_post(entry: Any, parsed: Any, fallback: datetime | None) -> Mention:
    mention = entry_to_mention(entry, parsed, fallback)
    author = mention.author.removeprefix("/u/") if mention.author else None
    return replace(mention, author=author)

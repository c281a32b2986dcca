"""Bluesky posts matching the brand's keywords, via `searchPosts` with an app password.

The session is created once per collector and refreshed when its access token expires;
`createSession` is limited to 30 calls per 5 minutes, so it is never called per request.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from functools import partial
from typing import Any

from pydantic import Field, field_validator

from collector.base import BaseUrl, Batch, Collector, CollectorParams, env_var_is_set
from collector.errors import FatalError
from collector.http import Http, HttpStatusError, Response
from collector.mention import Mention
from collector.streams import Mark, Page, newest_first, parse_each, run_streams, walk_pages
from collector.text import language_code, parse_iso, whole_number

PAGE_SIZE = 100
EXPIRED = {"ExpiredToken", "InvalidToken"}


class BlueskyParams(CollectorParams):
    identifier: str = Field(min_length=1)
    app_password_env: str
    query: str | None = Field(None, min_length=1)
    max_pages: int = Field(10, ge=1, le=100)
    service_url: BaseUrl = "https://bsky.social"
    appview_url: BaseUrl = "https://api.bsky.app"

    _check_app_password_env = field_validator("app_password_env")(env_var_is_set)


def parse_post(post: dict[str, Any]) -> Mention:
    uri = post["uri"]
    record = post["record"]
    handle = post["author"]["handle"]
    langs = record.get("langs") or []
    return Mention(
        external_id=uri,
        text=str(record["text"]).strip(),
        published_at=parse_iso(record["createdAt"]),
        url=f"https://bsky.app/profile/{handle}/post/{uri.rsplit('/', 1)[-1]}",
        author=handle,
        language=language_code(langs[0]) if langs else None,
        metrics={
            "likes": whole_number(post.get("likeCount")) or 0,
            "replies": whole_number(post.get("replyCount")) or 0,
            "reposts": whole_number(post.get("repostCount")) or 0,
        },
    )


def _error_name(response: Response) -> str | None:
    try:
        body = response.json()
    except FatalError:
        return None
    return body.get("error") if isinstance(body, dict) else None


class Bluesky(Collector):
    kind = "bluesky"
    Params = BlueskyParams
    params: BlueskyParams

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._access: str | None = None
        self._refresh: str | None = None

    def fetch(self, http: Http, cursor: dict[str, Any] | None, since: datetime) -> Iterator[Batch]:
        queries = self.search_terms(self.params.query)
        streams = {query: partial(self._stream, http, query, since) for query in queries}
        yield from run_streams(cursor, streams)

    def _stream(
        self, http: Http, query: str, since: datetime, state: dict[str, Any] | None
    ) -> Iterator[Page]:
        mark = Mark.load(state, since)
        stamp = mark.time.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        params: dict[str, Any] = {"q": query, "sort": "latest", "since": stamp, "limit": PAGE_SIZE}
        fetch_page = partial(self._page, http, params)
        return newest_first(walk_pages(fetch_page, None, self.params.max_pages), mark)

    def _page(self, http: Http, params: dict[str, Any], cursor: str | None) -> tuple[Page, str | None]:
        """searchPosts pages by an opaque `cursor`, absent on the last page."""
        body = self._search(http, {**params, "cursor": cursor} if cursor else params)
        posts = body.get("posts")
        if not isinstance(posts, list):
            raise FatalError("searchPosts answered without a `posts` list")
        following = body.get("cursor") if posts else None
        return parse_each(posts, parse_post), str(following) if following else None

    def _search(self, http: Http, params: dict[str, Any]) -> dict[str, Any]:
        url = f"{self.params.appview_url}/xrpc/app.bsky.feed.searchPosts"
        if self._access is None:
            self._create_session(http)
        try:
            response = http.get(url, params=params, headers=self._bearer(self._access))
        except HttpStatusError as exc:
            if exc.status_code not in (400, 401) or _error_name(exc.response) not in EXPIRED:
                raise
            self._refresh_session(http)
            response = http.get(url, params=params, headers=self._bearer(self._access))
        body = response.json()
        if not isinstance(body, dict):
            raise FatalError("searchPosts answered with something other than an object")
        return body

    @staticmethod
    def _bearer(token: str | None) -> dict[str, str]:
        return {"Authorization": f"Bearer {token}"}

    def _create_session(self, http: Http) -> None:
        password = self.secrets.get("app_password")
        if not password:
            raise FatalError("no app password (set app_password_env to a variable that holds it)")
        url = f"{self.params.service_url}/xrpc/com.atproto.server.createSession"
        try:
            response = http.post(
                url, json_body={"identifier": self.params.identifier, "password": password}
            )
        except HttpStatusError as exc:
            if exc.status_code in (400, 401):
                raise FatalError(
                    f"Bluesky refused the app password for {self.params.identifier} "
                    f"(HTTP {exc.status_code} {_error_name(exc.response) or ''})".rstrip()
                ) from exc
            raise
        self._keep(response)

    def _refresh_session(self, http: Http) -> None:
        url = f"{self.params.service_url}/xrpc/com.atproto.server.refreshSession"
        try:
            self._keep(http.post(url, headers=self._bearer(self._refresh)))
        except HttpStatusError as exc:
            if exc.status_code not in (400, 401):
                raise
            self._access = self._refresh = None
            self._create_session(http)

    def _keep(self, response: Response) -> None:
        body = response.json()
        try:
            self._access, self._refresh = str(body["accessJwt"]), str(body["refreshJwt"])
        except (KeyError, TypeError) as exc:
            raise FatalError("Bluesky's session answer has no accessJwt/refreshJwt") from exc


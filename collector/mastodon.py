"""Mastodon hashtag timelines on chosen instances (reblogs skipped, `noindex` respected)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Annotated, Any
from urllib.parse import quote, urlsplit

from pydantic import AfterValidator, Field, field_validator

from collector.base import Batch, Collector, CollectorParams, env_var_is_set, http_url
from collector.errors import FatalError, MalformedRecord
from collector.http import Http
from collector.mention import Mention
from collector.streams import Page, parse_each, run_streams, walk_pages
from collector.text import html_to_text, language_code, parse_iso, whole_number

PAGE_SIZE = 40


def _instance_url(value: str) -> str:
    """'mastodon.social' -> 'https://mastodon.social'; full URLs (mirrors, tests) kept."""
    url = value.strip().rstrip("/")
    if "://" not in url and ":\\" not in url:
        url = f"https://{url}"
    if urlsplit(http_url(url)).path:
        raise ValueError(f"{value} is not an instance host name or base URL (it has a path)")
    return url


Instance = Annotated[str, AfterValidator(_instance_url)]


class MastodonParams(CollectorParams):
    instances: list[Instance] = Field(["https://mastodon.social"], min_length=1)
    hashtags: list[str] | None = None
    access_token_env: str | None = None
    max_pages: int = Field(10, ge=1, le=100)

    _check_access_token_env = field_validator("access_token_env")(env_var_is_set)


def _id_order(status_id: str) -> tuple[int, str]:
    """Mastodon ids are strings; numeric ones compare by length first, then as text."""
    return (len(status_id), status_id)


@dataclass
class Tally:
    left_out: int = 0  # statuses not collected by rule in one stream


def excluded(status: dict[str, Any]) -> bool:
    """Reblogs repeat someone else's post; `noindex` authors asked not to be indexed."""
    account = status.get("account")
    return bool(status.get("reblog")) or (isinstance(account, dict) and bool(account.get("noindex")))


def parse_status(status: dict[str, Any], instance_host: str) -> Mention:
    account = status["account"]
    acct = account.get("acct") or account.get("username")
    if acct and "@" not in acct:
        acct = f"{acct}@{instance_host}"
    external_id = status.get("uri") or status.get("url")
    if not external_id:
        raise MalformedRecord(f"status {status.get('id')} has no uri")
    return Mention(
        external_id=str(external_id),
        text=html_to_text(status.get("content")),
        published_at=parse_iso(status["created_at"]),
        url=status.get("url") or status.get("uri"),
        author=acct,
        title=str(status.get("spoiler_text") or "").strip() or None,  # plain text, not HTML
        language=language_code(status.get("language")),
        metrics={
            "likes": whole_number(status.get("favourites_count")) or 0,
            "reblogs": whole_number(status.get("reblogs_count")) or 0,
            "replies": whole_number(status.get("replies_count")) or 0,
        },
    )


class Mastodon(Collector):
    kind = "mastodon"
    Params = MastodonParams
    params: MastodonParams

    def fetch(self, http: Http, cursor: dict[str, Any] | None, since: datetime) -> Iterator[Batch]:
        tags = [t.lstrip("#").lower() for t in (self.params.hashtags or self.brand.hashtags)]
        if not tags:
            raise FatalError("no hashtags: set params.hashtags or the brand's hashtags")
        streams = {
            f"{instance}#{tag}": partial(self._stream, http, instance, tag, since)
            for instance in self.params.instances
            for tag in tags
        }
        yield from run_streams(cursor, streams)

    def _get(self, http: Http, url: str, params: dict[str, Any]) -> list[Any]:
        token = self.secrets.get("access_token")
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        statuses = http.get(url, params=params, headers=headers).json()
        if not isinstance(statuses, list):
            raise FatalError(f"{url.split('?')[0]} did not answer with a list of statuses")
        return [status for status in statuses if isinstance(status, dict) and status.get("id")]

    def _page(self, statuses: list[dict[str, Any]], host: str, tally: Tally) -> Page:
        kept = [status for status in statuses if not excluded(status)]
        tally.left_out += len(statuses) - len(kept)
        return parse_each(kept, lambda status: parse_status(status, host))

    def _stream(
        self, http: Http, instance: str, tag: str, since: datetime, state: dict[str, Any] | None
    ) -> Iterator[Page]:
        url = f"{instance}/api/v1/timelines/tag/{quote(tag, safe='')}"
        host = urlsplit(instance).hostname or instance
        tally = Tally()
        if state and state.get("min_id"):
            yield from self._forward(http, url, host, str(state["min_id"]), tally)
        else:
            yield from self._backfill(http, url, host, since, tally)
        if tally.left_out:
            yield Page(notes=[f"left out {tally.left_out} reblogs or posts by noindex authors"])

    def _forward(self, http: Http, url: str, host: str, min_id: str, tally: Tally) -> Iterator[Page]:
        """Newer than min_id: each answer is the oldest chunk after it, a closed range."""

        def newer(min_id: str) -> tuple[Page | None, str | None]:
            statuses = self._get(http, url, {"limit": PAGE_SIZE, "min_id": min_id})
            if not statuses:
                return None, None
            newest = max((str(s["id"]) for s in statuses), key=_id_order)
            page = self._page(statuses, host, tally)
            page.state = {"min_id": newest}
            return page, None if len(statuses) < PAGE_SIZE else newest

        return walk_pages(newer, min_id, self.params.max_pages, "the rest comes on the next run")

    def _backfill(
        self, http: Http, url: str, host: str, since: datetime, tally: Tally
    ) -> Iterator[Page]:
        """First run: newest first back to `since`; the newest id is saved at the end."""
        newest: list[str] = []

        def older(max_id: str | None) -> tuple[Page | None, str | None]:
            params: dict[str, Any] = {"limit": PAGE_SIZE}
            if max_id:
                params["max_id"] = max_id
            statuses = self._get(http, url, params)
            if not statuses:
                return None, None
            ids = [str(s["id"]) for s in statuses]
            newest.append(max(ids, key=_id_order))
            page = self._page(statuses, host, tally)
            page.mentions = [m for m in page.mentions if m.published_at >= since]
            done = _reached(statuses, since) or len(statuses) < PAGE_SIZE
            return page, None if done else min(ids, key=_id_order)

        yield from walk_pages(older, None, self.params.max_pages)
        if newest:
            yield Page(state={"min_id": newest[0]})


def _reached(statuses: list[dict[str, Any]], since: datetime) -> bool:
    for status in statuses:
        try:
            if parse_iso(status.get("created_at")) < since:
                return True
        except MalformedRecord:
            continue
    return False

"""Apple App Store customer reviews, from the store's RSS feed in JSON, per app and country."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from functools import partial
from typing import Annotated, Any

from pydantic import Field, StringConstraints

from collector.base import BaseUrl, Batch, Collector, CollectorParams
from collector.errors import FatalError, MalformedRecord
from collector.http import Http
from collector.mention import Mention
from collector.streams import Mark, Page, newest_first, parse_each, run_streams, walk_pages
from collector.text import parse_iso, rating_1_to_5, whole_number

Country = Annotated[str, StringConstraints(pattern=r"^[a-z]{2}$", to_lower=True)]
AppId = Annotated[str, StringConstraints(pattern=r"^\d+$")]


class AppleAppStoreParams(CollectorParams):
    countries: list[Country] = Field(["us"], min_length=1)
    app_ids: list[AppId] | None = None
    max_pages: int = Field(10, ge=1, le=10)
    base_url: BaseUrl = "https://itunes.apple.com"


def _label(value: Any) -> Any:
    """Apple wraps every value as {"label": ...}."""
    return value.get("label") if isinstance(value, dict) else None


def _entries(payload: Any) -> list[Any]:
    if not isinstance(payload, dict) or not isinstance(payload.get("feed"), dict):
        raise FatalError("the App Store answered without a `feed` object")
    entries = payload["feed"].get("entry")
    if entries is None:
        return []
    return entries if isinstance(entries, list) else [entries]


def parse_review(entry: Any, country: str, feed_updated: datetime | None) -> Mention | None:
    """A review, or None for the app-metadata entry old feeds put first."""
    if "im:rating" not in entry:
        return None
    review_id = str(_label(entry["id"]) or "")
    if not review_id:
        raise MalformedRecord("review without an id")
    updated = _label(entry.get("updated"))
    published = parse_iso(updated) if updated is not None else feed_updated
    if published is None:
        raise MalformedRecord(f"review {review_id} has no time")
    author = entry.get("author")
    link = entry.get("link")
    href = link.get("attributes", {}).get("href") if isinstance(link, dict) else None
    return Mention(
        external_id=review_id,
        text=str(_label(entry.get("content")) or "").strip(),
        published_at=published,
        url=href,
        author=_label(author.get("name")) if isinstance(author, dict) else None,
        title=_label(entry.get("title")),
        rating=rating_1_to_5(_label(entry["im:rating"])),
        metrics={
            key: value
            for key, value in {
                "votes": whole_number(_label(entry.get("im:voteCount"))),
                "vote_sum": whole_number(_label(entry.get("im:voteSum"))),
                "app_version": _label(entry.get("im:version")),
                "country": country,
            }.items()
            if value is not None
        },
    )


class AppleAppStore(Collector):
    kind = "apple_app_store"
    Params = AppleAppStoreParams
    params: AppleAppStoreParams

    def fetch(self, http: Http, cursor: dict[str, Any] | None, since: datetime) -> Iterator[Batch]:
        app_ids = self.params.app_ids or list(self.brand.apple_app_ids)
        if not app_ids:
            raise FatalError("no App Store app ids: set params.app_ids or the brand's apple_app_ids")
        streams = {
            f"{app_id}/{country}": partial(self._stream, http, app_id, country, since)
            for app_id in app_ids
            for country in self.params.countries
        }
        yield from run_streams(cursor, streams)

    def _stream(
        self, http: Http, app_id: str, country: str, since: datetime, state: dict[str, Any] | None
    ) -> Iterator[Page]:
        pages = walk_pages(partial(self._page, http, app_id, country), 1, self.params.max_pages)
        return newest_first(pages, Mark.load(state, since))

    def _page(self, http: Http, app_id: str, country: str, number: int) -> tuple[Page, int | None]:
        """Pages are numbered; the first without a review is the end."""
        url = (
            f"{self.params.base_url}/{country}/rss/customerreviews/page={number}"
            f"/id={app_id}/sortby=mostrecent/json"
        )
        payload = http.get(url).json()
        entries = _entries(payload)
        page = parse_each(entries, partial(parse_review, country=country,
                                           feed_updated=_feed_updated(payload)))
        more = any("im:rating" in e for e in entries if isinstance(e, dict))
        return page, number + 1 if more else None


def _feed_updated(payload: dict[str, Any]) -> datetime | None:
    try:
        return parse_iso(_label(payload["feed"].get("updated")))
    except MalformedRecord:
        return None
